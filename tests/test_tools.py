"""HTTP: /tools routes against the real gateway and PostgreSQL."""

import uuid

import pytest

from conftest import new_node, new_tool, next_url, problem, token, walk


def unique_name(prefix: str = "t") -> str:
    return f"{prefix}-{token()}"


def unique_category() -> str:
    return "CAT_" + token().upper()


def ids(items):
    return [t["tool_id"] for t in items]


# --- create and read ---------------------------------------------------------------------

def test_create_returns_the_tool_with_tags_and_schemas(http):
    name = unique_name("summarizer")
    schema = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
    response = http.post("/tools/", json={
        "name": name, "version": "1.2.0", "category": "NLP", "description": "Summarizes text",
        "input_schema": schema, "metadata": {"owner": "team-a"}, "tags": ["summarization", "NLP", "nlp"],
    })
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    tool = response.json()
    assert uuid.UUID(tool["tool_id"])
    assert tool["name"] == name and tool["version"] == "1.2.0" and tool["category"] == "NLP"
    assert tool["description"] == "Summarizes text"
    assert tool["input_schema"] == schema and tool["output_schema"] == {}
    assert tool["metadata"] == {"owner": "team-a"}
    assert tool["tags"] == ["nlp", "summarization"]  # lower-cased, merged, sorted
    assert tool["status"] == "ACTIVE" and tool["target_node_id"] is None
    assert tool["created_at"] and tool["updated_at"]
    assert "cursor" not in tool

    got = http.get(f"/tools/{tool['tool_id']}")
    assert got.status_code == 200
    assert got.json() == tool


def test_create_with_target_node(http):
    node = new_node(http)
    tool = new_tool(http, target_node_id=node["node_id"], status="INACTIVE")
    assert tool["target_node_id"] == node["node_id"] and tool["status"] == "INACTIVE"


def test_get_by_name_returns_the_latest_by_semver_precedence(http):
    name = unique_name()
    created = {v: new_tool(http, name=name, version=v) for v in ("1.9.0", "1.10.0", "1.10.0-rc.1")}

    latest = http.get(f"/tools/name/{name}")
    assert latest.status_code == 200, latest.text
    assert latest.json()["version"] == "1.10.0"
    assert latest.json() == created["1.10.0"]

    picked = http.get(f"/tools/name/{name}", params={"version": "1.9.0"})
    assert picked.status_code == 200 and picked.json() == created["1.9.0"]
    assert http.get(f"/tools/name/{name}", params={"version": "1.10.0-rc.1"}).json()["tool_id"] == \
        created["1.10.0-rc.1"]["tool_id"]

    versions = http.get(f"/tools/name/{name}/versions")
    assert versions.status_code == 200
    assert [t["version"] for t in versions.json()] == ["1.10.0", "1.10.0-rc.1", "1.9.0"]
    assert all(t["name"] == name and t["cursor"] for t in versions.json())

    problem(http.get(f"/tools/name/{name}", params={"version": "2.0.0"}), 404, "P0002", "version")
    problem(http.get(f"/tools/name/{unique_name()}"), 404, "P0002", "tool_name")
    problem(http.get(f"/tools/name/{unique_name()}/versions"), 404, "P0002", "tool_name")


def test_versions_page_through_semver_order(http):
    name = unique_name()
    for v in ("0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0", "2.0.0"):
        new_tool(http, name=name, version=v)
    items, pages = walk(http, f"/tools/name/{name}/versions?limit=4")
    assert pages == 2
    assert [t["version"] for t in items] == ["2.0.0", "1.0.0", "1.0.0-beta", "1.0.0-alpha.1", "1.0.0-alpha", "0.9.0"]


# --- lists -----------------------------------------------------------------------------

