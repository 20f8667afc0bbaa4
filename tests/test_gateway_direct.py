"""The GETs of the API are answered without Litestar's router (gateway/app.py, DirectGets): the same
requests to a gateway that sends every request through Litestar (AIO_DIRECT_GETS=0) answer the same
status, headers and body, whatever the outcome (found, not found, invalid, unauthenticated, paged)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from conftest import client, new_node, new_tool, running_gateway

from gateway.app import LITESTAR_PATHS, DirectGets
from gateway.routes import ROUTES

# Headers that differ between any two answers.
VARYING = {"date", "x-request-id"}


@pytest.fixture(scope="module")
def through_litestar(db_url):
    with running_gateway(db_url, "gateway-litestar", AIO_DIRECT_GETS="0") as base:
        yield base


def answer(response: httpx.Response) -> tuple:
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in VARYING]
    return response.status_code, headers, response.content


def test_gets_answer_as_through_litestar(gateway_url, through_litestar, api_keys, http):
    node, tool = new_node(http), new_tool(http)
    key = api_keys["reader"]
    requests = [  # (API key, path, query, the status expected)
        (key, f"/nodes/{node['node_id']}", {}, 200),
        (key, f"/tools/{tool['tool_id']}", {}, 200),
        (key, f"/tools/name/{tool['name']}", {}, 200),
        (key, f"/nodes/{uuid.uuid4()}", {}, 404),
        (key, "/nodes/not-a-uuid", {}, 422),                        # from PostgreSQL
        (None, f"/nodes/{node['node_id']}", {}, 401),               # no credentials
        ("aio_" + "0" * 64, f"/nodes/{node['node_id']}", {}, 401),  # unknown key
        ("not-a-key", f"/nodes/{node['node_id']}", {}, 401),        # malformed
        (key, "/nodes/", {"limit": "1"}, 200),                      # a page with its Link
        (key, "/nodes/", {"limit": "1", "cursor": "x"}, 422),       # a cursor PostgreSQL refuses
        (key, "/nodes/", {"bogus": "1"}, 422),                      # unknown parameter
        (key, "/nodes/", [("limit", "1"), ("limit", "2")], 422),    # given twice
        (key, f"/nodes/{node['node_id']}/", {}, 200),               # trailing slash: Litestar's own routing
        (key, "/artifacts/batch", {}, 405),                         # POST only: not /artifacts/{artifact_id}
        (key, "/invocations/sweep", {}, 405),
        (key, "/ready", {}, 200),
    ]
    for api_key, path, params, status in requests:
        with client(gateway_url, api_key) as direct, client(through_litestar, api_key) as litestar:
            a, b = direct.get(path, params=params), litestar.get(path, params=params)
        assert a.status_code == status, (path, a.text)
        if path == "/ready":
            assert a.json().keys() == b.json().keys() and b.status_code == 200
            continue
        assert answer(a) == answer(b), path
        if status != 405:  # Litestar's own 405 carries no request id, on either gateway
            assert a.headers["x-request-id"] and b.headers["x-request-id"]
    # A caller's request id comes back; of a repeated header the first counts, on either path.
    path = f"/nodes/{node['node_id']}"
    for base in (gateway_url, through_litestar):
        with httpx.Client(base_url=base, timeout=30) as c:
            given = c.get(path, headers=[("Authorization", f"Bearer {key}"), ("X-Request-ID", "caller-id-1")])
            first_good = c.get(path, headers=[("Authorization", f"Bearer {key}"), ("Authorization", "Bearer nothing")])
            first_bad = c.get(path, headers=[("Authorization", "Bearer nothing"), ("Authorization", f"Bearer {key}")])
        assert given.status_code == 200 and given.headers["x-request-id"] == "caller-id-1"
        assert (first_good.status_code, first_bad.status_code) == (200, 401)


def test_only_one_template_is_matched():
    direct = DirectGets(ROUTES, LITESTAR_PATHS)
    route, params = direct.match("/nodes/abc")
    assert (route.path, params) == ("/nodes/{node_id}", {"node_id": "abc"})
    assert direct.match("/nodes/abc/") is None      # Litestar forgives the slash; it decides
    assert direct.match("/nodes//") is None         # an empty id is not a parameter
    assert direct.match("/nodes") is None
    assert direct.match("/no-such-route/x") is None
    assert direct.match("") is None
    route, params = direct.match("/tools/name/x")
    assert route.path == "/tools/name/{tool_name}" and params == {"tool_name": "x"}
    assert direct.match("/artifacts/batch") is None  # a POST route's static path beats {artifact_id}
    assert direct.match("/health") is None and direct.match("/assets/x") is None  # Litestar's own handlers
    assert all(r is None or r.method == "GET" for rows in direct.table.values() for *_, r in rows)
