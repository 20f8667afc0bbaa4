"""HTTP: /artifacts routes against the real gateway and PostgreSQL."""

import uuid
from datetime import datetime

import pytest

from conftest import new_artifact, new_node, new_tool, problem, token, walk

MIB = 1024 * 1024
CHECKSUM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def ids(items):
    return [a["artifact_id"] for a in items]


def created(artifact) -> datetime:
    return datetime.fromisoformat(artifact["created_at"])


def listed(http, **params):
    response = http.get("/artifacts/", params=params)
    assert response.status_code == 200, response.text
    return ids(response.json())


# --- create, get, delete ---------------------------------------------------------------

def test_create_and_get(http):
    tool, node = new_tool(http), new_node(http)
    body = {"name": "summary.json", "uri": f"s3://results/run-{token()}/summary.json", "tool_id": tool["tool_id"],
            "node_id": node["node_id"], "mime_type": "application/json", "size_bytes": 5120,
            "checksum_sha256": CHECKSUM, "metadata": {"run": 42}}
    response = http.post("/artifacts/", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    artifact = response.json()
    assert uuid.UUID(artifact["artifact_id"])
    assert {k: artifact[k] for k in body} == body
    assert artifact["created_at"] and artifact["updated_at"] and "cursor" not in artifact

    got = http.get(f"/artifacts/{artifact['artifact_id']}")
    assert got.status_code == 200 and got.json() == artifact


def test_create_applies_defaults(http):
    artifact = new_artifact(http)
    assert artifact["mime_type"] == "application/octet-stream" and artifact["size_bytes"] == 0
    assert artifact["tool_id"] is None and artifact["node_id"] is None
    assert artifact["checksum_sha256"] is None and artifact["metadata"] == {}


def test_delete(http):
    artifact = new_artifact(http)
    deleted = http.delete(f"/artifacts/{artifact['artifact_id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    problem(http.get(f"/artifacts/{artifact['artifact_id']}"), 404, "P0002", "artifact_id")
    problem(http.delete(f"/artifacts/{artifact['artifact_id']}"), 404, "P0002", "artifact_id")
    problem(http.delete(f"/artifacts/{uuid.uuid4()}"), 404, "P0002", "artifact_id")
    problem(http.delete("/artifacts/not-a-uuid"), 422, "22P02", "artifact_id")


# --- lists -----------------------------------------------------------------------------

def test_list_filters(http):
    tool, node = new_tool(http), new_node(http)
    mime = f"application/x-{token()}"
    a1 = new_artifact(http, tool_id=tool["tool_id"], node_id=node["node_id"], mime_type=mime)
    a2 = new_artifact(http, tool_id=tool["tool_id"], mime_type="text/plain")
    a3 = new_artifact(http, node_id=node["node_id"], mime_type=mime)
    a4 = new_artifact(http, tool_id=tool["tool_id"], node_id=node["node_id"], mime_type=mime)
    assert created(a1) < created(a2) < created(a3) < created(a4)

    # newest first
    assert listed(http, tool_id=tool["tool_id"]) == ids([a4, a2, a1])
    assert listed(http, node_id=node["node_id"]) == ids([a4, a3, a1])
    assert listed(http, mime_type=mime) == ids([a4, a3, a1])
    assert listed(http, tool_id=tool["tool_id"], mime_type=mime) == ids([a4, a1])
    assert listed(http, tool_id=tool["tool_id"], node_id=node["node_id"], mime_type="text/plain") == []
    # created_after is inclusive, created_before exclusive
    assert listed(http, mime_type=mime, created_after=a3["created_at"]) == ids([a4, a3])
    assert listed(http, mime_type=mime, created_before=a3["created_at"]) == ids([a1])
    assert listed(http, tool_id=tool["tool_id"], created_after=a2["created_at"], created_before=a4["created_at"]) == \
        ids([a2])
    assert listed(http, mime_type=mime, created_after=a4["created_at"], created_before=a1["created_at"]) == []
    assert listed(http, tool_id=str(uuid.uuid4())) == []

    # the unfiltered list is newest first and holds them
    everything, _ = walk(http, "/artifacts/?limit=1000")
    assert set(ids([a1, a2, a3, a4])) <= set(ids(everything))
    keys = [(created(a), uuid.UUID(a["artifact_id"])) for a in everything]
    assert keys == sorted(keys, reverse=True)


def test_list_pagination_walks_every_artifact_once(http):
    tool = new_tool(http)
    created = [new_artifact(http, tool_id=tool["tool_id"]) for _ in range(5)]
    items, pages = walk(http, f"/artifacts/?tool_id={tool['tool_id']}&limit=2")
    assert pages == 3 and ids(items) == ids(reversed(created))
    first = http.get("/artifacts/", params={"tool_id": tool["tool_id"], "limit": 2})
    assert f"tool_id={tool['tool_id']}" in first.headers["link"] and "limit=2" in first.headers["link"]


def test_list_by_tool(http):
    tool, other = new_tool(http), new_tool(http)
    created = [new_artifact(http, tool_id=tool["tool_id"]) for _ in range(3)]
    new_artifact(http, tool_id=other["tool_id"])
    response = http.get(f"/artifacts/tool/{tool['tool_id']}")
    assert response.status_code == 200
    assert ids(response.json()) == ids(reversed(created))
    assert all(a["tool_id"] == tool["tool_id"] and a["cursor"] for a in response.json())
    items, pages = walk(http, f"/artifacts/tool/{tool['tool_id']}?limit=2")
    assert ids(items) == ids(reversed(created)) and pages == 2
    assert http.get(f"/artifacts/tool/{new_tool(http)['tool_id']}").json() == []

    problem(http.get(f"/artifacts/tool/{uuid.uuid4()}"), 404, "P0002", "tool_id")
    problem(http.get("/artifacts/tool/not-a-uuid"), 422, "22P02", "tool_id")
    problem(http.get(f"/artifacts/tool/{tool['tool_id']}", params={"limit": 1001}), 422, "22023", "limit")
    problem(http.get(f"/artifacts/tool/{tool['tool_id']}", params={"cursor": "zzz"}), 422, "22023", "cursor")


def test_list_large(http):
    tag = token()
    sizes = {"just-under": 100 * MIB - 1, "exactly": 100 * MIB, "big": 5 * 1024 * MIB, "mid": 200 * MIB}
    made = {k: new_artifact(http, name=f"{k}-{tag}", size_bytes=v) for k, v in sizes.items()}
    mine = set(ids(made.values()))

    default, _ = walk(http, "/artifacts/large/?limit=1000")
    assert all(a["size_bytes"] >= 100 * MIB for a in default)
    keys = [(a["size_bytes"], uuid.UUID(a["artifact_id"])) for a in default]
    assert keys == sorted(keys, reverse=True)  # largest first
    assert [a["artifact_id"] for a in default if a["artifact_id"] in mine] == ids(
        [made["big"], made["mid"], made["exactly"]])

    lower, _ = walk(http, f"/artifacts/large/?min_size={100 * MIB - 1}&limit=1000")
    assert [a["artifact_id"] for a in lower if a["artifact_id"] in mine] == ids(
        [made["big"], made["mid"], made["exactly"], made["just-under"]])

    # paging one item at a time loses nothing and repeats nothing
    paged, pages = walk(http, f"/artifacts/large/?min_size={100 * MIB - 1}&limit=1")
    assert ids(paged) == ids(lower) and pages == len(lower) + 1

    problem(http.get("/artifacts/large/", params={"min_size": -1}), 422, "22023", "min_size")
    problem(http.get("/artifacts/large/", params={"min_size": "big"}), 422, "22P02", "min_size")
    problem(http.get("/artifacts/large/", params={"limit": 1001}), 422, "22023", "limit")
    problem(http.get("/artifacts/large/", params={"cursor": "zzz"}), 422, "22023", "cursor")


# --- errors ----------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("checksum_sha256", "abc"),
    ("checksum_sha256", CHECKSUM.upper()),
    ("checksum_sha256", CHECKSUM + "0"),
    ("size_bytes", -1),
    ("mime_type", "json"),
    ("mime_type", "Application/JSON"),
    ("mime_type", "text/plain; charset=utf-8"),
    ("uri", "not a uri"),
    ("uri", "/relative/path"),
    ("uri", "s3:"),
    ("name", "   "),
    ("metadata", []),
])
def test_create_rejects_bad_values(http, field, value):
    body = {"name": "x.bin", "uri": "s3://b/k", field: value}
    problem(http.post("/artifacts/", json=body), 422, "23514", field)


