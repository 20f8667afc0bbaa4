"""Who a request is, at the cost of an index probe: a keyed read writes nothing (it would run on a
hot standby), a revocation holds from the very next request, and a key's last use is recorded by
the gateway in batches, outside the requests."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from conftest import client, is_local_socket, new_node, new_tool, problem, running_gateway, token, url_for
from gateway import auth


def create_key(db, role: str, node_id: str | None = None) -> tuple[str, str]:
    row = db.execute("SELECT key_id::text, key FROM api.api_key_create(role => %s, label => %s, node_id => %s::uuid)",
                     (role, f"ident {token()}", node_id)).fetchone()
    return row[0], row[1]


def last_used(db, key_id: str):
    return db.execute("SELECT last_used_at FROM orchestrator.api_keys WHERE key_id = %s", (key_id,)).fetchone()[0]


def gateway_login(db_url: str, **options: str) -> str:
    dbname = conninfo_to_dict(db_url)["dbname"]
    login = url_for(dbname, "aio_gateway") if is_local_socket() else db_url
    return make_conninfo(login, options=" ".join(f"-c {k}={v}" for k, v in options.items())) if options else login


def setup_params(key: str, read_only: bool) -> dict:
    return {"key_hash": auth.key_hash(key), "subject": "", "request_id": str(uuid.uuid4()),
            "read_only": "on" if read_only else "off"}


def test_the_setup_of_a_keyed_get_makes_its_transaction_read_only_and_writes_nothing(db_url, db):
    """The gateway's own setup statement, then a probe, pipelined up to one Sync as the gateway sends them."""
    _, reader = create_key(db, "reader")
    _, writer = create_key(db, "writer")
    with psycopg.connect(gateway_login(db_url), autocommit=True) as conn:
        with conn.pipeline():
            conn.execute(auth.SETUP_API_KEY, setup_params(reader, read_only=True))
            cur = conn.execute("SELECT current_setting('transaction_read_only'), current_user::text,"
                               " pg_current_xact_id_if_assigned()::text")
        assert cur.fetchone() == ("on", "aio_reader", None), "read-only, as the key's role, and no transaction id taken"
        # A write attempted in such a transaction is refused (25006), even with a writer's key.
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            with conn.pipeline():
                conn.execute(auth.SETUP_API_KEY, setup_params(writer, read_only=True))
                conn.execute("SELECT api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.0.1:80')")


def test_keyed_gets_run_on_a_read_only_login_as_on_a_hot_standby(db_url, db, gateway_url, api_keys):
    """A gateway whose every transaction starts read-only (default_transaction_read_only, as on a hot
    standby): GETs with a key never used before answer 200, so neither the key check nor the call writes."""
    with client(gateway_url, api_keys["admin"]) as admin:
        node = new_node(admin, name=f"n-{token()}")
        tool = new_tool(admin, target_node_id=node["node_id"])
    key_id, key = create_key(db, "reader")
    assert last_used(db, key_id) is None
    login = gateway_login(db_url, default_transaction_read_only="on")
    with running_gateway(db_url, "gateway-read-only", GATEWAY_DATABASE_URL=login, AIO_KEY_USE_FLUSH_S="3600") as base:
        with client(base, key) as http:
            for path in (f"/nodes/{node['node_id']}", f"/tools/{tool['tool_id']}", "/nodes/", "/tools/",
                         f"/tools/name/{tool['name']}", "/stats/summary"):
                response = http.get(path)
                assert response.status_code == 200, (path, response.text)
            problem(http.get(f"/nodes/{uuid.uuid4()}"), 404, "P0002")
        with client(base, "aio_" + "0" * 64) as http:
            problem(http.get(f"/nodes/{node['node_id']}"), 401, "28000")
    assert last_used(db, key_id) is None, "the requests wrote nothing, not even the key's last use"


@pytest.mark.parametrize("how", ["sql", "http"])
def test_a_revoked_key_gets_401_on_the_very_next_request(db, gateway_url, api_keys, how):
    with client(gateway_url, api_keys["admin"]) as admin:
        node = new_node(admin, name=f"n-{token()}")
        key_id, key = create_key(db, "reader")
        with client(gateway_url, key) as http:
            for _ in range(3):  # used, so that whatever could be remembered of it is
                assert http.get(f"/nodes/{node['node_id']}").status_code == 200
            if how == "sql":
                db.execute("SELECT api.api_key_revoke(key_id => %s)", (key_id,))
            else:
                assert admin.delete(f"/keys/{key_id}").status_code == 204
            body = problem(http.get(f"/nodes/{node['node_id']}"), 401, "28000")
            assert "revoked" in body["detail"]


