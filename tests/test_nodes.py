"""HTTP: /nodes routes against the real gateway and PostgreSQL."""

import uuid

from conftest import new_node, problem


def test_create_get_update_delete(http):
    node = new_node(http, name=f"n-{uuid.uuid4()}", labels={"zone": "eu-1"})
    assert uuid.UUID(node["node_id"]) and node["status"] == "ACTIVE" and node["labels"] == {"zone": "eu-1"}
    assert http.get(f"/nodes/{node['node_id']}").json() == node

    updated = http.put(f"/nodes/{node['node_id']}", json={"status": "MAINTENANCE", "name": None})
    assert updated.status_code == 200
    assert updated.json()["status"] == "MAINTENANCE" and updated.json()["name"] is None
    assert updated.json()["labels"] == {"zone": "eu-1"}

    deleted = http.delete(f"/nodes/{node['node_id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    problem(http.get(f"/nodes/{node['node_id']}"), 404, "P0002", "node_id")
    problem(http.delete(f"/nodes/{node['node_id']}"), 404, "P0002")


def test_trailing_slash_is_optional(http):
    node = new_node(http)
    assert http.get("/nodes").status_code == 200
    assert http.get(f"/nodes/{node['node_id']}/").status_code == 200


def test_lists_and_filters(http):
    kind = "LIST_" + uuid.uuid4().hex[:8].upper()
    ids = {new_node(http, node_type=kind)["node_id"] for _ in range(3)}
    new_node(http, node_type=kind, status="INACTIVE")
    by_type = http.get(f"/nodes/type/{kind}").json()
    assert len(by_type) == 4
    assert {n["node_id"] for n in http.get("/nodes/", params={"node_type": kind, "status": "ACTIVE"}).json()} == ids
    assert all(n["status"] == "ACTIVE" for n in http.get("/nodes/active/", params={"limit": 1000}).json())


def test_pagination_walks_every_node_once(http):
    kind = "PAGE_" + uuid.uuid4().hex[:8].upper()
    created = {new_node(http, node_type=kind)["node_id"] for _ in range(7)}
    seen, url, pages = [], f"/nodes/?node_type={kind}&limit=3", 0
    while url:
        response = http.get(url)
        assert response.status_code == 200
        seen += [n["node_id"] for n in response.json()]
        link = response.headers.get("link")
        url = link[link.index("<") + 1 : link.index(">")] if link else None
        pages += 1
    assert pages == 3 and len(seen) == 7 and set(seen) == created


def test_errors(http):
    problem(http.get("/nodes/not-a-uuid"), 422, "22P02", "node_id")
    problem(http.get(f"/nodes/{uuid.uuid4()}"), 404, "P0002", "node_id")
    problem(http.post("/nodes/", json={"node_type": "bad type", "address": "http://a"}), 422, "23514", "node_type")
    problem(http.post("/nodes/", json={"node_type": "X", "address": "ftp://a"}), 422, "23514", "address")
    problem(http.post("/nodes/", json={"node_type": "X", "address": "http://a", "status": "DEAD"}), 422, "23514", "status")
    problem(http.post("/nodes/", json={"node_type": "X", "address": "http://a", "labels": []}), 422, "23514", "labels")
    problem(http.post("/nodes/", json={"node_type": "X", "address": "http://a", "labels": {"k": 1}}), 422, "23514", "labels")
    problem(http.post("/nodes/", json={"address": "http://a"}), 422, None, "node_type")
    problem(http.post("/nodes/", json={"node_type": "X", "address": "http://a", "colour": "red"}), 422, None, "colour")
    problem(http.post("/nodes/", json={"node_type": 5, "address": "http://a"}), 422, None, "node_type")
    problem(http.post("/nodes/", json=[1, 2]), 422)
    problem(http.post("/nodes/", content=b"{not json", headers={"content-type": "application/json"}), 400)
    problem(http.post("/nodes/", content=b"a=b", headers={"content-type": "text/plain"}), 415)
    problem(http.post("/nodes/", content=b'{"x": "' + b"a" * 70000 + b'"}', headers={"content-type": "application/json"}), 413)
    problem(http.get("/nodes/", params={"limit": 0}), 422, "22023", "limit")
    problem(http.get("/nodes/", params={"limit": "many"}), 422, "22P02", "limit")
    problem(http.get("/nodes/", params={"cursor": "zzz"}), 422, "22023", "cursor")
    problem(http.get("/nodes/", params={"status": "DEAD"}), 422, "22023", "status")
    problem(http.get("/nodes/", params={"colour": "red"}), 422, None, "colour")


def test_duplicate_name_conflicts(http):
    name = f"dup-{uuid.uuid4()}"
    new_node(http, name=name)
    body = problem(http.post("/nodes/", json={"node_type": "X", "address": "http://a", "name": name}), 409, "23505", "name")
    assert name in body["conflict"]


def test_partial_update_errors(http):
    node = new_node(http)
    path = f"/nodes/{node['node_id']}"
    problem(http.put(path, json={"colour": "red"}), 422, "22023", "colour")
    problem(http.put(path, json={"address": None}), 422, "23502", "address")
    problem(http.put(path, json={"labels": "x"}), 422, "22023", "labels")
    problem(http.put(path, json=[]), 422)
    problem(http.put(f"/nodes/{uuid.uuid4()}", json={}), 404, "P0002")


def test_unknown_route_is_a_problem(http):
    problem(http.get("/no/such/route"), 404)
    problem(http.patch("/nodes/"), 405)
