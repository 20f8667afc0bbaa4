"""A gateway on a hot standby: keyed reads are served there (a request's identity writes nothing),
writes are refused with 503 and the standby's own words, a key revoked on the primary is refused
by the standby as soon as it has replayed the revocation, and the last use of keys is written to
the primary (AIO_PRIMARY_URL).

A throwaway primary and a standby streaming from it (pg_basebackup -R), both real clusters.
"""

from __future__ import annotations

import json
import time
import uuid

import psycopg
import pytest

from conftest import ROOT, Cluster, client, problem, running_gateway, wait_until

DB = "replicated"


@pytest.fixture(scope="module")
def clusters():
    primary = Cluster()
    standby = None
    try:
        url = primary.deployed(DB)
        with psycopg.connect(url, autocommit=True) as conn:
            keys = {role: conn.execute("SELECT key FROM api.api_key_create(role => %s, label => 'standby test')",
                                       (role,)).fetchone()[0] for role in ("reader", "writer", "admin")}
            node_id = conn.execute("SELECT node_id::text FROM api.node_create(node_type => 'TOOL_EXECUTOR', "
                                   "address => 'http://10.7.0.1:80', name => 'on-the-primary')").fetchone()[0]
            tool_id = conn.execute("SELECT tool_id::text FROM api.tool_create(name => 'replicated-tool', "
                                   "version => '1.0.0', category => 'TEST')").fetchone()[0]
        standby = Cluster(primary)
        standby.replayed(primary.lsn())
        yield primary, standby, {"keys": keys, "node_id": node_id, "tool_id": tool_id}
    finally:
        if standby:
            standby.destroy()
        primary.destroy()


@pytest.fixture(scope="module")
def standby_gateway(clusters):
    _, standby, _ = clusters
    with psycopg.connect(standby.url(DB)) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0], "a hot standby, in recovery"
    with standby.gateway(DB, AIO_KEY_USE_FLUSH_S="0.2") as base:
        yield base


def test_keyed_reads_are_served_by_the_standby(clusters, standby_gateway):
    _, _, data = clusters
    with client(standby_gateway, data["keys"]["reader"]) as http:
        node = http.get(f"/nodes/{data['node_id']}")
        assert node.status_code == 200 and node.json()["name"] == "on-the-primary"
        assert http.get(f"/tools/{data['tool_id']}").json()["name"] == "replicated-tool"
        for path in ("/nodes/", "/tools/", "/invocations/", "/stats/summary", "/artifacts/"):
            assert http.get(path).status_code == 200, path
        problem(http.get(f"/nodes/{uuid.uuid4()}"), 404, "P0002")
    with client(standby_gateway, "aio_" + "0" * 64) as http:
        problem(http.get(f"/nodes/{data['node_id']}"), 401, "28000")


@pytest.mark.parametrize("path, body", [
    ("/nodes/", {"node_type": "TOOL_EXECUTOR", "address": "http://10.7.0.2:80"}),
    ("/invocations/", {"tool_name": "replicated-tool", "input": {}}),
])
def test_a_write_on_the_standby_is_a_503_that_says_so(clusters, standby_gateway, path, body):
    primary, _, data = clusters
    with client(standby_gateway, data["keys"]["admin"]) as http:
        answer = problem(http.post(path, json=body), 503, "25006")
        assert "accepts no writes" in answer["detail"] and "primary" in answer["detail"]
        assert http.get(f"/nodes/{data['node_id']}").status_code == 200, "the connection serves the next request"
    with psycopg.connect(primary.url(DB)) as conn:
        assert conn.execute("SELECT count(*) FROM orchestrator.nodes").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM orchestrator.invocations").fetchone()[0] == 0


def test_a_key_revoked_on_the_primary_is_refused_once_the_standby_replayed_it(clusters, standby_gateway):
    primary, standby, data = clusters
    with psycopg.connect(primary.url(DB), autocommit=True) as conn:
        key_id, key = conn.execute("SELECT key_id::text, key FROM api.api_key_create(role => 'reader', "
                                   "label => 'revoked on the primary')").fetchone()
    standby.replayed(primary.lsn())
    with client(standby_gateway, key) as http:
        assert http.get(f"/nodes/{data['node_id']}").status_code == 200
        with psycopg.connect(primary.url(DB), autocommit=True) as conn:
            conn.execute("SELECT api.api_key_revoke(key_id => %s)", (key_id,))
        standby.replayed(primary.lsn())
        assert "revoked" in problem(http.get(f"/nodes/{data['node_id']}"), 401, "28000")["detail"]


def test_the_standby_gateway_logs_each_failing_background_write_once_and_no_error(clusters, standby_gateway):
    """Its sweep, its LISTEN and its record of key uses cannot run on a standby: each is retried,
    and said once, not on every try; no request ended in an error (a 500)."""
    _, _, data = clusters
    with client(standby_gateway, data["keys"]["reader"]) as http:
        for _ in range(3):  # uses to record, several flushes apart
            assert http.get("/nodes/").status_code == 200
            time.sleep(0.5)
    log_path = ROOT / ".pytest_cache" / f"gateway-{DB}.log"
    wait_until(lambda: "could not record the last use of API keys" in log_path.read_text(), 10,
               what="the failed write of key uses to be logged")
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    said = [line["message"] for line in lines if line.get("logger") != "gateway.access"]
    assert sum("could not record the last use" in m for m in said) == 1, said
    assert sum("invocation sweep failed" in m for m in said) == 1, said
    assert not [line for line in lines if line.get("level") == "error"], "no request ended in a 500"


def test_the_last_use_of_keys_read_on_the_standby_is_written_to_the_primary(clusters):
    primary, standby, data = clusters
    with psycopg.connect(primary.url(DB), autocommit=True) as conn:
        key_id, key = conn.execute("SELECT key_id::text, key FROM api.api_key_create(role => 'reader', "
                                   "label => 'used on the standby')").fetchone()
    standby.replayed(primary.lsn())

    def last_used():
        with psycopg.connect(primary.url(DB)) as conn:
            return conn.execute("SELECT last_used_at FROM orchestrator.api_keys WHERE key_id = %s", (key_id,)).fetchone()[0]

    with running_gateway(standby.url(DB), "gateway-standby-to-primary", GATEWAY_DATABASE_URL=standby.url(DB, "aio_gateway"),
                         AIO_PRIMARY_URL=primary.url(DB, "aio_gateway"), AIO_KEY_USE_FLUSH_S="0.2") as base:
        with client(base, key) as http:
            assert http.get(f"/nodes/{data['node_id']}").status_code == 200
        assert wait_until(last_used, 10, what="the key's last use to reach the primary") is not None
        log = (ROOT / ".pytest_cache" / "gateway-standby-to-primary.log").read_text()
        assert "could not record the last use" not in log