def test_a_node_key_acts_as_its_node_through_the_view(db, gateway_url, api_keys):
    with client(gateway_url, api_keys["admin"]) as admin:
        node = new_node(admin, name=f"n-{token()}")
        other = new_node(admin, name=f"n-{token()}")
    _, key = create_key(db, "node", node["node_id"])
    with client(gateway_url, key) as http:
        assert http.get(f"/nodes/{node['node_id']}").status_code == 200
        assert http.post(f"/nodes/{node['node_id']}/heartbeat", json={}).status_code == 200
        problem(http.post(f"/nodes/{other['node_id']}/heartbeat", json={}), 403, "42501")


def test_the_last_use_of_a_key_is_recorded_within_the_flush_interval(db_url, db):
    key_id, key = create_key(db, "reader")
    with running_gateway(db_url, "gateway-key-uses", AIO_KEY_USE_FLUSH_S="0.2") as base:
        with client(base, key) as http:
            before = db.execute("SELECT now()").fetchone()[0]
            assert http.get("/nodes/").status_code == 200
            deadline = time.monotonic() + 10
            while last_used(db, key_id) is None and time.monotonic() < deadline:
                time.sleep(0.1)
            first = last_used(db, key_id)
            assert first is not None and first >= before
        with client(base, api_keys_admin(db)) as admin:
            listed = admin.get("/keys/", params={"limit": 1000}).json()
        assert next(k for k in listed if k["key_id"] == key_id)["last_used_at"] is not None


def api_keys_admin(db) -> str:
    return create_key(db, "admin")[1]


def test_prepared_statements_survive_failing_pipelines(db_url, db):
    """gateway/wire.py prepares each statement once per connection and counts a Parse only when it
    succeeded: after a pipeline cut short by a refused key, the same statements still run."""
    import asyncio

    from gateway import wire

    _, key = create_key(db, "reader")
    node_id = db.execute("SELECT node_id::text FROM api.node_create(node_type => 'TOOL_EXECUTOR',"
                         " address => 'http://10.9.0.2:80')").fetchone()[0]
    call = "SELECT to_json(r)::text, r.revision FROM api.node_get(node_id => %s::uuid) r"

    async def scenario() -> list:
        answers = []
        conn = await psycopg.AsyncConnection.connect(gateway_login(db_url), autocommit=True)
        try:
            for who in ("aio_" + "0" * 64, key, "aio_" + "0" * 64, key, key):
                try:
                    row = await wire.run(conn, [(auth.SETUP_API_KEY, setup_params(who, read_only=True)), (call, [node_id])])
                    answers.append(row[1])
                except psycopg.Error as exc:
                    answers.append(exc.sqlstate)
            answers.append(await (await conn.execute("SELECT count(*)::int FROM pg_prepared_statements")).fetchone())
        finally:
            await conn.close()
        return answers

    answers = asyncio.run(scenario())
    assert answers[:5] == ["28000", 1, "28000", 1, 1], answers
    assert answers[5] == (2,), "the setup statement and the call, each prepared once"


def test_prepared_statements_are_bounded_per_connection(db_url, db, monkeypatch):
    """Which arguments a request names chooses its statement's text, so clients choose how many
    there are: past a bound, statements run unprepared and the connection prepares no more."""
    import asyncio

    from gateway import wire

    monkeypatch.setattr(wire, "MAX_PREPARED_PER_CONNECTION", 3)
    _, key = create_key(db, "reader")

    async def scenario() -> tuple:
        conn = await psycopg.AsyncConnection.connect(gateway_login(db_url), autocommit=True)
        try:
            rows = []
            for n in range(6):  # six texts: the setup and five calls
                call = f"SELECT {n} + %s::int"
                rows.append(await wire.run(conn, [(auth.SETUP_API_KEY, setup_params(key, read_only=True)), (call, [1])]))
            count = await (await conn.execute("SELECT count(*)::int FROM pg_prepared_statements")).fetchone()
            return rows, count
        finally:
            await conn.close()

    rows, count = asyncio.run(scenario())
    assert rows == [(n + 1,) for n in range(6)]
    assert count == (3,), "the setup and the first two calls prepared, the rest sent unprepared"