def test_list_filters(http):
    category, word = unique_category(), token()
    node = new_node(http)
    on_node = new_tool(http, name=f"alpha-{word}", category=category, target_node_id=node["node_id"])
    inactive = new_tool(http, name=f"beta-{word}", category=category, status="INACTIVE")
    deprecated = new_tool(http, name=unique_name("gamma"), category=category, status="DEPRECATED")
    elsewhere = new_tool(http, name=f"delta-{word}", category=unique_category())

    by_category = http.get("/tools/", params={"category": category})
    assert by_category.status_code == 200
    assert ids(by_category.json()) == ids(sorted([on_node, inactive, deprecated], key=lambda t: t["name"]))

    assert ids(http.get("/tools/", params={"category": category, "status": "INACTIVE"}).json()) == [inactive["tool_id"]]
    assert ids(http.get("/tools/", params={"category": category, "status": "DEPRECATED"}).json()) == [deprecated["tool_id"]]
    assert ids(http.get("/tools/", params={"target_node_id": node["node_id"]}).json()) == [on_node["tool_id"]]

    # name: a substring, case-insensitive, across categories
    by_name = http.get("/tools/", params={"name": word.upper()}).json()
    assert ids(by_name) == [on_node["tool_id"], inactive["tool_id"], elsewhere["tool_id"]]
    assert ids(http.get("/tools/", params={"name": f"lta-{word}"}).json()) == [elsewhere["tool_id"]]
    # LIKE wildcards in the search are taken literally (no tool name can hold a %)
    assert http.get("/tools/", params={"name": "%"}).json() == []
    assert ids(http.get("/tools/", params={"name": word, "category": category, "status": "ACTIVE"}).json()) == \
        [on_node["tool_id"]]


def test_list_active_holds_only_active_tools(http):
    category = unique_category()
    active = new_tool(http, category=category)
    inactive = new_tool(http, category=category, status="INACTIVE")
    items, _ = walk(http, "/tools/active/?limit=1000")
    assert items and all(t["status"] == "ACTIVE" for t in items)
    assert active["tool_id"] in ids(items) and inactive["tool_id"] not in ids(items)


def test_list_by_category(http):
    category = unique_category()
    name = unique_name("a")
    first = new_tool(http, name=name, version="1.0.0", category=category)
    second = new_tool(http, name=name, version="1.1.0", category=category)
    third = new_tool(http, name=unique_name("b"), category=category, status="DEPRECATED")
    new_tool(http, category=unique_category())
    response = http.get(f"/tools/category/{category}")
    assert response.status_code == 200
    assert ids(response.json()) == [second["tool_id"], first["tool_id"], third["tool_id"]]
    assert http.get(f"/tools/category/{unique_category()}").json() == []


def test_pagination_walks_every_tool_once(http):
    category = unique_category()
    a, b = unique_name("a"), unique_name("b")
    created = [new_tool(http, name=a, version=v, category=category) for v in ("1.0.0", "1.2.0", "1.10.0", "2.0.0-alpha")]
    created += [new_tool(http, name=b, version=v, category=category) for v in ("0.1.0", "0.1.1")]
    created.append(new_tool(http, name=unique_name("c"), category=category))

    first = http.get("/tools/", params={"category": category, "limit": 3})
    assert f"category={category}" in first.headers["link"] and "cursor=" in first.headers["link"]
    items, pages = walk(http, f"/tools/?category={category}&limit=3")
    assert pages == 3 and len(items) == 7 and set(ids(items)) == set(ids(created))
    assert [(t["name"], t["version"]) for t in items] == [
        (a, "2.0.0-alpha"), (a, "1.10.0"), (a, "1.2.0"), (a, "1.0.0"), (b, "0.1.1"), (b, "0.1.0"),
        (created[-1]["name"], "1.0.0"),
    ]
    # the same walk through the category route, a page per item
    by_category, pages = walk(http, f"/tools/category/{category}?limit=1")
    assert ids(by_category) == ids(items) and pages == 8  # the last page is empty
    # a full last page has a Link, and the page after it is empty
    seven = http.get("/tools/", params={"category": category, "limit": 7})
    assert len(seven.json()) == 7 and seven.headers.get("link")
    assert http.get(next_url(seven)).json() == []
    assert "link" not in http.get("/tools/", params={"category": category, "limit": 8}).headers


