"""Security over HTTP, against the real gateway: the role matrix of every route, API keys
(revoked, expired, malformed), JWT (HS256 and RS256, on gateways of their own), node keys,
the audit log, and injection through every string parameter."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import ROOT, TEST_DB, ServerLog, client, free_port, is_local_socket, problem, raw_exchange, url_for
from gateway import catalog
from gateway.app import JSON_KINDS
from gateway.routes import ROUTES, Route

# --- the design: the least role of each route's function, and what a node key may call -----------

ANON, READER, WRITER, ADMIN, NODE = "anon", "reader", "writer", "admin", "node"
LEVELS = (ANON, READER, WRITER, ADMIN)

LEAST_ROLE: dict[str, str] = {
    "service_info": ANON, "health": ANON,
    **dict.fromkeys((
        "stats_summary", "node_list", "node_list_active", "node_list_by_type", "node_get",
        "tool_list", "tool_list_active", "tool_list_by_category", "tool_get_by_name", "tool_versions",
        "tool_search_by_tag", "tool_get", "artifact_list", "artifact_list_large", "artifact_list_by_tool",
        "artifact_get", "queries_active_tools_with_nodes", "queries_tools_by_category_with_tags",
        "queries_node_health_status", "queries_large_artifacts_by_tool", "queries_search_tools_by_schema",
        "maintenance_tools_without_nodes", "monitoring_storage_usage_by_category",
        "monitoring_tool_usage_statistics", "monitoring_data_integrity", "json_schema_validate", "json_schema_check",
        "tool_validate", "invocation_get", "invocation_list", "artifact_lineage", "tool_invocation_settings_get",
        "node_agent_list", "invocation_queue",
    ), READER),
    **dict.fromkeys((
        "node_create", "node_update", "node_delete", "node_heartbeat", "tool_create", "tool_update",
        "tool_delete", "tool_tag_add", "tool_tag_remove", "artifact_create", "artifact_delete", "artifact_create_batch",
        "invocation_submit", "invocation_cancel", "tool_invocation_settings_update",
    ), WRITER),
    **dict.fromkeys((
        "maintenance_cleanup_orphaned_artifacts", "maintenance_update_tool_status", "maintenance_refresh_reporting",
        "maintenance_purge_idempotency_keys",
        "monitoring_db_table_sizes", "monitoring_db_index_usage", "monitoring_db_cache_hit_ratio",
        "monitoring_db_long_running_queries", "monitoring_db_lock_waits", "monitoring_db_vacuum_status",
        "monitoring_db_slow_statements", "api_key_create", "api_key_list", "api_key_revoke", "audit_list", "audit_purge",
        "node_claim", "invocation_complete", "invocation_complete_batch", "invocation_fail", "invocation_release",
        "invocations_sweep", "invocations_purge",
    ), ADMIN),
}
NODE_FUNCTIONS = {"service_info", "health", "node_get", "node_heartbeat", "tool_get", "tool_get_by_name", "tool_list",
                  "artifact_create", "artifact_create_batch", "json_schema_validate", "json_schema_check",
                  "tool_validate", "invocation_get", "node_claim", "invocation_complete", "invocation_complete_batch",
                  "invocation_fail", "invocation_release", "node_agent_list"}
PUBLIC_PATHS = {"/", "/ready"}


def route_id(r: Route) -> str:
    return f"{r.method} {r.path}"


def token() -> str:
    return uuid.uuid4().hex[:12]


def assert_401(response: httpx.Response) -> None:
    problem(response, 401)
    assert response.headers.get("www-authenticate", "").startswith("Bearer"), response.headers


# --- fixtures ------------------------------------------------------------------------------------

def create_key(db: psycopg.Connection, role: str, node_id: str | None = None, expires_at: str | None = None) -> tuple[str, str]:
    """A key made as a DBA would, in psql: (key_id, key)."""
    row = db.execute(
        "SELECT key_id::text, key FROM api.api_key_create(role => %s, label => %s, node_id => %s, expires_at => %s)",
        (role, f"test_security {role} {token()}", node_id, expires_at),
    ).fetchone()
    return row[0], row[1]


def create_node(http: httpx.Client, **fields) -> dict:
    body = {"node_type": "SEC_" + token().upper(), "address": "http://10.7.0.1:8080", "name": f"sec-{token()}", **fields}
    response = http.post("/nodes/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def create_tool(http: httpx.Client, **fields) -> dict:
    body = {"name": f"sec-{token()}", "version": "1.0.0", "category": "SEC_" + token().upper(), **fields}
    response = http.post("/tools/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def functions(db_url) -> dict[str, catalog.Function]:
    with psycopg.connect(db_url) as conn:
        return {row[0]: catalog._function(row) for row in conn.execute(catalog.CATALOG_SQL).fetchall()}


@pytest.fixture(scope="module")
def node_key(db_url, gateway_url, api_keys) -> dict:
    """A node, a node key for it, and a second node it is not."""
    with client(gateway_url, api_keys["admin"]) as admin, psycopg.connect(db_url, autocommit=True) as db:
        own, other = create_node(admin), create_node(admin)
        key_id, key = create_key(db, "node", node_id=own["node_id"])
    return {"node_id": own["node_id"], "other_node_id": other["node_id"], "key": key, "key_id": key_id}


@pytest.fixture(scope="module")
def keys(api_keys, node_key) -> dict[str, str]:
    return {**api_keys, NODE: node_key["key"]}


@pytest.fixture(scope="module")
def clients(gateway_url, keys) -> Iterator[dict[str, httpx.Client]]:
    """One client per role (ANON: no credentials; "unknown": a key that does not exist), kept open."""
    made = {role: client(gateway_url, keys[role]) for role in (READER, WRITER, ADMIN, NODE)}
    made[ANON] = client(gateway_url)
    made["unknown"] = client(gateway_url, "aio_" + uuid.uuid4().hex * 2)
    yield made
    for c in made.values():
        c.close()


def create_invocation(http: httpx.Client, claim: bool = False) -> tuple[str, str | None]:
    """An invocation of a tool targeted at a fresh node: (invocation_id, the lease token when claimed)."""
    node = create_node(http)
    tool = create_tool(http, target_node_id=node["node_id"])
    response = http.post("/invocations/", json={"tool_id": tool["tool_id"]})
    assert response.status_code == 201, response.text
    invocation_id = response.json()["invocation_id"]
    if not claim:
        return invocation_id, None
    response = http.post(f"/nodes/{node['node_id']}/claim", json={"limit": 100})
    assert response.status_code == 200, response.text
    [token_] = [c["lease_token"] for c in response.json() if c["invocation_id"] == invocation_id]
    return invocation_id, token_


# --- one valid request per route, on data made for it ---------------------------------------------

class Arranged:
    """A valid request for a route: fresh rows for its path parameters, a minimal body."""

    def __init__(self, route: Route, admin: httpx.Client):
        self.route = route
        tag = f"sec-{token()}"
        self.path_values: dict[str, str] = {}
        self.params: dict[str, str] = {}
        self.body: dict | None = None
        names = [p.strip("{}") for p in route.path.split("/") if p.startswith("{")]
        tool = create_tool(admin, tags=[tag]) if {"tool_id", "tool_name", "category", "tag_search"} & set(names) else None
        lease_token = None
        for name in names:
            if name == "node_id":
                value = create_node(admin)["node_id"]
            elif name == "node_type":
                value = create_node(admin)["node_type"]
            elif name == "tool_id":
                value = tool["tool_id"]
            elif name == "tool_name":
                value = tool["name"]
            elif name == "category":
                value = tool["category"]
            elif name == "tag_search":
                value = tag
            elif name == "tag_name":
                value = tag if route.method == "DELETE" else f"sec-new-{token()}"
            elif name == "artifact_id":
                response = admin.post("/artifacts/", json={"name": "sec.bin", "uri": f"s3://sec/{token()}"})
                assert response.status_code == 201, response.text
                value = response.json()["artifact_id"]
            elif name == "invocation_id":
                value, lease_token = create_invocation(
                    admin, claim=route.function in ("invocation_complete", "invocation_fail", "invocation_release"))
            elif name == "key_id":
                response = admin.post("/keys/", json={"role": "reader", "label": f"sec {token()}"})
                assert response.status_code == 201, response.text
                value = response.json()["key_id"]
            else:
                raise AssertionError(f"{route.path}: no value for the path parameter {name}; add one to Arranged")
            self.path_values[name] = value
        f = route.function
        # A tool of its own node, so that the invocations made here are claimed by nobody else.
        submitted = create_tool(admin, target_node_id=create_node(admin)["node_id"]) if f == "invocation_submit" else None
        if f == "queries_search_tools_by_schema":
            self.params = {"property": "text"}
        if route.method in ("POST", "PUT"):
            self.body = {
                "node_create": {"node_type": "SEC_TEST", "address": "http://10.7.0.2:8080", "name": f"sec-{token()}"},
                "node_update": {"status": "MAINTENANCE"},
                "node_heartbeat": {"load": {"cpu": 0.25}},
                "tool_create": {"name": f"sec-{token()}", "version": "1.0.0", "category": "SEC_TEST"},
                "tool_update": {"description": "updated by the security matrix"},
                "artifact_create": {"name": "sec.bin", "uri": f"s3://sec/{token()}"},
                "artifact_create_batch": {"artifacts": [{"name": "sec.bin", "uri": f"s3://sec/{token()}"}]},
                "api_key_create": {"role": "reader", "label": f"sec {token()}"},
                "maintenance_cleanup_orphaned_artifacts": {"dry_run": True},
                "maintenance_update_tool_status": {"dry_run": True},
                "audit_purge": {"older_than_days": 3650},
                "json_schema_validate": {"schema": {"type": "integer"}, "instance": 1},
                "json_schema_check": {"schema": {"type": "integer"}},
                "tool_validate": {"input": {"text": "hello"}},
                "invocation_submit": {"tool_id": submitted["tool_id"]} if submitted else None,
                "invocation_cancel": {"reason": "security matrix"},
                "node_claim": {"limit": 1},
                "invocation_complete": {"lease_token": lease_token, "output": {"ok": True}},
                "invocation_complete_batch": {"completions": []},
                "invocation_fail": {"lease_token": lease_token, "error": {"code": "SEC"}},
                "invocation_release": {"lease_token": lease_token},
                "invocations_sweep": {"limit": 10},
                "invocations_purge": {"older_than_days": 3650},
                "tool_invocation_settings_update": {"lease_seconds": 45},
            }.get(f)

    def path(self, **override: str) -> str:
        values = {**self.path_values, **override}
        return self.route.path.format(**{k: quote(v, safe="") for k, v in values.items()})

    def send(self, http: httpx.Client, path: str | None = None, params: dict | None = None, body: dict | None = None,
             headers: dict | None = None) -> httpx.Response:
        body = self.body if body is None else body
        return http.request(self.route.method, path or self.path(), params=self.params if params is None else params,
                            json=body, headers=headers)


# --- the HTTP matrix --------------------------------------------------------------------------------

def test_the_matrix_covers_every_route_and_only_routes():
    routed = {r.function for r in ROUTES}
    assert set(LEAST_ROLE) == routed, {"routes without a least role": sorted(routed - set(LEAST_ROLE)),
                                       "least roles without a route": sorted(set(LEAST_ROLE) - routed)}
    assert NODE_FUNCTIONS <= routed
    assert {r.path for r in ROUTES if LEAST_ROLE[r.function] == ANON} == PUBLIC_PATHS


def test_the_matrix_agrees_with_the_grants(db):
    """The same design as db/tests/privileges.sql, read through pg_catalog: what HTTP sees is the GRANTs."""
    for fn, least in LEAST_ROLE.items():
        for role in (*LEVELS, NODE):
            may = db.execute("SELECT has_function_privilege(%s, p.oid, 'EXECUTE') FROM pg_proc p"
                             " WHERE p.pronamespace = 'api'::regnamespace AND p.proname = %s", (f"aio_{role}", fn)).fetchone()[0]
            expected = fn in NODE_FUNCTIONS if role == NODE else LEVELS.index(role) >= LEVELS.index(least)
            assert may == expected, (fn, role)


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_route_privileges(route: Route, clients):
    least = LEAST_ROLE[route.function]
    arranged = Arranged(route, clients[ADMIN])

    # without credentials: 401, except the public routes
    response = arranged.send(clients[ANON])
    if least == ANON:
        assert response.status_code == 200, response.text
    else:
        assert_401(response)

    # bad credentials are refused on every route, public ones too
    assert_401(arranged.send(clients["unknown"]))

    # every role that lacks the right: 403
    lacking = [r for r in (READER, WRITER) if LEVELS.index(r) < LEVELS.index(least)]
    if route.function not in NODE_FUNCTIONS:
        lacking.append(NODE)
    for role in lacking:
        body = problem(arranged.send(clients[role]), 403, "42501")
        assert "permission denied" in body["detail"], (role, body)

    # the least role that has the right succeeds
    response = arranged.send(clients[least])
    assert response.status_code == route.status, (least, response.text)
    if least != ADMIN:
        # the roles above it inherit the right (a second call may find the row gone, but is never 401/403)
        assert arranged.send(clients[ADMIN]).status_code not in (401, 403)


# --- API keys -------------------------------------------------------------------------------------------

def test_a_key_revoked_in_psql_is_refused_on_the_next_request(gateway_url, db):
    key_id, key = create_key(db, "reader")
    with client(gateway_url, key) as http:
        assert http.get("/nodes/").status_code == 200
        db.execute("SELECT api.api_key_revoke(key_id => %s)", (key_id,))
        assert_401(http.get("/nodes/"))
        assert_401(http.get("/ready"))


def test_a_key_revoked_over_http_is_refused(gateway_url, db, http):
    created = http.post("/keys/", json={"role": "writer", "label": f"sec {token()}"})
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    with client(gateway_url, key) as writer:
        assert writer.get("/nodes/").status_code == 200
        assert http.delete(f"/keys/{created.json()['key_id']}").status_code == 204
        assert_401(writer.get("/nodes/"))
    assert http.delete(f"/keys/{created.json()['key_id']}").status_code == 204, "revoking twice is not an error"
    problem(http.delete(f"/keys/{uuid.uuid4()}"), 404, "P0002", "key_id")


def test_an_expired_key_is_refused(gateway_url, db):
    key_id, key = create_key(db, "reader", expires_at="2999-01-01T00:00:00Z")
    with client(gateway_url, key) as http:
        assert http.get("/nodes/").status_code == 200
        db.execute("UPDATE orchestrator.api_keys SET expires_at = now() - interval '1 second' WHERE key_id = %s", (key_id,))
        assert_401(http.get("/nodes/"))


def test_the_key_is_shown_once_and_never_listed(http, gateway_url, db):
    created = http.post("/keys/", json={"role": "reader", "label": f"sec {token()}"})
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("aio_") and created.json()["key_prefix"] == key[:12]
    stored = db.execute("SELECT key_hash, key_hash = sha256(convert_to(%s, 'UTF8')) FROM orchestrator.api_keys WHERE key_id = %s",
                        (key, created.json()["key_id"])).fetchone()
    assert stored[1], "key_hash is sha256 of the key"
    listed = http.get("/keys/", params={"limit": 1000, "include_revoked": "true"})
    assert listed.status_code == 200
    assert key[12:] not in listed.text and "key_hash" not in listed.text
    audit = http.get("/audit", params={"table_name": "api_keys", "row_key": created.json()["key_id"]})
    assert audit.status_code == 200 and len(audit.json()) == 1
    assert key[12:] not in audit.text and "key_hash" not in audit.text
    with client(gateway_url, key) as reader:
        assert reader.get("/stats/summary").status_code == 200


@pytest.mark.parametrize("header", [
    "Bearer",
    "Bearer\taio_0123456789",
    "Basic dXNlcjpwYXNzd29yZA==",
    "Token aio_0123456789",
    "aio_0123456789abcdef",
    "Bearer aio_",
    "Bearer aio_" + "0" * 64,
    "Bearer aio_' OR '1'='1",
    "Bearer aio_" + "x" * 10_000,
    "Bearer not-a-token",
    "Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.",
    b"Bearer aio_\xc3\xb1\xe2\x9c\x93",
], ids=lambda h: repr(h)[:40])
def test_a_malformed_authorization_header_is_401(gateway_url, header):
    with httpx.Client(base_url=gateway_url, timeout=30) as http:
        for path in ("/ready", "/nodes/"):
            assert_401(http.get(path, headers={"Authorization": header}))


def test_the_scheme_is_case_insensitive(gateway_url, api_keys):
    with httpx.Client(base_url=gateway_url, timeout=30) as http:
        assert http.get("/nodes/", headers={"Authorization": f"bearer {api_keys['reader']}"}).status_code == 200


# --- secrets stay out of logs; credentials are checked first --------------------------------------------

def test_no_key_reaches_the_server_log(gateway_url, keys):
    # PostgreSQL logs the text of every failing statement (log_min_error_statement = error).
    log = ServerLog()
    used = {**keys, "unknown": "aio_" + uuid.uuid4().hex * 2}
    for key in used.values():
        with client(gateway_url, key) as c:
            assert c.get(f"/nodes/{uuid.uuid4()}").status_code in (401, 403, 404)
            assert c.get("/nodes/not-a-uuid").status_code in (401, 403, 422)
            assert c.post("/nodes/", json={"node_type": "SEC", "address": "http://x:1", "status": "NOPE"}).status_code in (401, 403, 422)
    text = log.new_text()
    assert "STATEMENT:" in text, "the statements of the failing requests were logged"
    leaked = [role for role, key in used.items() if key[4:] in text]
    assert not leaked, f"keys of {leaked} in {log.path}"


@pytest.mark.parametrize("authorization", [b"", b"Authorization: Bearer aio_" + b"f" * 20_000 + b"\r\n",
                                           b"Authorization: Bearer " + b"e" * 20_000 + b"\r\n"],
                         ids=["none", "malformed key", "oversized token"])
def test_credentials_are_checked_before_the_body_is_read(gateway_url, authorization):
    # A body within the size limit is announced and one byte of it sent: the answer comes without the rest.
    head = (b"POST /nodes/ HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 60000\r\n" + authorization + b"\r\n{")
    started = time.monotonic()
    answer = raw_exchange(gateway_url, head, wait_s=5)
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:300]
    assert b"application/problem+json" in answer.partition(b"\r\n\r\n")[0].lower()
    assert time.monotonic() - started < 3


def test_unauthenticated_requests_leave_no_trace_in_the_logs(gateway_url):
    server_log, gateway_log = ServerLog(), ROOT / ".pytest_cache" / "gateway.log"
    gateway_log_start = gateway_log.stat().st_size
    marker = f"body-{uuid.uuid4().hex}"
    body = {"node_type": "SEC", "address": "http://x:1", "metadata": {"pad": marker * 1500}}  # 55 kB, under the limit
    bogus = "aio_" + uuid.uuid4().hex * 400  # 12.8 kB: the shape of no key
    huge = "aio_" + uuid.uuid4().hex * 160_000  # 5 MB
    with httpx.Client(base_url=gateway_url, timeout=60) as c:
        assert_401(c.post("/nodes/", json=body))
        assert_401(c.post("/nodes/", json=body, headers={"Authorization": f"Bearer {bogus}"}))
        try:
            assert c.get("/nodes/", headers={"Authorization": f"Bearer {huge}"}).status_code in (401, 431)
        except httpx.TransportError:
            pass  # cut off while sending: refused too
        assert c.get("/health").status_code == 200
    with open(gateway_log, "rb") as f:
        f.seek(gateway_log_start)
        logs = {"PostgreSQL": server_log.new_text(), "gateway": f.read().decode(errors="replace")}
    for name, text in logs.items():
        print(f"{name} log: {len(text)} bytes written during the requests")
        assert marker not in text, f"the body reached the {name} log"
        for key in (bogus, huge):
            assert key[4:68] not in text, f"a key reached the {name} log"


# --- the audit log ---------------------------------------------------------------------------------------

def test_the_audit_log_shows_http_and_psql_changes(gateway_url, db, http):
    key_id, key = create_key(db, "writer")
    request_id = f"sec-request-{uuid.uuid4()}"
    with client(gateway_url, key) as writer:
        created = writer.post("/nodes/", json={"node_type": "SEC_AUDIT", "address": "http://10.7.0.3:8080"},
                              headers={"X-Request-ID": request_id})
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == request_id
    node_id = created.json()["node_id"]
    db.execute("UPDATE orchestrator.nodes SET labels = '{\"edited\": \"in psql\"}' WHERE node_id = %s", (node_id,))
    db_user = db.execute("SELECT session_user::text").fetchone()[0]

    response = http.get("/audit", params={"table_name": "nodes", "row_key": node_id})
    assert response.status_code == 200, response.text
    rows = {row["action"]: row for row in response.json()}
    assert set(rows) == {"INSERT", "UPDATE"} and len(response.json()) == 2
    insert, update = rows["INSERT"], rows["UPDATE"]
    assert insert["db_role"] == "aio_writer" and insert["key_id"] == key_id and insert["request_id"] == request_id
    assert insert["login_role"] == ("aio_gateway" if is_local_socket() else db_user)
    assert insert["changes"]["node_id"] == node_id
    assert update["db_role"] == db_user and update["login_role"] == db_user
    assert update["key_id"] is None and update["request_id"] is None
    assert update["changes"] == {"labels": [{}, {"edited": "in psql"}]}

    by_key = http.get("/audit", params={"actor": key_id, "table_name": "nodes"}).json()
    assert [r["row_key"] for r in by_key] == [node_id]


def test_a_request_id_is_made_when_none_or_a_bad_one_is_sent(anon):
    for headers in ({}, {"X-Request-ID": "x" * 201}, {"X-Request-ID": "tab\tinside"}):
        given = anon.get("/ready", headers=headers).headers["x-request-id"]
        assert uuid.UUID(given), headers


def test_the_audit_log_is_not_writable_over_http(gateway_url, keys):
    # no route changes the audit log but the purge, and only an admin may call it
    for role in (READER, WRITER, NODE):
        with client(gateway_url, keys[role]) as http:
            problem(http.post("/audit/purge", json={"older_than_days": 1}), 403, "42501")
            problem(http.get("/audit"), 403, "42501")
    with client(gateway_url) as anon:
        assert_401(anon.post("/audit/purge"))


# --- node keys ---------------------------------------------------------------------------------------------

def test_a_node_key_acts_only_as_its_own_node(gateway_url, node_key, http):
    own, other = node_key["node_id"], node_key["other_node_id"]
    tool = create_tool(http)
    with client(gateway_url, node_key["key"]) as node:
        beat = node.post(f"/nodes/{own}/heartbeat", json={"load": {"cpu": 0.5}})
        assert beat.status_code == 200, beat.text
        assert beat.json()["node_id"] == own
        problem(node.post(f"/nodes/{other}/heartbeat", json={"load": {"cpu": 0.5}}), 403, "42501", "node_id")
        problem(node.post(f"/nodes/{other}/heartbeat", json={"status": "ERROR"}), 403, "42501", "node_id")

        mine = node.post("/artifacts/", json={"name": "out.bin", "uri": f"s3://sec/{token()}", "node_id": own,
                                              "tool_id": tool["tool_id"]})
        assert mine.status_code == 201, mine.text
        problem(node.post("/artifacts/", json={"name": "out.bin", "uri": f"s3://sec/{token()}", "node_id": other}),
                403, "42501", "node_id")
        problem(node.post("/artifacts/", json={"name": "out.bin", "uri": f"s3://sec/{token()}"}), 403, "42501", "node_id")

        # what it may read
        assert node.get(f"/nodes/{own}").status_code == 200
        assert node.get(f"/tools/{tool['tool_id']}").status_code == 200
        assert node.get(f"/tools/name/{tool['name']}").status_code == 200
        assert node.get("/tools/", params={"name": tool["name"]}).status_code == 200
        # and what it may not
        problem(node.get("/nodes/"), 403, "42501")
        problem(node.delete(f"/artifacts/{mine.json()['artifact_id']}"), 403, "42501")
        problem(node.put(f"/nodes/{own}", json={"status": "ERROR"}), 403, "42501")
    assert http.get(f"/nodes/{other}").json()["status"] == "ACTIVE", "the other node is untouched"


def test_a_node_key_reads_only_its_node_and_records_only_for_its_tools(gateway_url, node_key, http):
    own, other = node_key["node_id"], node_key["other_node_id"]
    here, free = create_tool(http, target_node_id=own), create_tool(http)
    elsewhere = create_tool(http, target_node_id=other)
    with client(gateway_url, node_key["key"]) as node:
        assert node.get(f"/nodes/{own}").status_code == 200
        problem(node.get(f"/nodes/{other}"), 403, "42501", "node_id")
        problem(node.get(f"/nodes/{uuid.uuid4()}"), 403, "42501", "node_id")  # not even whether it exists
        for tool in (here, free):
            made = node.post("/artifacts/", json={"name": "out.bin", "uri": f"s3://sec/{token()}", "node_id": own,
                                                  "tool_id": tool["tool_id"]})
            assert made.status_code == 201, made.text
        problem(node.post("/artifacts/", json={"name": "out.bin", "uri": f"s3://sec/{token()}", "node_id": own,
                                               "tool_id": elsewhere["tool_id"]}), 403, "42501", "tool_id")
        batch = [{"name": "out.bin", "uri": f"s3://sec/{token()}", "node_id": own, "tool_id": elsewhere["tool_id"]}]
        problem(node.post("/artifacts/batch", json={"artifacts": batch}), 403, "42501")
    # a writer is not bound by the node rule
    assert http.post("/artifacts/", json={"name": "out.bin", "uri": f"s3://sec/{token()}", "node_id": own,
                                          "tool_id": elsewhere["tool_id"]}).status_code == 201


# --- JWT -------------------------------------------------------------------------------------------------------

JWT_SECRET = "test-security-secret-" + "s" * 32
AUDIENCE = "ai-orchestrator-tests"


@contextlib.contextmanager
def serve(db_url: str, name: str, **extra_env: str) -> Iterator[str]:
    """A gateway of its own (the gateway_url pattern of conftest), with extra settings."""
    port = free_port()
    login = url_for(TEST_DB, "aio_gateway") if is_local_socket() else db_url
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIO_JWT_")}
    env.update(GATEWAY_DATABASE_URL=login, DATABASE_URL=db_url, HOST="127.0.0.1", PORT=str(port),
               AIO_MAX_BODY_BYTES=str(64 * 1024), **extra_env)
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    with open(ROOT / ".pytest_cache" / f"gateway-{name}.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the {name} gateway did not become healthy", pytrace=False)
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def jwt_gateway(db_url) -> Iterator[str]:
    with serve(db_url, "jwt-hs256", AIO_JWT_SECRET=JWT_SECRET, AIO_JWT_AUDIENCE=AUDIENCE) as base:
        yield base


@pytest.fixture(scope="module")
def rsa_key(tmp_path_factory) -> dict:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    path = tmp_path_factory.mktemp("jwt") / "public.pem"
    path.write_bytes(public_pem)
    return {"private": private, "public_pem": public_pem, "path": path}


@pytest.fixture(scope="module")
def rs_gateway(db_url, rsa_key) -> Iterator[str]:
    with serve(db_url, "jwt-rs256", AIO_JWT_PUBLIC_KEY=f"@{rsa_key['path']}", AIO_JWT_AUDIENCE=AUDIENCE) as base:
        yield base


def make_token(key, algorithm: str = "HS256", **claims) -> str:
    now = int(time.time())
    payload = {"sub": f"sec-{token()}", "aud": AUDIENCE, "iat": now, "exp": now + 300, "role": WRITER, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm=algorithm)


def test_jwt_hs256_writer_works_and_is_audited(jwt_gateway, http):
    subject = f"sec-user-{token()}"
    with client(jwt_gateway, make_token(JWT_SECRET, sub=subject)) as writer:
        created = writer.post("/nodes/", json={"node_type": "SEC_JWT", "address": "http://10.7.0.4:8080"})
        assert created.status_code == 201, created.text
        problem(writer.post("/maintenance/refresh-reporting"), 403, "42501")
    rows = http.get("/audit", params={"table_name": "nodes", "row_key": created.json()["node_id"]}).json()
    assert [(r["db_role"], r["subject"], r["key_id"]) for r in rows] == [("aio_writer", subject, None)]


def test_a_jwt_without_sub_cannot_use_idempotency_keys(jwt_gateway):
    # Nothing tells such callers apart: sharing one namespace per role would replay one caller's
    # response to another.
    body = {"node_type": "SEC_NOSUB", "address": "http://10.7.0.9:8080", "name": f"sec-{token()}"}
    with client(jwt_gateway, make_token(JWT_SECRET, sub=None)) as nameless:
        problem(nameless.post("/nodes/", json=body, headers={"Idempotency-Key": token()}), 422, field="Idempotency-Key")
        assert nameless.post("/nodes/", json=body).status_code == 201
    with client(jwt_gateway, make_token(JWT_SECRET)) as named:
        body["name"] = f"sec-{token()}"
        assert named.post("/nodes/", json=body, headers={"Idempotency-Key": token()}).status_code == 201


def test_jwt_roles(jwt_gateway):
    with client(jwt_gateway, make_token(JWT_SECRET, role=READER)) as reader:
        assert reader.get("/nodes/").status_code == 200
        problem(reader.post("/nodes/", json={"node_type": "SEC_JWT", "address": "http://10.7.0.5:8080"}), 403, "42501")
    with client(jwt_gateway, make_token(JWT_SECRET, role=ADMIN)) as admin:
        assert admin.get("/keys/").status_code == 200
    with client(jwt_gateway, make_token(JWT_SECRET, role=ANON)) as anon:
        assert anon.get("/ready").status_code == 200
        problem(anon.get("/nodes/"), 403, "42501")


@pytest.mark.parametrize("role", ["superuser", "aio_admin", "owner", "", None, ["admin"]], ids=repr)
def test_a_jwt_role_that_is_not_a_request_role_is_403(jwt_gateway, role):
    with client(jwt_gateway, make_token(JWT_SECRET, role=role)) as http:
        problem(http.get("/ready"), 403, "42501")
        problem(http.get("/nodes/"), 403, "42501")


@pytest.mark.parametrize("case", ["expired", "not yet valid", "wrong audience", "no audience", "no exp",
                                  "bad signature", "tampered", "alg none", "garbage"])
def test_an_invalid_jwt_is_401(jwt_gateway, case):
    now = int(time.time())
    if case == "expired":
        tok = make_token(JWT_SECRET, iat=now - 600, exp=now - 60)
    elif case == "not yet valid":
        tok = make_token(JWT_SECRET, nbf=now + 300)
    elif case == "wrong audience":
        tok = make_token(JWT_SECRET, aud="someone-else")
    elif case == "no audience":
        tok = make_token(JWT_SECRET, aud=None)
    elif case == "no exp":
        tok = make_token(JWT_SECRET, exp=None)
    elif case == "bad signature":
        tok = make_token("another-secret-" + "x" * 32)
    elif case == "tampered":
        head, _, sig = make_token(JWT_SECRET, role=READER).split(".")
        body = jwt.utils.base64url_encode(b'{"role": "admin", "aud": "%s", "exp": %d}' % (AUDIENCE.encode(), now + 300))
        tok = f"{head}.{body.decode()}.{sig}"
    elif case == "alg none":
        tok = jwt.encode({"role": ADMIN, "aud": AUDIENCE, "exp": now + 300}, None, algorithm="none")
    else:
        tok = "eyJ.not.a-token"
    with client(jwt_gateway, tok) as http:
        assert_401(http.get("/nodes/"))
        assert_401(http.get("/ready"))


def test_api_keys_still_work_beside_jwt(jwt_gateway, api_keys):
    with client(jwt_gateway, api_keys["reader"]) as reader:
        assert reader.get("/nodes/").status_code == 200


def test_a_jwt_is_refused_where_jwt_is_not_configured(gateway_url):
    with client(gateway_url, make_token(JWT_SECRET)) as http:
        assert_401(http.get("/nodes/"))


def test_a_node_jwt_acts_only_as_its_node(jwt_gateway, node_key):
    own, other = node_key["node_id"], node_key["other_node_id"]
    with client(jwt_gateway, make_token(JWT_SECRET, role=NODE, node_id=own)) as node:
        assert node.post(f"/nodes/{own}/heartbeat", json={}).status_code == 200
        problem(node.post(f"/nodes/{other}/heartbeat", json={}), 403, "42501", "node_id")
    with client(jwt_gateway, make_token(JWT_SECRET, role=NODE)) as nameless:
        assert_401(nameless.post(f"/nodes/{own}/heartbeat", json={}))
    with client(jwt_gateway, make_token(JWT_SECRET, role=NODE, node_id="not-a-uuid")) as bad:
        assert_401(bad.post(f"/nodes/{own}/heartbeat", json={}))


def test_jwt_rs256(rs_gateway, rsa_key):
    with client(rs_gateway, make_token(rsa_key["private"], "RS256", role=READER)) as reader:
        assert reader.get("/stats/summary").status_code == 200
        problem(reader.delete(f"/nodes/{uuid.uuid4()}"), 403, "42501")
    with client(rs_gateway, make_token(rsa_key["private"], "RS256", exp=int(time.time()) - 60)) as expired:
        assert_401(expired.get("/nodes/"))
    with client(rs_gateway, make_token(rsa_key["private"], "RS256", aud="someone-else")) as wrong_audience:
        assert_401(wrong_audience.get("/nodes/"))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with client(rs_gateway, make_token(other, "RS256", role=ADMIN)) as forged:
        assert_401(forged.get("/nodes/"))
    # an HS256 token whose secret is the public key must not pass (algorithm confusion)
    header = jwt.utils.base64url_encode(b'{"alg": "HS256", "typ": "JWT"}').decode()
    payload = jwt.utils.base64url_encode(
        b'{"role": "admin", "aud": "%s", "exp": %d}' % (AUDIENCE.encode(), int(time.time()) + 300)).decode()
    signature = jwt.utils.base64url_encode(
        hmac.new(rsa_key["public_pem"], f"{header}.{payload}".encode(), hashlib.sha256).digest()).decode()
    with client(rs_gateway, f"{header}.{payload}.{signature}") as confused:
        assert_401(confused.get("/nodes/"))
    with client(rs_gateway, make_token(JWT_SECRET)) as hs:
        assert_401(hs.get("/nodes/"))


# --- injection ---------------------------------------------------------------------------------------------------

PAYLOADS = ["'", "'; DROP TABLE orchestrator.nodes; --", "%I %L %s", "ñ✓😀", "\u0000", "x" * 10 * 1024]
# Fields inside the partial-update body (patch) of the PUT routes.
PATCH_FIELDS = {
    "node_update": ["name", "node_type", "address", "status"],
    "tool_update": ["name", "version", "category", "description", "status", "target_node_id"],
}


def takes_a_json_string(arg: catalog.Arg) -> bool:
    return str in JSON_KINDS.get(arg.type, (str,)) or arg.type.endswith("[]")


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_injection_through_every_string_parameter(route: Route, clients, functions, db):
    fn = functions[route.function]
    admin = clients[ADMIN]
    arranged = Arranged(route, admin)
    cases: list[tuple[str, dict]] = []
    for name in arranged.path_values:
        for payload in PAYLOADS:
            cases.append((f"path {name}={payload[:20]!r}", {"path": arranged.path(**{name: payload})}))
    for arg in fn.args:
        if arg.name in arranged.path_values or arg.name == "patch":
            continue
        for payload in PAYLOADS:
            body = None if arranged.body is None else {k: v for k, v in arranged.body.items() if k != arg.name}
            cases.append((f"query {arg.name}={payload[:20]!r}", {"params": {**arranged.params, arg.name: payload}, "body": body}))
            if route.method in ("POST", "PUT") and takes_a_json_string(arg):
                value = [payload] if arg.type.endswith("[]") else payload
                cases.append((f"body {arg.name}={payload[:20]!r}", {"body": {**(arranged.body or {}), arg.name: value}}))
    for field in PATCH_FIELDS.get(route.function, []):
        for payload in PAYLOADS:
            cases.append((f"patch {field}={payload[:20]!r}", {"body": {field: payload}}))
    for payload in PAYLOADS[:4]:
        cases.append((f"X-Request-ID {payload[:20]!r}", {"headers": {"X-Request-ID": payload.encode()}}))

    def send(case: tuple[str, dict]) -> tuple[str, httpx.Response]:
        return case[0], arranged.send(admin, **case[1])

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(send, cases))
    failures = [(what, r.status_code, r.text[:300]) for what, r in responses if r.status_code >= 500]
    assert not failures, failures
    assert len(cases) >= len(PAYLOADS) * len([a for a in fn.args if a.name != "patch"]), "every parameter was tried"
    assert db.execute("SELECT to_regclass('orchestrator.nodes')").fetchone()[0] is not None
    assert db.execute("SELECT count(*) FROM orchestrator.nodes").fetchone()[0] > 0


# --- secrets stay out of the server log ------------------------------------------------------------------

def test_no_api_key_reaches_the_server_log(db_url, db, node_key, api_keys):
    log = ServerLog()
    wrong = "aio_" + uuid.uuid4().hex + uuid.uuid4().hex
    used = {**api_keys, NODE: node_key["key"], "wrong": wrong}
    # Every statement of a gateway of its own is logged, not only the failing ones.
    db.execute(f'ALTER DATABASE "{TEST_DB}" SET log_statement = \'all\'')
    try:
        with serve(db_url, "log-probe") as base:
            for name, key in used.items():
                with client(base, key) as c:
                    if name == "wrong":
                        assert_401(c.get("/nodes/"))
                        continue
                    problem(c.get(f"/tools/{uuid.uuid4()}"), 404, "P0002")
                    problem(c.get("/tools/", params={"limit": 0}), 422)
    finally:
        db.execute(f'ALTER DATABASE "{TEST_DB}" RESET log_statement')
    text = log.new_text()
    assert "auth.key_identities" in text, "the probe's statements were not logged: the test would prove nothing"
    for name, key in used.items():
        assert key not in text and key[4:] not in text, f"the {name} key is in the server log"
