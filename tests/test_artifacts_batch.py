"""HTTP: POST /artifacts/batch, batch ingest against the real gateway and PostgreSQL."""

import uuid

import pytest

from conftest import client, new_node, new_tool, problem, token


def items(n, prefix, **fields):
    return [{"name": f"{prefix}-{i}.json", "uri": f"s3://batch/{prefix}/{i}.json", **fields} for i in range(n)]


def stored(db, prefix) -> int:
    return db.execute("SELECT count(*) FROM orchestrator.artifacts WHERE uri LIKE %s", (f"s3://batch/{prefix}/%",)).fetchone()[0]


@pytest.fixture
def writer(gateway_url, api_keys):
    with client(gateway_url, api_keys["writer"]) as c:
        yield c


def test_batch_records_every_item_in_order(writer, db):
    tool, node = new_tool(writer), new_node(writer)
    prefix = token()
    batch = items(200, prefix, tool_id=tool["tool_id"], node_id=node["node_id"], mime_type="application/json",
                  size_bytes=2048, metadata={"run": 7})
    batch[1] = {"name": "defaults.bin", "uri": f"s3://batch/{prefix}/defaults.bin"}
    response = writer.post("/artifacts/batch", json={"artifacts": batch})
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert [a["name"] for a in body] == [item["name"] for item in batch]
    first = body[0]
    assert (first["tool_id"], first["node_id"], first["mime_type"], first["size_bytes"], first["metadata"]) == (
        tool["tool_id"], node["node_id"], "application/json", 2048, {"run": 7})
    assert (body[1]["tool_id"], body[1]["mime_type"], body[1]["size_bytes"], body[1]["metadata"]) == (
        None, "application/octet-stream", 0, {})
    assert len({a["artifact_id"] for a in body}) == 200
    assert stored(db, prefix) == 200
    got = writer.get(f"/artifacts/{body[-1]['artifact_id']}")
    assert got.status_code == 200 and got.json() == body[-1]


def test_empty_batch(writer):
    response = writer.post("/artifacts/batch", json={"artifacts": []})
    assert response.status_code == 201, response.text
    assert response.json() == []


def test_a_bad_item_is_named_and_nothing_is_written(writer, db):
    prefix = token()
    batch = items(5, prefix)
    batch[3]["size_bytes"] = -1
    body = problem(writer.post("/artifacts/batch", json={"artifacts": batch}), 422, "23514", "artifacts[3].size_bytes")
    assert body["detail"] == "artifacts[3].size_bytes: must be 0 or more"
    assert stored(db, prefix) == 0


def test_every_bad_item_is_named(writer, db):
    prefix = token()
    batch = items(6, prefix)
    batch[0]["checksum_sha256"] = "nope"
    batch[2]["tool_id"] = "not-a-uuid"
    del batch[4]["name"]
    batch[5]["colour"] = "red"
    body = problem(writer.post("/artifacts/batch", json={"artifacts": batch}), 422, "22P02", "artifacts[2].tool_id")
    for named in ("artifacts[0].checksum_sha256: must be 64 lower-case hexadecimal characters",
                  "artifacts[2].tool_id: 'not-a-uuid' is not a UUID",
                  "artifacts[4].name: is required and may not be null",
                  "artifacts[5].colour: unknown field"):
        assert named in body["detail"], body
    assert "artifacts[1]" not in body["detail"] and "artifacts[3]" not in body["detail"]
    assert stored(db, prefix) == 0


def test_an_unknown_reference_is_409_and_nothing_is_written(writer, db):
    prefix = token()
    missing = str(uuid.uuid4())
    batch = items(4, prefix, tool_id=new_tool(writer)["tool_id"])
    batch[2]["tool_id"] = missing
    body = problem(writer.post("/artifacts/batch", json={"artifacts": batch}), 409, "23503", "artifacts[2].tool_id")
    assert body["detail"] == f"artifacts[2].tool_id: no tool has id {missing}"
    assert stored(db, prefix) == 0


@pytest.mark.parametrize("payload, status, code, field", [
    ({"artifacts": {"name": "a", "uri": "s3://a"}}, 422, "22023", "artifacts"),
    ({"artifacts": ["a"]}, 422, "22023", "artifacts[0]"),
    ({"artifacts": [{"name": "a", "uri": "s3://a", "size_bytes": "10"}]}, 422, "22023", "artifacts[0].size_bytes"),
    ({"artifacts": None}, 422, "23502", "artifacts"),
    ({}, 422, None, "artifacts"),
    ({"artifacts": [], "extra": 1}, 422, None, "extra"),
])
def test_bad_bodies(writer, payload, status, code, field):
    problem(writer.post("/artifacts/batch", json=payload), status, code, field)


def test_the_route_is_not_shadowed_by_artifact_id(writer):
    # /artifacts/batch is its own route: POST reaches the batch, other methods do not reach
    # /artifacts/{artifact_id} with "batch" as an id.
    assert writer.post("/artifacts/batch", json={"artifacts": []}).status_code == 201
    assert writer.get("/artifacts/batch").status_code in (404, 405)
    assert writer.delete("/artifacts/batch").status_code in (404, 405)
    created = writer.post("/artifacts/", json={"name": "one", "uri": "s3://one"}).json()
    assert writer.get(f"/artifacts/{created['artifact_id']}").status_code == 200


def test_readers_may_not_batch(gateway_url, api_keys):
    with client(gateway_url, api_keys["reader"]) as reader:
        problem(reader.post("/artifacts/batch", json={"artifacts": items(1, token())}), 403, "42501")
    with client(gateway_url) as anon:
        problem(anon.post("/artifacts/batch", json={"artifacts": items(1, token())}), 401)


def test_a_node_key_records_only_its_own_artifacts(gateway_url, writer, db):
    mine, theirs = new_node(writer), new_node(writer)
    key = db.execute("SELECT key FROM api.api_key_create(role => 'node', label => 'batch test', node_id => %s)",
                     (mine["node_id"],)).fetchone()[0]
    prefix = token()
    with client(gateway_url, key) as node:
        ok = node.post("/artifacts/batch", json={"artifacts": items(3, prefix, node_id=mine["node_id"])})
        assert ok.status_code == 201, ok.text
        batch = items(3, prefix + "x", node_id=mine["node_id"])
        batch[1]["node_id"] = theirs["node_id"]
        problem(node.post("/artifacts/batch", json={"artifacts": batch}), 403, "42501", "node_id")
    assert stored(db, prefix) == 3 and stored(db, prefix + "x") == 0