def test_create_unknown_references_conflict(http):
    missing = str(uuid.uuid4())
    body = problem(http.post("/artifacts/", json={"name": "x", "uri": "s3://b/k", "tool_id": missing}),
                   409, "23503", "tool_id")
    assert missing in body["conflict"]
    problem(http.post("/artifacts/", json={"name": "x", "uri": "s3://b/k", "node_id": missing}), 409, "23503", "node_id")


def test_create_type_errors(http):
    base = {"name": "x", "uri": "s3://b/k"}
    body = problem(http.post("/artifacts/", json={**base, "size_bytes": "12"}), 422, None, "size_bytes")
    assert "size_bytes" in body["detail"]
    problem(http.post("/artifacts/", json={**base, "size_bytes": 1.5}), 422, None, "size_bytes")
    problem(http.post("/artifacts/", json={**base, "size_bytes": True}), 422, None, "size_bytes")
    problem(http.post("/artifacts/", json={**base, "size_bytes": 2**63}), 422, "22003", "size_bytes")
    problem(http.post("/artifacts/", json={**base, "tool_id": "nope"}), 422, "22P02", "tool_id")
    problem(http.post("/artifacts/", json={**base, "tool_id": 5}), 422, None, "tool_id")
    problem(http.post("/artifacts/", json={"uri": "s3://b/k"}), 422, None, "name")
    problem(http.post("/artifacts/", json={"name": "x", "uri": None}), 422, "23502", "uri")
    problem(http.post("/artifacts/", json={**base, "colour": "red"}), 422, None, "colour")
    problem(http.post("/artifacts/", json={**base, "name": "a\u0000b"}), 422, None, "name")


def test_read_errors(http):
    problem(http.get("/artifacts/not-a-uuid"), 422, "22P02", "artifact_id")
    problem(http.get(f"/artifacts/{uuid.uuid4()}"), 404, "P0002", "artifact_id")
    problem(http.get("/artifacts/", params={"limit": 1001}), 422, "22023", "limit")
    problem(http.get("/artifacts/", params={"limit": 0}), 422, "22023", "limit")
    problem(http.get("/artifacts/", params={"cursor": "zzz"}), 422, "22023", "cursor")
    problem(http.get("/artifacts/", params={"tool_id": "nope"}), 422, "22P02", "tool_id")
    problem(http.get("/artifacts/", params={"node_id": "nope"}), 422, "22P02", "node_id")
    problem(http.get("/artifacts/", params={"created_after": "not-a-time"}), 422, "22007", "created_after")
    problem(http.get("/artifacts/", params={"created_before": "2026-13-45"}), 422, None, "created_before")
    problem(http.get("/artifacts/", params={"colour": "red"}), 422, None, "colour")