# --- tags ------------------------------------------------------------------------------

def test_tag_add_and_remove(http):
    tool = new_tool(http, tags=["base"])
    path = f"/tools/{tool['tool_id']}/tags"

    added = http.post(f"{path}/Vision")
    assert added.status_code == 200, added.text
    assert added.json()["tool_id"] == tool["tool_id"] and added.json()["tags"] == ["base", "vision"]
    again = http.post(f"{path}/vision")
    assert again.status_code == 200 and again.json()["tags"] == ["base", "vision"]
    assert http.get(f"/tools/{tool['tool_id']}").json()["tags"] == ["base", "vision"]

    removed = http.delete(f"{path}/VISION")
    assert removed.status_code == 204 and removed.content == b""
    assert http.get(f"/tools/{tool['tool_id']}").json()["tags"] == ["base"]
    problem(http.delete(f"{path}/vision"), 404, "P0002", "tag_name")
    problem(http.delete(f"{path}/never-had"), 404, "P0002", "tag_name")


def test_tag_errors(http):
    tool = new_tool(http)
    problem(http.post(f"/tools/{uuid.uuid4()}/tags/nlp"), 404, "P0002", "tool_id")
    problem(http.delete(f"/tools/{uuid.uuid4()}/tags/nlp"), 404, "P0002", "tool_id")
    problem(http.post("/tools/not-a-uuid/tags/nlp"), 422, "22P02", "tool_id")
    problem(http.post(f"/tools/{tool['tool_id']}/tags/bad tag"), 422, "23514")
    problem(http.post(f"/tools/{tool['tool_id']}/tags/-leading-dash"), 422, "23514")
    problem(http.post(f"/tools/{tool['tool_id']}/tags/{'x' * 65}"), 422, "23514")
    assert http.get(f"/tools/{tool['tool_id']}").json()["tags"] == []


def test_invalid_tag_names_the_tag_name_parameter(http):
    tool = new_tool(http)
    problem(http.post(f"/tools/{tool['tool_id']}/tags/bad tag"), 422, "23514", "tag_name")


def test_search_by_tag_exact_and_prefix(http):
    t = token()
    nlp = new_tool(http, name=unique_name("a"), tags=[f"{t}-nlp"])
    nlpx = new_tool(http, name=unique_name("b"), tags=[f"{t}-nlpx", "other"])
    vision = new_tool(http, name=unique_name("c"), tags=[f"{t}-vision"])
    new_tool(http, tags=[f"x{t}-nlp"])  # contains the prefix, does not start with it

    exact = http.get(f"/tools/tags/{t}-nlp")
    assert exact.status_code == 200
    assert ids(exact.json()) == [nlp["tool_id"]]
    assert ids(http.get(f"/tools/tags/{t.upper()}-NLP").json()) == [nlp["tool_id"]]
    assert ids(http.get(f"/tools/tags/{t}-nlp*").json()) == [nlp["tool_id"], nlpx["tool_id"]]
    assert ids(http.get(f"/tools/tags/{t}*").json()) == [nlp["tool_id"], nlpx["tool_id"], vision["tool_id"]]
    assert http.get(f"/tools/tags/{t}-none").json() == []
    items, pages = walk(http, f"/tools/tags/{t}*?limit=2")
    assert ids(items) == [nlp["tool_id"], nlpx["tool_id"], vision["tool_id"]] and pages == 2


@pytest.mark.parametrize("search", ["bad tag", "*", "nlp**", "-nlp", "a*b", "x" * 65])
def test_search_by_tag_rejects_what_is_no_tag(http, search):
    problem(http.get(f"/tools/tags/{search}"), 422, "22023", "tag_search")


# --- update ----------------------------------------------------------------------------

