"""Writes that are safe to retry (Idempotency-Key) and bad input that always gets a clear 4xx."""

import concurrent.futures
import uuid

import psycopg

from conftest import problem


def node_body(**fields):
    return {"node_type": "IDEMPOTENT_TEST", "address": "http://10.9.0.1:80", "name": f"idem-{uuid.uuid4()}", **fields}


def count_named(db, name: str) -> int:
    return db.execute("SELECT count(*) FROM orchestrator.nodes WHERE name = %s", (name,)).fetchone()[0]


def test_replay_returns_the_first_response_without_a_second_write(http, db):
    key, body = str(uuid.uuid4()), node_body()
    first = http.post("/nodes/", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201
    again = http.post("/nodes/", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert count_named(db, body["name"]) == 1


def test_a_replayed_key_creation_answers_without_the_secret(http, db):
    idem, body = str(uuid.uuid4()), {"role": "reader", "label": f"idem-{uuid.uuid4()}"}
    first = http.post("/keys/", json=body, headers={"Idempotency-Key": idem})
    assert first.status_code == 201 and first.json()["key"].startswith("aio_"), first.text
    secret = first.json()["key"]
    stored = db.execute("SELECT response FROM orchestrator.idempotency_keys WHERE idempotency_key = %s", (idem,)).fetchone()[0]
    assert secret not in stored and secret[4:] not in stored
    again = http.post("/keys/", json=body, headers={"Idempotency-Key": idem})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert "key" not in again.json() and {k: v for k, v in first.json().items() if k != "key"} == again.json()


def test_same_key_other_body_is_refused(http, db):
    key, body = str(uuid.uuid4()), node_body()
    assert http.post("/nodes/", json=body, headers={"Idempotency-Key": key}).status_code == 201
    other = node_body()
    problem(http.post("/nodes/", json=other, headers={"Idempotency-Key": key}), 422, "PT422")
    assert count_named(db, other["name"]) == 0


def test_same_key_other_query_is_refused(http, db):
    key, body = str(uuid.uuid4()), {"address": "http://10.9.0.1:80"}
    first, other = f"idem-{uuid.uuid4()}", f"idem-{uuid.uuid4()}"
    query = [("node_type", "IDEMPOTENT_TEST"), ("name", first)]
    assert http.post("/nodes/", params=query, json=body, headers={"Idempotency-Key": key}).status_code == 201
    problem(http.post("/nodes/", params=[("node_type", "IDEMPOTENT_TEST"), ("name", other)], json=body,
                      headers={"Idempotency-Key": key}), 422, "PT422")
    assert count_named(db, other) == 0
    # the same query in another order is the same request
    again = http.post("/nodes/", params=query[::-1], json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"


def test_keys_belong_to_their_caller(http, gateway_url, api_keys, db):
    import httpx

    key, body = str(uuid.uuid4()), node_body()
    assert http.post("/nodes/", json=body, headers={"Idempotency-Key": key}).status_code == 201
    with httpx.Client(base_url=gateway_url, headers={"Authorization": f"Bearer {api_keys['writer']}"}) as writer:
        # Another caller's identical key is its own: a new write (here a name conflict, 409).
        problem(writer.post("/nodes/", json=body, headers={"Idempotency-Key": key}), 409, "23505")


def test_a_failed_request_leaves_the_key_free(http, db):
    key = str(uuid.uuid4())
    bad = node_body(status="DEAD")
    problem(http.post("/nodes/", json=bad, headers={"Idempotency-Key": key}), 422, "23514")
    good = {**bad, "status": "ACTIVE"}
    # Same key, different (corrected) request: the failed one was never acknowledged, so no conflict.
    assert http.post("/nodes/", json=good, headers={"Idempotency-Key": key}).status_code == 201


def test_concurrent_retries_write_once(gateway_url, api_keys, db):
    import httpx

    key, body = str(uuid.uuid4()), node_body()

    def post(_):
        with httpx.Client(base_url=gateway_url, headers={"Authorization": f"Bearer {api_keys['writer']}"}) as c:
            return c.post("/nodes/", json=body, headers={"Idempotency-Key": key})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(post, range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["node_id"] for r in responses}) == 1
    assert count_named(db, body["name"]) == 1


def test_purge_forgets_old_keys(http, db):
    key, body = str(uuid.uuid4()), node_body()
    assert http.post("/nodes/", json=body, headers={"Idempotency-Key": key}).status_code == 201
    db.execute("UPDATE orchestrator.idempotency_keys SET created_at = now() - interval '2 days' WHERE idempotency_key = %s", (key,))
    purged = http.post("/maintenance/purge-idempotency-keys", json={"older_than_hours": 24})
    assert purged.status_code == 200 and purged.json()["deleted"] >= 1
    problem(http.post("/maintenance/purge-idempotency-keys", json={"older_than_hours": 0}), 422, "22023", "older_than_hours")
    # Forgotten: the same request is a new write now (name conflict shows it ran).
    problem(http.post("/nodes/", json=body, headers={"Idempotency-Key": key}), 409, "23505")


def test_bad_idempotency_key(http):
    problem(http.post("/nodes/", json=node_body(), headers={"Idempotency-Key": "k" * 300}), 422, "23514")


def test_malformed_and_oversized_input(http):
    problem(http.post("/nodes/", content=b'{"node_type": ', headers={"content-type": "application/json"}), 400)
    problem(http.post("/nodes/", content=b"x" * 70000, headers={"content-type": "application/json"}), 413)
    problem(http.post("/nodes/", content=b"<a/>", headers={"content-type": "application/xml"}), 415)
    deep = b"[" * 5000 + b"]" * 5000
    response = http.post("/nodes/", content=b'{"node_type": "X", "address": "http://a", "metadata": ' + deep + b"}",
                         headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    wide = {"node_type": "X", "address": "http://a", "name": f"wide-{uuid.uuid4()}",
            "metadata": {f"k{i}": "v" * 10 for i in range(2000)}}
    assert http.post("/nodes/", json=wide).status_code == 201


def test_etag_and_if_match(http, db):
    node = http.post("/nodes/", json=node_body())
    assert node.status_code == 201 and node.headers["etag"] == '"1"' and node.json()["revision"] == 1
    path = f"/nodes/{node.json()['node_id']}"
    got = http.get(path)
    assert got.headers["etag"] == '"1"'
    changed = http.put(path, json={"status": "MAINTENANCE"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.headers["etag"] == '"2"'
    # A writer that read revision 1 loses the race: 412, and nothing it sent is applied.
    stale = problem(http.put(path, json={"status": "INACTIVE"}, headers={"If-Match": '"1"'}), 412, "PT412", "expected_revision")
    assert "revision 2" in stale["detail"]
    assert http.get(path).json()["status"] == "MAINTENANCE"
    problem(http.delete(path, headers={"If-Match": '"1"'}), 412, "PT412")
    problem(http.delete(path, headers={"If-Match": "yesterday"}), 400, None, "If-Match")
    assert http.delete(path, headers={"If-Match": 'W/"2"'}).status_code == 204
    problem(http.delete(path, headers={"If-Match": '"2"'}), 404, "P0002")


def test_tags_are_part_of_the_tool_revision(http):
    tool = http.post("/tools/", json={"name": f"etag-{uuid.uuid4().hex[:10]}", "version": "1.0.0", "category": "TEST"}).json()
    path = f"/tools/{tool['tool_id']}"
    before = http.get(path).headers["etag"]
    http.post(f"{path}/tags/fresh")
    after = http.get(path).headers["etag"]
    assert after != before
    problem(http.put(path, json={"description": "x"}, headers={"If-Match": before}), 412, "PT412")
    assert http.put(path, json={"description": "x"}, headers={"If-Match": after}).status_code == 200


def test_concurrent_updates_never_silently_lose_one(gateway_url, api_keys, http):
    import httpx

    node = http.post("/nodes/", json=node_body()).json()
    path, etag = f"/nodes/{node['node_id']}", '"1"'

    def update(i):
        with httpx.Client(base_url=gateway_url, headers={"Authorization": f"Bearer {api_keys['writer']}"}) as c:
            return c.put(path, json={"metadata": {"writer": i}}, headers={"If-Match": etag}).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(update, range(8)))
    assert statuses.count(200) == 1 and statuses.count(412) == 7
    assert http.get(path).json()["revision"] == 2
