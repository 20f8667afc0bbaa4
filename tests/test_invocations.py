"""HTTP: the invocation routes against the real gateway and PostgreSQL, success and failure of each:
submit, get, list, cancel, claim, complete (one or a batch), fail, release, sweep, purge, lineage, and the heartbeat's
cancellations. The rules themselves (every transition, retry timing, leases) are pgTAP's
(db/tests/api_invocations.sql); here: the routes, the roles, the statuses and the problem bodies."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from conftest import client, new_node, new_tool, problem, token

INPUT_SCHEMA = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "maxLength": 10}}}
OUTPUT_SCHEMA = {"type": "object", "required": ["out"]}


@pytest.fixture(scope="module")
def setup(gateway_url, api_keys, db_url):
    """A node with its own key and a tool targeted at it (so that no other test's work reaches it)."""
    with client(gateway_url, api_keys["admin"]) as admin:
        node = new_node(admin, name=f"inv-{token()}")
        other = new_node(admin, name=f"inv-other-{token()}")
        tool = new_tool(admin, target_node_id=node["node_id"], input_schema=INPUT_SCHEMA, output_schema=OUTPUT_SCHEMA)
    with psycopg.connect(db_url, autocommit=True) as conn:
        node_key = conn.execute("SELECT key FROM api.api_key_create(role => 'node', label => 'pytest invocations', node_id => %s)",
                                (node["node_id"],)).fetchone()[0]
        other_key = conn.execute("SELECT key FROM api.api_key_create(role => 'node', label => 'pytest other node', node_id => %s)",
                                 (other["node_id"],)).fetchone()[0]
    yield {"node": node, "other": other, "tool": tool, "node_key": node_key, "other_key": other_key}
    # Leave no invocation behind: a tool with invocations cannot be deleted, and other tests delete tools.
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DELETE FROM orchestrator.invocations WHERE tool_id = %s", (tool["tool_id"],))


@pytest.fixture
def writer(gateway_url, api_keys):
    with client(gateway_url, api_keys["writer"]) as c:
        yield c


@pytest.fixture
def reader(gateway_url, api_keys):
    with client(gateway_url, api_keys["reader"]) as c:
        yield c


@pytest.fixture
def node(gateway_url, setup):
    with client(gateway_url, setup["node_key"]) as c:
        yield c


@pytest.fixture
def other_node(gateway_url, setup):
    with client(gateway_url, setup["other_key"]) as c:
        yield c


def submit(writer, setup, **fields) -> dict:
    response = writer.post("/invocations/", json={"tool_id": setup["tool"]["tool_id"], "input": {"text": "hi"}, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def claim_one(node, setup, invocation_id: str) -> dict:
    """Claims until the given invocation is among the claimed (the node's queue holds only this module's work)."""
    response = node.post(f"/nodes/{setup['node']['node_id']}/claim", json={"limit": 100})
    assert response.status_code == 200, response.text
    claimed = {c["invocation_id"]: c for c in response.json()}
    assert invocation_id in claimed, response.json()
    return claimed[invocation_id]


def claim_all(node, setup, made: list[dict]) -> dict[str, str]:
    """One claim that takes every given invocation: their lease tokens by invocation id."""
    response = node.post(f"/nodes/{setup['node']['node_id']}/claim", json={"limit": 100})
    assert response.status_code == 200, response.text
    tokens = {c["invocation_id"]: c["lease_token"] for c in response.json()}
    assert {m["invocation_id"] for m in made} <= tokens.keys(), response.json()
    return tokens


# submit ----------------------------------------------------------------------------------------------
def test_submit_returns_the_queued_invocation(writer, setup):
    body = submit(writer, setup, priority=5)
    assert (body["state"], body["attempt"], body["priority"], body["tool_id"], body["target_node_id"], body["attempts"]) == (
        "QUEUED", 0, 5, setup["tool"]["tool_id"], setup["node"]["node_id"], [])
    assert body["submitted_by"]["role"] == "aio_writer" and body["submitted_by"]["key_id"]
    assert "lease_token" not in body


def test_submit_by_name_takes_the_latest_version(writer, setup):
    body = submit(writer, setup, tool_id=None, tool_name=setup["tool"]["name"])
    assert body["tool_version"] == setup["tool"]["version"]


def test_submit_refuses_an_input_that_breaks_the_schema_with_every_error(writer, setup):
    body = problem(writer.post("/invocations/", json={"tool_id": setup["tool"]["tool_id"], "input": {"text": "far too long for it"}}),
                   422, "23514", "input")
    assert "does not match the input_schema" in body["detail"]
    assert body["errors"] == [{"instance_location": "/text", "schema_location": "/properties/text/maxLength",
                               "message": body["errors"][0]["message"]}]
    body = problem(writer.post("/invocations/", json={"tool_id": setup["tool"]["tool_id"], "input": {}}), 422, "23514", "input")
    assert [e["schema_location"] for e in body["errors"]] == ["/required"]


def test_submit_failures(writer, reader, setup):
    problem(writer.post("/invocations/", json={"tool_id": str(uuid.uuid4())}), 409, "23503", "tool_id")
    problem(writer.post("/invocations/", json={"tool_name": f"nothing-{token()}"}), 409, "23503", "tool_name")
    problem(writer.post("/invocations/", json={"input": {}}), 422, "23502", "tool_id")
    problem(writer.post("/invocations/", json={"tool_id": setup["tool"]["tool_id"], "input": {"text": "x"}, "priority": 101}),
            422, "23514", "priority")
    problem(writer.post("/invocations/", json={"tool_id": "not-a-uuid"}), 422)
    problem(reader.post("/invocations/", json={"tool_id": setup["tool"]["tool_id"], "input": {"text": "x"}}), 403, "42501")


def test_submit_refuses_a_tool_that_is_not_active(writer, setup):
    tool = new_tool(writer, status="DEPRECATED")
    problem(writer.post("/invocations/", json={"tool_id": tool["tool_id"]}), 422, "23514", "tool_id")


def test_idempotency_key_argument_returns_the_first_invocation(writer, setup):
    key = f"order-{token()}"
    first = submit(writer, setup, idempotency_key=key)
    again = submit(writer, setup, idempotency_key=key)
    assert again["invocation_id"] == first["invocation_id"]
    problem(writer.post("/invocations/", json={"tool_id": setup["tool"]["tool_id"], "input": {"text": "other"}, "idempotency_key": key}),
            422, "PT422", "idempotency_key")


def test_concurrent_submits_with_one_key_make_one_invocation(gateway_url, api_keys, setup, db):
    key = f"race-{token()}"
    body = {"tool_id": setup["tool"]["tool_id"], "input": {"text": "race"}, "idempotency_key": key}

    def send(_):
        with client(gateway_url, api_keys["writer"]) as c:
            return c.post("/invocations/", json=body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, range(8)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["invocation_id"] for r in responses}) == 1
    assert db.execute("SELECT count(*) FROM orchestrator.invocations WHERE idempotency_key = %s", (key,)).fetchone()[0] == 1


def test_submit_notifies_at_commit_and_a_rolled_back_submit_wakes_nobody(db_url, setup, db):
    # The node's queue empty: a claim of that node may be waiting, and a submit wakes it.
    db.execute("DELETE FROM orchestrator.invocations WHERE tool_id = %s AND state IN ('QUEUED', 'RETRY_WAIT')",
               (setup["tool"]["tool_id"],))
    with psycopg.connect(db_url, autocommit=True) as listener, psycopg.connect(db_url) as submitter:
        listener.execute("LISTEN aio_invocations")
        submitter.execute("SELECT api.invocation_submit(tool_id => %s, input => '{\"text\": \"no\"}')", (setup["tool"]["tool_id"],))
        submitter.rollback()
        assert list(listener.notifies(timeout=0.5)) == []
        submitter.execute("SELECT api.invocation_submit(tool_id => %s, input => '{\"text\": \"yes\"}')", (setup["tool"]["tool_id"],))
        submitter.commit()
        got = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
        assert got == [setup["node"]["node_id"]], got


def test_submit_wakes_nobody_while_work_for_the_same_node_waits(db_url, setup, db, writer):
    db.execute("DELETE FROM orchestrator.invocations WHERE tool_id = %s AND state IN ('QUEUED', 'RETRY_WAIT')",
               (setup["tool"]["tool_id"],))
    with psycopg.connect(db_url, autocommit=True) as listener:
        listener.execute("LISTEN aio_invocations")
        submit(writer, setup)
        assert [n.payload for n in listener.notifies(timeout=5, stop_after=1)] == [setup["node"]["node_id"]]
        # One waits already: a claim of this node would have taken it, so none is waiting to be woken.
        submit(writer, setup)
        assert list(listener.notifies(timeout=0.5)) == []


def test_idempotency_key_header_replays_the_response(writer, setup):
    headers = {"Idempotency-Key": f"hdr-{token()}"}
    body = {"tool_id": setup["tool"]["tool_id"], "input": {"text": "hdr"}}
    first = writer.post("/invocations/", json=body, headers=headers)
    again = writer.post("/invocations/", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["invocation_id"] == first.json()["invocation_id"]


# get, list -------------------------------------------------------------------------------------------
def test_get_and_its_failures(reader, writer, setup, node, other_node):
    made = submit(writer, setup)
    got = reader.get(f"/invocations/{made['invocation_id']}")
    assert got.status_code == 200 and got.json()["state"] == "QUEUED", got.text
    assert node.get(f"/invocations/{made['invocation_id']}").status_code == 200  # targeted at the node
    problem(other_node.get(f"/invocations/{made['invocation_id']}"), 403, "42501")
    problem(reader.get(f"/invocations/{uuid.uuid4()}"), 404, "P0002", "invocation_id")
    problem(reader.get("/invocations/not-a-uuid"), 422)


def test_list_filters_and_pages(reader, writer, setup):
    made = [submit(writer, setup)["invocation_id"] for _ in range(3)]
    response = reader.get("/invocations/", params={"tool_id": setup["tool"]["tool_id"], "state": "QUEUED", "limit": 2})
    assert response.status_code == 200, response.text
    assert len(response.json()) == 2 and 'rel="next"' in response.headers["link"]
    everything = reader.get("/invocations/", params={"tool_id": setup["tool"]["tool_id"], "limit": 1000}).json()
    assert set(made) <= {i["invocation_id"] for i in everything}
    problem(reader.get("/invocations/", params={"state": "LOST"}), 422, "22023", "state")
    problem(reader.get("/invocations/", params={"limit": 0}), 422, None, "limit")


# claim, complete, fail, release -----------------------------------------------------------------------
def test_claim_complete_with_artifacts_and_lineage(writer, reader, node, setup, db):
    made = submit(writer, setup, input={"text": "run"})
    claimed = claim_one(node, setup, made["invocation_id"])
    assert claimed["attempt"] == 1 and claimed["input"] == {"text": "run"} and claimed["lease_token"]
    assert claimed["tool_name"] == setup["tool"]["name"] and claimed["lease_expires_at"]
    done = node.post(f"/invocations/{made['invocation_id']}/complete",
                     json={"lease_token": claimed["lease_token"], "output": {"out": "done"},
                           "artifacts": [{"name": "out.txt", "uri": f"s3://inv/{token()}/out.txt", "size_bytes": 4}]})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["output"]) == ("SUCCEEDED", {"out": "done"})
    [attempt] = done.json()["attempts"]
    assert (attempt["outcome"], attempt["node_id"]) == ("SUCCEEDED", setup["node"]["node_id"])
    artifact_id = db.execute("SELECT artifact_id FROM orchestrator.artifacts WHERE invocation_id = %s", (made["invocation_id"],)).fetchone()[0]
    lineage = reader.get(f"/artifacts/{artifact_id}/lineage")
    assert lineage.status_code == 200, lineage.text
    [row] = lineage.json()
    assert (row["depth"], row["invocation_id"], row["node_id"], row["tool_version"]) == (
        0, made["invocation_id"], setup["node"]["node_id"], setup["tool"]["version"])
    problem(reader.get(f"/artifacts/{uuid.uuid4()}/lineage"), 404, "P0002", "artifact_id")
    # The same token again: the lease is over.
    stale = problem(node.post(f"/invocations/{made['invocation_id']}/complete",
                              json={"lease_token": claimed["lease_token"], "output": {"out": "again"}}), 409, "PT409", "lease_token")
    assert "stale" in stale["detail"]


def test_complete_with_an_invalid_output_is_never_succeeded(writer, node, setup):
    made = submit(writer, setup)
    claimed = claim_one(node, setup, made["invocation_id"])
    done = node.post(f"/invocations/{made['invocation_id']}/complete", json={"lease_token": claimed["lease_token"], "output": {"no": 1}})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "OUTPUT_INVALID"
    assert done.json()["error"]["errors"][0]["schema_location"] == "/required"


def test_complete_failures(writer, node, other_node, setup):
    made = submit(writer, setup)
    claimed = claim_one(node, setup, made["invocation_id"])
    url = f"/invocations/{made['invocation_id']}/complete"
    problem(node.post(url, json={"lease_token": str(uuid.uuid4()), "output": {"out": 1}}), 409, "PT409", "lease_token")
    problem(other_node.post(url, json={"lease_token": claimed["lease_token"], "output": {"out": 1}}), 403, "42501")
    body = problem(node.post(url, json={"lease_token": claimed["lease_token"], "output": {"out": 1},
                                        "artifacts": [{"name": "x", "uri": "s3://x", "size_bytes": -1}]}), 422, "23514")
    assert body["field"] == "artifacts[0].size_bytes"
    problem(node.post(f"/invocations/{uuid.uuid4()}/complete", json={"lease_token": str(uuid.uuid4()), "output": {}}), 404, "P0002")
    # Still RUNNING, and the right token still works.
    assert node.post(url, json={"lease_token": claimed["lease_token"], "output": {"out": 1}}).json()["state"] == "SUCCEEDED"


def test_complete_batch_records_each_item_in_order(writer, node, setup, db):
    made = [submit(writer, setup) for _ in range(3)]
    tokens = claim_all(node, setup, made)
    items = [{"invocation_id": m["invocation_id"], "lease_token": tokens[m["invocation_id"]], "output": {"out": n}}
             for n, m in enumerate(made)]
    items[1]["output"] = {"no": 1}
    items[2]["artifacts"] = [{"name": "batch.txt", "uri": f"s3://inv/{token()}"}]
    done = node.post("/invocations/complete", json={"completions": items})
    assert done.status_code == 200, done.text
    assert [(r["invocation_id"], r["state"], r["attempt"]) for r in done.json()] == [
        (made[0]["invocation_id"], "SUCCEEDED", 1), (made[1]["invocation_id"], "OUTPUT_INVALID", 1),
        (made[2]["invocation_id"], "SUCCEEDED", 1)]
    assert done.json()[1]["error"]["code"] == "OUTPUT_INVALID" and done.json()[0]["error"] is None
    assert db.execute("SELECT count(*) FROM orchestrator.artifacts WHERE invocation_id = %s",
                      (made[2]["invocation_id"],)).fetchone()[0] == 1


def test_complete_batch_failures(writer, node, other_node, setup):
    made = [submit(writer, setup) for _ in range(2)]
    tokens = claim_all(node, setup, made)
    items = [{"invocation_id": m["invocation_id"], "lease_token": tokens[m["invocation_id"]], "output": {"out": 1}} for m in made]
    url = "/invocations/complete"
    stale = problem(node.post(url, json={"completions": [items[0], {**items[1], "lease_token": str(uuid.uuid4())}]}),
                    409, "PT409", "completions[1].lease_token")
    assert stale["detail"].startswith("completions[1].lease_token: stale")
    problem(other_node.post(url, json={"completions": items}), 403, "42501")
    problem(writer.post(url, json={"completions": items}), 403)
    problem(node.post(url, json={"completions": [{**items[0], "invocation_id": str(uuid.uuid4())}]}), 409, "23503",
            "completions[0].invocation_id")
    problem(node.post(url, json={"completions": [{**items[0], "extra": 1}]}), 422, "22023", "completions[0].extra")
    problem(node.post(url, json={"completions": {}}), 422)
    # All or nothing: both are still RUNNING, and the batch with the right tokens is recorded.
    assert [node.get(f"/invocations/{m['invocation_id']}").json()["state"] for m in made] == ["RUNNING", "RUNNING"]
    assert [r["state"] for r in node.post(url, json={"completions": items}).json()] == ["SUCCEEDED", "SUCCEEDED"]


def test_fail_retries_then_fails_for_good(writer, node, setup):
    made = submit(writer, setup)
    claimed = claim_one(node, setup, made["invocation_id"])
    url = f"/invocations/{made['invocation_id']}/fail"
    problem(node.post(url, json={"lease_token": claimed["lease_token"], "error": "boom"}), 422, None, "error")
    failed = node.post(url, json={"lease_token": claimed["lease_token"], "error": {"code": "UPSTREAM", "message": "503"}})
    assert failed.status_code == 200, failed.text
    assert (failed.json()["state"], failed.json()["error"]["code"]) == ("RETRY_WAIT", "UPSTREAM")
    problem(node.post(url, json={"lease_token": claimed["lease_token"], "error": {"code": "X"}}), 409, "PT409", "lease_token")


def test_fail_not_retryable(writer, node, setup):
    made = submit(writer, setup)
    claimed = claim_one(node, setup, made["invocation_id"])
    failed = node.post(f"/invocations/{made['invocation_id']}/fail",
                       json={"lease_token": claimed["lease_token"], "error": {"code": "BAD"}, "retryable": False})
    assert failed.status_code == 200 and failed.json()["state"] == "FAILED", failed.text


def test_release_requeues_at_once(writer, node, setup):
    made = submit(writer, setup)
    claimed = claim_one(node, setup, made["invocation_id"])
    url = f"/invocations/{made['invocation_id']}/release"
    released = node.post(url, json={"lease_token": claimed["lease_token"]})
    assert released.status_code == 200 and released.json()["state"] == "QUEUED", released.text
    problem(node.post(url, json={"lease_token": claimed["lease_token"]}), 409, "PT409", "lease_token")
    again = claim_one(node, setup, made["invocation_id"])
    assert again["attempt"] == 2 and again["lease_token"] != claimed["lease_token"]
    node.post(url, json={"lease_token": again["lease_token"]})


def test_claim_failures(node, other_node, writer, setup):
    node_id = setup["node"]["node_id"]
    problem(other_node.post(f"/nodes/{node_id}/claim", json={}), 403, "42501", "node_id")
    problem(node.post(f"/nodes/{node_id}/claim", json={"limit": 0}), 422, "22023", "limit")
    problem(node.post(f"/nodes/{node_id}/claim", json={"wait_seconds": 61}), 422, "22023", "wait_seconds")
    problem(writer.post(f"/nodes/{node_id}/claim", json={}), 403, "42501")


def test_claim_for_an_unknown_node_as_admin(http):
    problem(http.post(f"/nodes/{uuid.uuid4()}/claim", json={}), 404, "P0002", "node_id")


# cancel, heartbeat ------------------------------------------------------------------------------------
def test_cancel_queued_and_running(writer, node, setup):
    queued = submit(writer, setup)
    cancelled = writer.post(f"/invocations/{queued['invocation_id']}/cancel", json={"reason": "not needed"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "CANCELLED", cancelled.text
    body = problem(writer.post(f"/invocations/{queued['invocation_id']}/cancel", json={}), 409, "PT409", "state")
    assert "CANCELLED" in body["detail"]
    problem(writer.post(f"/invocations/{uuid.uuid4()}/cancel", json={}), 404, "P0002")

    running = submit(writer, setup)
    claimed = claim_one(node, setup, running["invocation_id"])
    asked = writer.post(f"/invocations/{running['invocation_id']}/cancel", json={})
    assert asked.status_code == 200 and asked.json()["state"] == "RUNNING" and asked.json()["cancel_requested_at"]
    beat = node.post(f"/nodes/{setup['node']['node_id']}/heartbeat", json={})
    assert beat.status_code == 200, beat.text
    assert running["invocation_id"] in beat.json()["cancel_invocation_ids"]
    stopped = node.post(f"/invocations/{running['invocation_id']}/fail",
                        json={"lease_token": claimed["lease_token"], "error": {"code": "CANCELLED", "message": "stopped"}})
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["state"] == "CANCELLED" and stopped.json()["attempts"][-1]["outcome"] == "CANCELLED"


def test_heartbeat_ends_what_the_agent_does_not_list(writer, node, other_node, setup, db):
    held, unheld = submit(writer, setup), submit(writer, setup)
    claim_one(node, setup, held["invocation_id"])
    assert http_state(writer, unheld) == "RUNNING"
    # Both claimed a minute ago (past the grace for claims in flight); the agent lists one of them.
    with db.transaction():
        db.execute("SET LOCAL session_replication_role = replica")
        db.execute("UPDATE orchestrator.invocation_attempts SET started_at = now() - interval '1 minute' WHERE invocation_id = ANY (%s)",
                   ([held["invocation_id"], unheld["invocation_id"]],))
    stranger = str(uuid.uuid4())
    path = f"/nodes/{setup['node']['node_id']}/heartbeat"
    beat = node.post(path, json={"running_invocation_ids": [held["invocation_id"], stranger]})
    assert beat.status_code == 200, beat.text
    assert (beat.json()["lost_invocation_ids"], beat.json()["cancel_invocation_ids"]) == ([stranger], []), beat.json()
    assert http_state(writer, held) == "RUNNING"
    got = writer.get(f"/invocations/{unheld['invocation_id']}").json()
    assert (got["state"], got["attempts"][-1]["outcome"]) == ("QUEUED", "LEASE_LOST"), got
    # Without the field (an older agent): nothing ends, and nothing is said about lost ones.
    assert node.post(path, json={}).json()["lost_invocation_ids"] is None
    assert http_state(writer, held) == "RUNNING"

    problem(node.post(path, json={"running_invocation_ids": ["not-a-uuid"]}), 422, "22P02", "running_invocation_ids")
    problem(node.post(path, json={"running_invocation_ids": held["invocation_id"]}), 422, None, "running_invocation_ids")
    problem(node.post(path, json={"running_invocation_ids": [1]}), 422, None, "running_invocation_ids")
    problem(node.post(path, json={"running_invocation_ids": [None]}), 422, "22023", "running_invocation_ids")
    problem(other_node.post(path, json={"running_invocation_ids": []}), 403, "42501", "node_id")
    assert http_state(writer, held) == "RUNNING", "a refused beat ends nothing"
    for made in (held, unheld):
        writer.post(f"/invocations/{made['invocation_id']}/cancel", json={})


def test_agents_of_one_node_claim_and_beat_under_their_names(writer, node, setup, db):
    node_id = setup["node"]["node_id"]
    path = f"/nodes/{node_id}/heartbeat"
    assert node.post(path, json={"agent": "left"}).status_code == 200  # its claims' leases live on its beats
    made = submit(writer, setup, priority=100)  # the first in claim order: the claim of one gets it
    response = node.post(f"/nodes/{node_id}/claim", json={"limit": 1, "agent": "left"})
    assert response.status_code == 200, response.text
    assert [c["invocation_id"] for c in response.json()] == [made["invocation_id"]], response.json()
    assert writer.get(f"/invocations/{made['invocation_id']}").json()["attempts"][-1]["agent"] == "left"
    with db.transaction():  # claimed a minute ago: past the grace for claims in flight
        db.execute("SET LOCAL session_replication_role = replica")
        db.execute("UPDATE orchestrator.invocation_attempts SET started_at = now() - interval '1 minute' WHERE invocation_id = %s",
                   (made["invocation_id"],))
    beat = node.post(path, json={"running_invocation_ids": [made["invocation_id"]], "agent": "right"})
    assert beat.status_code == 200 and beat.json()["lost_invocation_ids"] == [made["invocation_id"]], beat.text
    assert http_state(writer, made) == "RUNNING", "another agent's beat ends nothing of agent left's"
    beat = node.post(path, json={"running_invocation_ids": [], "agent": "left"})
    assert beat.status_code == 200, beat.text
    got = writer.get(f"/invocations/{made['invocation_id']}").json()
    assert (got["state"], got["attempts"][-1]["outcome"]) == ("QUEUED", "LEASE_LOST"), "its own beat without it ends it"
    agents = writer.get(f"/nodes/{node_id}/agents")
    assert agents.status_code == 200, agents.text
    named = [(a["agent"], a["health"], a["running_invocations"]) for a in agents.json() if a["agent"] is not None]
    assert named == [("left", "HEALTHY", 0), ("right", "HEALTHY", 0)], agents.json()
    # This module's other tests beat without a name: those beats are one more agent, listed last.
    assert [a["agent"] for a in agents.json()][len(named):] in ([], [None]), agents.json()
    assert node.get(f"/nodes/{node_id}/agents").status_code == 200, "a node key reads its own node's agents"
    problem(writer.get(f"/nodes/{uuid.uuid4()}/agents"), 404, "P0002", "node_id")

    for body in ({"agent": ""}, {"agent": "x" * 201}, {"agent": 7}):
        problem(node.post(path, json=body), 422, None, "agent")
        problem(node.post(f"/nodes/{node_id}/claim", json=body), 422, None, "agent")
    writer.post(f"/invocations/{made['invocation_id']}/cancel", json={})


def test_invocation_queue_counts_a_tools_unfinished_work(gateway_url, writer, reader, node, setup, db):
    tool = new_tool(writer, target_node_id=setup["node"]["node_id"])  # a tool of its own: its row holds only this test's work
    try:
        for fields in ({}, {"not_before": "2999-01-01T00:00:00Z"}):
            response = writer.post("/invocations/", json={"tool_id": tool["tool_id"], "input": {}, **fields})
            assert response.status_code == 201, response.text
        response = reader.get("/monitoring/invocation-queue")
        assert response.status_code == 200, response.text
        rows = [r for r in response.json() if r["tool_id"] == tool["tool_id"]]
        assert [(r["ready"], r["scheduled"], r["running"], r["target_node_name"]) for r in rows] == [
            (1, 1, 0, setup["node"]["name"])], rows
        assert rows[0]["longest_wait_seconds"] >= 0 and rows[0]["oldest_ready_at"], rows
        with client(gateway_url) as anonymous:
            problem(anonymous.get("/monitoring/invocation-queue"), 401)
        problem(node.get("/monitoring/invocation-queue"), 403, "42501")
    finally:
        db.execute("DELETE FROM orchestrator.invocations WHERE tool_id = %s", (tool["tool_id"],))


def http_state(client, invocation: dict) -> str:
    return client.get(f"/invocations/{invocation['invocation_id']}").json()["state"]


# sweep, purge ----------------------------------------------------------------------------------------
def test_sweep_ends_an_expired_lease(http, writer, node, setup, db):
    made = submit(writer, setup)
    claimed = claim_one(node, setup, made["invocation_id"])
    # The node went silent an hour ago (the attempt's start and its last beat moved back).
    with db.transaction():
        db.execute("SET LOCAL session_replication_role = replica")
        db.execute("UPDATE orchestrator.invocation_attempts SET started_at = started_at - interval '1 hour' WHERE invocation_id = %s",
                   (made["invocation_id"],))
        db.execute("UPDATE orchestrator.node_heartbeats SET last_heartbeat_at = last_heartbeat_at - interval '1 hour',"
                   " nameless_heartbeat_at = nameless_heartbeat_at - interval '1 hour' WHERE node_id = %s",
                   (setup["node"]["node_id"],))
    late = problem(node.post(f"/invocations/{made['invocation_id']}/complete",
                             json={"lease_token": claimed["lease_token"], "output": {"out": 1}}), 409, "PT409", "lease_token")
    assert "expired" in late["detail"]
    swept = http.post("/invocations/sweep", json={})
    assert swept.status_code == 200, swept.text
    assert swept.json()["lease_lost"] >= 1 and swept.json()["requeued"] >= 1
    got = http.get(f"/invocations/{made['invocation_id']}").json()
    assert (got["state"], got["attempts"][0]["outcome"]) == ("QUEUED", "LEASE_LOST")
    # Claimed again (a new attempt); the report with the old token is stale: 409.
    taken = http.post(f"/nodes/{setup['node']['node_id']}/claim", json={"limit": 100})
    assert made["invocation_id"] in {c["invocation_id"] for c in taken.json()}, taken.text
    problem(node.post(f"/invocations/{made['invocation_id']}/complete",
                      json={"lease_token": claimed["lease_token"], "output": {"out": 1}}), 409, "PT409", "lease_token")
    problem(http.post("/invocations/sweep", json={"limit": 0}), 422, "22023", "limit")


def test_sweep_and_purge_are_for_admins(writer):
    problem(writer.post("/invocations/sweep", json={}), 403, "42501")
    problem(writer.post("/maintenance/invocations/purge", json={"older_than_days": 30}), 403, "42501")


def test_purge(http, writer, setup, db):
    made = submit(writer, setup)
    writer.post(f"/invocations/{made['invocation_id']}/cancel", json={})
    db.execute("UPDATE orchestrator.invocations SET created_at = now() - interval '400 days', finished_at = now() - interval '400 days' "
               "WHERE invocation_id = %s", (made["invocation_id"],))
    purged = http.post("/maintenance/invocations/purge", json={"older_than_days": 365})
    assert purged.status_code == 200, purged.text
    assert purged.json()["deleted"] >= 1
    problem(http.get(f"/invocations/{made['invocation_id']}"), 404, "P0002")
    problem(http.post("/maintenance/invocations/purge", json={"older_than_days": 0}), 422, "22023", "older_than_days")


# a tool's invocation settings --------------------------------------------------------------------------
def test_tool_invocation_settings(writer, reader, db):
    tool = new_tool(writer)
    url = f"/tools/{tool['tool_id']}/invocation-settings"
    got = reader.get(url)
    assert got.status_code == 200 and got.json() == {"tool_id": tool["tool_id"], "lease_seconds": 30, "retry_output_invalid": False}
    changed = writer.post(url, json={"lease_seconds": 90, "retry_output_invalid": True})
    assert changed.status_code == 200 and changed.json()["lease_seconds"] == 90 and changed.json()["retry_output_invalid"], changed.text
    made = writer.post("/invocations/", json={"tool_id": tool["tool_id"]})
    assert made.status_code == 201 and made.json()["lease_seconds"] == 90, made.text
    problem(writer.post(url, json={"lease_seconds": 0}), 422, "23514", "lease_seconds")
    problem(reader.post(url, json={"lease_seconds": 60}), 403, "42501")
    problem(reader.get(f"/tools/{uuid.uuid4()}/invocation-settings"), 404, "P0002", "tool_id")
    db.execute("DELETE FROM orchestrator.invocations WHERE tool_id = %s", (tool["tool_id"],))