def test_partial_update_changes_only_the_fields_sent(http):
    tool = new_tool(http, description="first", tags=["keep"], metadata={"k": 1},
                    input_schema={"type": "object"})
    path = f"/tools/{tool['tool_id']}"

    updated = http.put(path, json={"status": "DEPRECATED"})
    assert updated.status_code == 200, updated.text
    after = updated.json()
    assert after["status"] == "DEPRECATED"
    unchanged = {k: v for k, v in tool.items() if k not in ("status", "updated_at", "revision")}
    assert {k: v for k, v in after.items() if k not in ("status", "updated_at", "revision")} == unchanged
    assert after["revision"] == tool["revision"] + 1
    assert after["updated_at"] >= tool["updated_at"]
    assert http.get(path).json() == after

    cleared = http.put(path, json={"description": None}).json()
    assert cleared["description"] is None and cleared["status"] == "DEPRECATED" and cleared["tags"] == ["keep"]

    node = new_node(http)
    changed = http.put(path, json={"tags": ["X", "y"], "version": "1.1.0", "target_node_id": node["node_id"],
                                   "output_schema": {"type": "object"}, "metadata": {"k": 2}})
    assert changed.status_code == 200, changed.text
    c = changed.json()
    assert c["tags"] == ["x", "y"] and c["version"] == "1.1.0" and c["target_node_id"] == node["node_id"]
    assert c["output_schema"] == {"type": "object"} and c["metadata"] == {"k": 2}
    assert c["input_schema"] == {"type": "object"} and c["name"] == tool["name"]

    unlinked = http.put(path, json={"target_node_id": None, "tags": []}).json()
    assert unlinked["target_node_id"] is None and unlinked["tags"] == []

    assert http.put(path, json={}).json() == http.get(path).json()


def test_update_null_tags_clears_them(http):
    tool = new_tool(http, tags=["a", "b"])
    response = http.put(f"/tools/{tool['tool_id']}", json={"tags": None})
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == []


def test_update_errors(http):
    tool = new_tool(http, version="1.0.0")
    taken = new_tool(http, name=tool["name"], version="2.0.0")
    path = f"/tools/{tool['tool_id']}"
    problem(http.put(path, json={"colour": "red"}), 422, "22023", "colour")
    problem(http.put(path, json={"status": 5}), 422, "22023", "status")
    problem(http.put(path, json={"tags": "nlp"}), 422, "22023", "tags")
    problem(http.put(path, json={"tags": ["ok", 1]}), 422, "22023", "tags")
    problem(http.put(path, json={"tags": ["Bad Tag"]}), 422, "23514")
    problem(http.put(path, json={"input_schema": []}), 422, "22023", "input_schema")
    problem(http.put(path, json={"name": None}), 422, "23502", "name")
    problem(http.put(path, json={"input_schema": None}), 422, "23502", "input_schema")
    problem(http.put(path, json={"version": "1.0"}), 422, "23514", "version")
    problem(http.put(path, json={"name": "Bad Name"}), 422, "23514", "name")
    problem(http.put(path, json={"category": "lower"}), 422, "23514", "category")
    problem(http.put(path, json={"status": "DEAD"}), 422, "23514", "status")
    problem(http.put(path, json={"target_node_id": "nope"}), 422, "22P02")
    problem(http.put(path, json={"target_node_id": str(uuid.uuid4())}), 409, "23503", "target_node_id")
    body = problem(http.put(path, json={"version": taken["version"]}), 409, "23505", "version")
    assert tool["name"] in body["conflict"]
    problem(http.put(path, json=[]), 422)
    problem(http.put(path, content=b"", headers={"content-type": "application/json"}), 400)
    problem(http.put(f"/tools/{uuid.uuid4()}", json={"status": "ACTIVE"}), 404, "P0002", "tool_id")
    problem(http.put("/tools/not-a-uuid", json={}), 422, "22P02", "tool_id")
    # nothing of the failed updates stuck
    assert http.get(path).json() == tool


# --- delete ----------------------------------------------------------------------------

def test_a_tool_with_artifacts_is_deleted_only_after_them(http):
    # No route deletes or detaches data its caller did not name.
    gone = f"gone-{token()}"
    tool = new_tool(http, tags=[gone])
    artifacts = []
    for i in range(2):
        response = http.post("/artifacts/", json={"name": f"out-{i}.json", "uri": f"s3://b/{token()}",
                                                  "tool_id": tool["tool_id"]})
        assert response.status_code == 201, response.text
        artifacts.append(response.json())

    problem(http.delete(f"/tools/{tool['tool_id']}"), 409, "23503", "tool_id")
    assert http.get(f"/tools/{tool['tool_id']}").status_code == 200
    for artifact in artifacts:
        assert http.get(f"/artifacts/{artifact['artifact_id']}").json()["tool_id"] == tool["tool_id"]
        assert http.delete(f"/artifacts/{artifact['artifact_id']}").status_code == 204

    deleted = http.delete(f"/tools/{tool['tool_id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    problem(http.get(f"/tools/{tool['tool_id']}"), 404, "P0002", "tool_id")
    problem(http.delete(f"/tools/{tool['tool_id']}"), 404, "P0002", "tool_id")
    problem(http.get(f"/artifacts/tool/{tool['tool_id']}"), 404, "P0002", "tool_id")
    problem(http.get(f"/tools/name/{tool['name']}"), 404, "P0002", "tool_name")
    assert http.get(f"/tools/tags/{gone}").json() == []


def test_delete_errors(http):
    problem(http.delete(f"/tools/{uuid.uuid4()}"), 404, "P0002", "tool_id")
    problem(http.delete("/tools/not-a-uuid"), 422, "22P02", "tool_id")


# --- create errors ---------------------------------------------------------------------

def test_duplicate_name_and_version_conflicts(http):
    tool = new_tool(http, version="3.1.4")
    body = problem(http.post("/tools/", json={"name": tool["name"], "version": "3.1.4", "category": "NLP"}),
                   409, "23505", "version")
    assert tool["name"] in body["conflict"] and "3.1.4" in body["conflict"]
    # another version of the same name is fine
    assert new_tool(http, name=tool["name"], version="3.1.5")["name"] == tool["name"]


def test_unknown_target_node_conflicts(http):
    missing = str(uuid.uuid4())
    body = problem(http.post("/tools/", json={"name": unique_name(), "version": "1.0.0", "category": "NLP",
                                              "target_node_id": missing}), 409, "23503", "target_node_id")
    assert missing in body["conflict"]


@pytest.mark.parametrize(("field", "value"), [
    ("version", "1.0"),
    ("version", "01.0.0"),
    ("version", "1.0.0-"),
    ("version", "v1.0.0"),
    ("name", "Bad Name"),
    ("name", "1starts-with-digit"),
    ("name", "x" * 129),
    ("category", "nlp"),
    ("category", "NLP-TOOLS"),
    ("status", "DEAD"),
    ("input_schema", []),
    ("input_schema", "a string"),
    ("output_schema", [1]),
    ("metadata", 5),
])
def test_create_rejects_bad_values(http, field, value):
    body = {"name": unique_name(), "version": "1.0.0", "category": "NLP", field: value}
    problem(http.post("/tools/", json=body), 422, "23514", field)


def test_create_rejects_bad_tags(http):
    base = {"name": unique_name(), "version": "1.0.0", "category": "NLP"}
    problem(http.post("/tools/", json={**base, "tags": ["ok", "Bad Tag"]}), 422, "23514")
    problem(http.post("/tools/", json={**base, "tags": "nlp"}), 422, None, "tags")
    problem(http.post("/tools/", json={**base, "tags": ["ok", 1]}), 422, None, "tags")
    problem(http.post("/tools/", json={**base, "tags": [["nested"]]}), 422, None, "tags")
    # nothing was created by the failed attempts
    problem(http.get(f"/tools/name/{base['name']}"), 404, "P0002", "tool_name")


def test_text_with_nul_is_a_client_error(http):
    # PostgreSQL text cannot hold NUL: a 422 naming the field, never a 503 "database unavailable"
    base = {"name": unique_name(), "version": "1.0.0", "category": "NLP"}
    problem(http.post("/tools/", json={**base, "description": "a\u0000b"}), 422, None, "description")
    problem(http.post("/tools/", json={**base, "tags": ["a\u0000b"]}), 422, None, "tags")
    problem(http.get("/tools/", params={"name": "a\u0000"}), 422, None, "name")
    problem(http.get("/tools/name/a%00b"), 422, None, "tool_name")
    problem(http.get("/tools/tags/a%00b"), 422, None, "tag_search")


def test_create_errors(http):
    problem(http.post("/tools/", json={"name": unique_name(), "version": "1.0.0"}), 422, None, "category")
    problem(http.post("/tools/", json={"name": None, "version": "1.0.0", "category": "NLP"}), 422, "23502", "name")
    problem(http.post("/tools/", json={"name": unique_name(), "version": "1.0.0", "category": "NLP", "colour": "red"}),
            422, None, "colour")
    problem(http.post("/tools/", json={"name": unique_name(), "version": "1.0.0", "category": "NLP",
                                       "target_node_id": "not-a-uuid"}), 422, "22P02", "target_node_id")
    problem(http.post("/tools/", json={"name": unique_name(), "version": 1, "category": "NLP"}), 422, None, "version")


def test_read_errors(http):
    problem(http.get("/tools/not-a-uuid"), 422, "22P02", "tool_id")
    problem(http.get(f"/tools/{uuid.uuid4()}"), 404, "P0002", "tool_id")
    problem(http.get("/tools/", params={"status": "DEAD"}), 422, "22023", "status")
    problem(http.get("/tools/", params={"target_node_id": "nope"}), 422, "22P02", "target_node_id")
    problem(http.get("/tools/", params={"limit": 1001}), 422, "22023", "limit")
    problem(http.get("/tools/", params={"limit": 0}), 422, "22023", "limit")
    problem(http.get("/tools/", params={"cursor": "zzz"}), 422, "22023", "cursor")
    problem(http.get("/tools/", params={"colour": "red"}), 422, None, "colour")
    problem(http.get("/tools/active/", params={"limit": 1001}), 422, "22023", "limit")
    problem(http.get("/tools/active/", params={"cursor": "bm90IGEgY3Vyc29y"}), 422, "22023", "cursor")
    problem(http.get(f"/tools/category/{unique_category()}", params={"limit": 1001}), 422, "22023", "limit")
    problem(http.get(f"/tools/tags/nlp", params={"cursor": "zzz"}), 422, "22023", "cursor")
    tool = new_tool(http)
    problem(http.get(f"/tools/name/{tool['name']}/versions", params={"limit": 0}), 422, "22023", "limit")
    problem(http.get(f"/tools/name/{tool['name']}", params={"colour": "red"}), 422, None, "colour")


def test_what_a_tool_carries_is_bounded(http):
    # At most 32 tags a tool: every page of tools carries them.
    tags = [f"t{i}" for i in range(33)]
    problem(http.post("/tools/", json={"name": unique_name(), "version": "1.0.0", "category": "NLP", "tags": tags}),
            422, "22023", "tags")
    tool = new_tool(http, tags=tags[:32])
    problem(http.post(f"/tools/{tool['tool_id']}/tags/t99"), 422, "22023", "tag_name")
    problem(http.put(f"/tools/{tool['tool_id']}", json={"tags": tags}), 422, "22023", "tags")
    # A property name is an index entry: a 5 kB name is refused naming its schema, not a 54000.
    long_name = "".join(uuid.uuid4().hex for _ in range(160))
    schema = {"type": "object", "properties": {long_name: {"type": "string"}}}
    problem(http.post("/tools/", json={"name": unique_name(), "version": "1.0.0", "category": "NLP",
                                       "input_schema": schema}), 422, "23514", "input_schema")
    problem(http.put(f"/tools/{tool['tool_id']}", json={"output_schema": schema}), 422, "23514", "output_schema")


def test_build_metadata_breaks_ties_in_byte_order(http):
    # Build metadata has no semver precedence; the order is still total, whatever the ids drawn.
    name = unique_name()
    for v in ("1.0.0+b", "1.0.0", "1.0.0+a", "1.0.0-rc+z"):
        new_tool(http, name=name, version=v)
    assert http.get(f"/tools/name/{name}").json()["version"] == "1.0.0+b"
    versions = http.get(f"/tools/name/{name}/versions").json()
    assert [t["version"] for t in versions] == ["1.0.0+b", "1.0.0+a", "1.0.0", "1.0.0-rc+z"]


# --- schemas: checked at registration, values validated against them ----------------------

TOOL_INPUT = {"type": "object", "required": ["text"], "additionalProperties": False,
              "properties": {"text": {"type": "string", "maxLength": 5}, "lang": {"$ref": "#/$defs/lang"}},
              "$defs": {"lang": {"type": "string", "pattern": "^[a-z]{2}$"}}}


@pytest.mark.parametrize("field, schema, detail", [
    ("input_schema", {"type": "object", "properties": {"x": {"type": "strnig"}}}, "input_schema: /properties/x/type: not a valid"),
    ("output_schema", {"properties": {"x": {"maxLenght": 3}}}, 'output_schema: /properties/x/maxLenght: keyword "maxLenght" is not supported'),
    ("input_schema", {"properties": {"x": {"$ref": "#/$defs/none"}}}, 'input_schema: /properties/x/$ref: $ref "#/$defs/none" does not resolve'),
    ("output_schema", {"pattern": "(a)\\1"}, "output_schema: /pattern: pattern"),
])
def test_unfit_schemas_are_refused_at_create_and_update(http, field, schema, detail):
    body = problem(http.post("/tools/", json={"name": unique_name(), "version": "1.0.0", "category": "NLP", field: schema}),
                   422, "23514", field)
    assert body["detail"].startswith(detail), body
    tool = new_tool(http)
    body = problem(http.put(f"/tools/{tool['tool_id']}", json={field: schema}), 422, "23514", field)
    assert body["detail"].startswith(detail), body
    assert http.get(f"/tools/{tool['tool_id']}").json()[field] == {}


def test_validate_input_and_output(http):
    tool = new_tool(http, input_schema=TOOL_INPUT, output_schema={"type": "object", "required": ["summary"]})
    path = f"/tools/{tool['tool_id']}/validate"
    response = http.post(path, json={"input": {"text": "hello", "lang": "en"}})
    assert response.status_code == 200, response.text
    assert response.json() == {"valid": True, "errors": []}
    response = http.post(path, json={"input": {"text": "too long", "lang": "eng", "extra": 1}})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["valid"] is False
    assert sorted((e["instance_location"], e["schema_location"]) for e in result["errors"]) == [
        ("/extra", "/additionalProperties"), ("/lang", "/properties/lang/$ref/pattern"), ("/text", "/properties/text/maxLength")]
    assert all(e["message"] for e in result["errors"])
    assert http.post(path, json={"output": {}}).json()["errors"][0]["schema_location"] == "/required"
    # The schema in use is the tool's current one.
    assert http.put(f"/tools/{tool['tool_id']}", json={"output_schema": {}}).status_code == 200
    assert http.post(path, json={"output": {}}).json() == {"valid": True, "errors": []}


def test_validate_errors(http):
    tool = new_tool(http)
    path = f"/tools/{tool['tool_id']}/validate"
    problem(http.post(path, json={}), 422, "22023", "input")
    problem(http.post(path, json={"input": 1, "output": 2}), 422, "22023", "input")
    problem(http.post(f"/tools/{uuid.uuid4()}/validate", json={"input": 1}), 404, "P0002", "tool_id")
    problem(http.post(path, json={"value": 1}), 422, None, "value")
