"""HTTP: the service routes (/, /health, /ready, /stats/summary, /metrics), the OpenAPI document and the docs pages."""

import re
import time
import uuid
from datetime import datetime

import httpx
import requests

from conftest import ROOT, problem, running_gateway
from gateway.routes import ROUTES


def plan():
    """(changes, tags) of sqitch.plan, in order."""
    changes, tags = [], []
    for line in (ROOT / "sqitch.plan").read_text().splitlines():
        if not line.strip() or line.startswith(("%", "#")):
            continue
        (tags if line.startswith("@") else changes).append(line.split()[0])
    return changes, tags


def stats(http):
    response = http.get("/stats/summary")
    assert response.status_code == 200, response.text
    return response.json()


# --- /, /health --------------------------------------------------------------------------

def test_service_info(http):
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    info = response.json()
    changes, tags = plan()
    assert info["name"] == "AI Orchestrator"
    assert info["version"] == (tags[-1].lstrip("@v") if tags else "unreleased")
    assert info["schema_version"] == changes[-1]
    assert datetime.fromisoformat(info["deployed_at"])
    assert (info["docs"], info["redoc"], info["openapi"]) == ("/docs", "/redoc", "/openapi.json")
    for link in ("docs", "redoc", "openapi"):
        assert http.get(info[link]).status_code == 200, link


def test_health_is_liveness(anon):
    """GET /health: the process answers, without credentials and without the database."""
    response = anon.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready(anon):
    """GET /ready: readiness, the database reachable and the schema deployed."""
    response = anon.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["schema_version"] == plan()[0][-1]
    assert datetime.fromisoformat(body["database_time"])


def test_service_routes_take_no_parameters(http):
    problem(http.get("/ready", params={"verbose": 1}), 422, None, "verbose")
    problem(http.get("/stats/summary", params={"since": "today"}), 422, None, "since")


# --- /stats/summary ----------------------------------------------------------------------

def test_stats_summary_shape(http):
    s = stats(http)
    for key in ("total_nodes", "total_tools", "total_artifacts", "total_artifact_bytes", "total_tags"):
        assert isinstance(s[key], int) and s[key] >= 0, key
    assert set(s["nodes_by_status"]) == {"ACTIVE", "INACTIVE", "MAINTENANCE", "ERROR"}
    assert set(s["tools_by_status"]) == {"ACTIVE", "INACTIVE", "DEPRECATED"}
    assert sum(s["nodes_by_status"].values()) == s["total_nodes"]
    assert sum(s["tools_by_status"].values()) == s["total_tools"]
    assert s["estimated"] == []  # small tables are counted exactly


def test_stats_summary_estimates_large_tables(http, db):
    """Above the threshold the figures come from the planner's statistics and say so."""
    # Rows of every kind first, whatever ran before: the threshold below is one row.
    node = http.post("/nodes/", json={"node_type": "TOOL_EXECUTOR", "address": "http://10.4.0.2:8080"}).json()
    for _ in range(2):
        tool = http.post("/tools/", json={"name": f"estimated-{uuid.uuid4().hex[:12]}", "version": "1.0.0",
                                          "category": "NLP", "tags": ["a", "b"], "target_node_id": node["node_id"]})
        assert tool.status_code == 201, tool.text
        artifact = http.post("/artifacts/", json={"name": "x", "uri": "s3://b/estimated", "tool_id": tool.json()["tool_id"]})
        assert artifact.status_code == 201, artifact.text
    db.execute("ANALYZE orchestrator.nodes, orchestrator.tools, orchestrator.tool_tags, orchestrator.artifacts")
    db.execute("UPDATE orchestrator.settings SET value = '1' WHERE name = 'stats_exact_below_rows'")
    try:
        s = stats(http)
    finally:
        db.execute("UPDATE orchestrator.settings SET value = '100000' WHERE name = 'stats_exact_below_rows'")
    assert {"total_tools", "tools_by_status", "total_artifacts", "total_tags"} <= set(s["estimated"])
    exact = db.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = 'orchestrator.tools'::regclass").fetchone()[0]
    assert s["total_tools"] == exact


def test_stats_summary_counts_move(http):
    before = stats(http)
    node = http.post("/nodes/", json={"node_type": "TOOL_EXECUTOR", "address": "http://10.4.0.1:8080",
                                      "status": "MAINTENANCE"}).json()
    tool = http.post("/tools/", json={"name": f"stats-{uuid.uuid4().hex[:12]}", "version": "1.0.0",
                                      "category": "NLP", "status": "DEPRECATED", "tags": ["a", "b"],
                                      "target_node_id": node["node_id"]}).json()
    artifacts = [http.post("/artifacts/", json={"name": "x", "uri": f"s3://b/{i}", "tool_id": tool["tool_id"],
                                                "size_bytes": size}).json() for i, size in enumerate((1234, 5 * 2**40))]
    after = stats(http)

    assert after["total_nodes"] - before["total_nodes"] == 1
    assert after["nodes_by_status"]["MAINTENANCE"] - before["nodes_by_status"]["MAINTENANCE"] == 1
    assert after["nodes_by_status"]["ACTIVE"] == before["nodes_by_status"]["ACTIVE"]
    assert after["total_tools"] - before["total_tools"] == 1
    assert after["tools_by_status"]["DEPRECATED"] - before["tools_by_status"]["DEPRECATED"] == 1
    assert after["tools_by_status"]["ACTIVE"] == before["tools_by_status"]["ACTIVE"]
    assert after["total_tags"] - before["total_tags"] == 2
    assert after["total_artifacts"] - before["total_artifacts"] == 2
    assert after["total_artifact_bytes"] - before["total_artifact_bytes"] == 1234 + 5 * 2**40

    assert http.put(f"/tools/{tool['tool_id']}", json={"status": "ACTIVE"}).status_code == 200
    assert http.delete(f"/artifacts/{artifacts[1]['artifact_id']}").status_code == 204
    moved = stats(http)
    assert moved["tools_by_status"]["DEPRECATED"] == before["tools_by_status"]["DEPRECATED"]
    assert moved["tools_by_status"]["ACTIVE"] - before["tools_by_status"]["ACTIVE"] == 1
    assert moved["total_artifact_bytes"] - before["total_artifact_bytes"] == 1234

    # an artifact before its tool: a tool with artifacts is not deleted
    for path in (f"/artifacts/{artifacts[0]['artifact_id']}", f"/tools/{tool['tool_id']}", f"/nodes/{node['node_id']}"):
        assert http.delete(path).status_code == 204, path
    final = stats(http)
    for key in ("total_nodes", "total_tools", "total_artifacts", "total_artifact_bytes", "total_tags",
                "nodes_by_status", "tools_by_status"):
        assert final[key] == before[key], key


# --- OpenAPI and docs ----------------------------------------------------------------------

def openapi(http):
    """The document, with its shared shapes written in place (Problem and the recursive JsonValue
    stay references)."""
    response = http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    doc = response.json()
    schemas = doc["components"]["schemas"]

    def inline(value):
        if isinstance(value, dict):
            name = value.get("$ref", "").removeprefix("#/components/schemas/")
            if name in schemas and name not in ("Problem", "JsonValue"):
                return inline(schemas[name])
            return {k: inline(v) for k, v in value.items()}
        return [inline(v) for v in value] if isinstance(value, list) else value

    return {**doc, "paths": inline(doc["paths"])}


def test_openapi_documents_every_route(http):
    doc = openapi(http)
    assert re.fullmatch(r"3\.1\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    assert set(doc["paths"]) == {r.path for r in ROUTES} | {"/health"}  # /health: the gateway's own
    problem_schema = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code", "field"} <= set(problem_schema["properties"])

    operation_ids = []
    for r in ROUTES:
        op = doc["paths"][r.path].get(r.method.lower())
        assert op is not None, (r.method, r.path)
        operation_ids.append(op["operationId"])
        assert op["operationId"] == r.function and op["summary"] and op["tags"] == [r.tag]

        responses = op["responses"]
        assert str(r.status) in responses, (r.path, list(responses))
        if r.status != 204:
            assert "application/json" in responses[str(r.status)]["content"], r.path
        for code in ("422", "503"):
            assert responses[code]["content"]["application/problem+json"]["schema"] == \
                {"$ref": "#/components/schemas/Problem"}, (r.path, code)

        path_params = re.findall(r"{(\w+)}", r.path)
        documented = {p["name"]: p for p in op["parameters"] if p["in"] == "path"}
        assert set(documented) == set(path_params), r.path
        assert all(p["required"] is True and p["schema"] is not None for p in documented.values())
    assert len(operation_ids) == len(set(operation_ids))


def test_openapi_describes_parameters_and_bodies(http):
    paths = openapi(http)["paths"]
    assert paths["/tools/{tool_id}"]["get"]["parameters"] == [
        {"name": "tool_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]

    create = paths["/tools/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(create["required"]) == {"name", "version", "category"}
    assert create["properties"]["tags"]["type"] == ["array", "null"]
    assert create["additionalProperties"] is False

    artifact = paths["/artifacts/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(artifact["required"]) == {"name", "uri"}
    # null only where the argument's default is NULL: size_bytes defaults to 0, checksum to NULL
    assert artifact["properties"]["size_bytes"]["type"] == "integer"
    assert artifact["properties"]["checksum_sha256"]["type"] == ["string", "null"]

    query = {p["name"]: p for p in paths["/tools/"]["get"]["parameters"]}
    assert set(query) == {"category", "status", "target_node_id", "name", "limit", "cursor"}
    assert all(p["in"] == "query" and p["required"] is False for p in query.values())
    assert "Link" in paths["/tools/"]["get"]["responses"]["200"]["headers"]

    large = {p["name"] for p in paths["/artifacts/large/"]["get"]["parameters"]}
    assert large == {"min_size", "limit", "cursor"}
    assert "requestBody" in paths["/tools/{tool_id}"]["put"]
    assert "requestBody" not in paths["/tools/{tool_id}/tags/{tag_name}"]["post"]
    assert paths["/tools/{tool_id}"]["delete"]["responses"]["204"] == {"description": "done"}


def test_openapi_says_what_functions_check_in_their_bodies(http):
    paths = openapi(http)["paths"]
    query = {p["name"]: p["schema"] for p in paths["/tools/"]["get"]["parameters"]}
    assert (query["limit"]["minimum"], query["limit"]["maximum"]) == (1, 1000)
    assert query["cursor"]["pattern"] == "^[A-Za-z0-9_-]+$"
    assert query["status"]["enum"] == ["ACTIVE", "INACTIVE", "DEPRECATED"]  # inlined orchestrator.tool_statuses()
    slow = {p["name"]: p["schema"] for p in paths["/monitoring/db/slow-statements"]["get"]["parameters"]}
    assert (slow["limit"]["minimum"], slow["limit"]["maximum"]) == (1, 100)
    create = paths["/tools/"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert create["version"]["pattern"].startswith("^(0|[1-9][0-9]*)\\.")  # inlined orchestrator.is_semver()
    patch = paths["/nodes/{node_id}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert patch["additionalProperties"] is False and patch["required"] == []
    assert set(patch["properties"]) == {"node_type", "address", "name", "status", "labels", "metadata"}
    if_match = {p["name"]: p for p in paths["/nodes/{node_id}"]["put"]["parameters"]}["If-Match"]
    assert if_match["in"] == "header" and if_match["schema"]["pattern"]
    # What no schema can say is said in words, and marked for tools.
    assert paths["/tools/"]["get"]["x-valid-input-may-get-422"] is True
    assert "did not issue" in paths["/tools/"]["get"]["responses"]["422"]["description"]
    assert "x-valid-input-may-get-422" not in paths["/nodes/"]["post"]
    # A tool's schemas: any JSON object fits the document, the registration check says more.
    assert "not fit for a tool" in paths["/tools/"]["post"]["responses"]["422"]["description"]
    validate = paths["/tools/{tool_id}/validate"]["post"]
    assert validate["x-valid-input-may-get-422"] is True
    assert set(validate["requestBody"]["content"]["application/json"]["schema"]["properties"]) == {"input", "output"}
    assert set(validate["responses"]["200"]["content"]["application/json"]["schema"]["properties"]) == {"valid", "errors"}


def test_values_the_document_allows_are_taken(http):
    # JSON has one kind of number: 3.0 is the integer 3, in a body and in a batch.
    purged = http.post("/maintenance/purge-idempotency-keys", json={"older_than_hours": 24.0})
    assert purged.status_code == 200, purged.text
    batch = http.post("/artifacts/batch", json={"artifacts": [{"name": "n", "uri": "s3://b/n", "size_bytes": 3.0}]})
    assert batch.status_code == 201 and batch.json()[0]["size_bytes"] == 3, batch.text
    # A value the document refuses is refused, by name: null for a field whose default is a value,
    # NUL in JSON (jsonb cannot hold it).
    problem(http.post("/artifacts/", json={"name": "n", "uri": "s3://b/n", "size_bytes": None}), 422, "23502", "size_bytes")
    problem(http.post("/artifacts/", json={"name": "n", "uri": "s3://b/n", "metadata": {"k": "a\u0000b"}}), 422, None, "metadata")
    # Without credentials, 401 comes first, whatever else is wrong.
    with httpx.Client(base_url=str(http.base_url)) as anon:
        problem(anon.delete(f"/nodes/{uuid.uuid4()}", headers={"If-Match": "yesterday"}), 401)


def test_docs_pages_serve_html(http):
    for path in ("/docs", "/redoc"):
        response = http.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert "<html" in response.text and '"openapi.json"' in response.text  # relative to the page


# --- the product's "done when" -------------------------------------------------------------

def test_done_when_script(gateway_url, api_keys):
    """With `requests`: create a TOOL_EXECUTOR node, a tool targeting it, then read the totals.
    Since every request is authenticated, the script sends a writer's API key."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api_keys['writer']}"
    before = session.get(f"{gateway_url}/stats/summary", timeout=10).json()

    node = session.post(f"{gateway_url}/nodes/", json={"node_type": "TOOL_EXECUTOR",
                                                       "address": "http://10.0.0.5:8080"}, timeout=10)
    assert node.status_code == 201, node.text
    node_id = node.json()["node_id"]
    tool = session.post(f"{gateway_url}/tools/", json={
        "name": f"text-summarizer-{uuid.uuid4().hex[:8]}", "version": "1.0.0", "category": "NLP",
        "input_schema": {"type": "object", "properties": {"text": {"type": "string"}}},
        "target_node_id": node_id}, timeout=10)
    assert tool.status_code == 201, tool.text
    assert tool.json()["target_node_id"] == node_id

    summary = session.get(f"{gateway_url}/stats/summary", timeout=10)
    assert summary.status_code == 200
    totals = summary.json()
    total_nodes, total_tools, total_artifacts = totals["total_nodes"], totals["total_tools"], totals["total_artifacts"]
    assert total_nodes - before["total_nodes"] == 1
    assert total_tools - before["total_tools"] == 1
    assert total_artifacts == before["total_artifacts"]


def test_metrics(anon, http):
    http.get("/nodes/", params={"limit": 1})
    http.get("/nodes/not-a-uuid")
    body = anon.get("/metrics")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/plain")
    text = body.text
    assert 'aio_http_requests_total{method="GET",route="/nodes/",status="200"}' in text
    assert 'aio_http_request_duration_seconds_bucket{le="0.005",route="/nodes/"}' in text
    assert 'aio_db_errors_total{sqlstate_class="22"}' in text
    assert 'aio_db_pool_connections{state="size"}' in text and 'aio_db_pool_connections{state="waiting"}' in text


def test_request_id_is_echoed_or_made(anon):
    assert anon.get("/ready", headers={"X-Request-ID": "trace-123"}).headers["x-request-id"] == "trace-123"
    assert len(anon.get("/ready").headers["x-request-id"]) == 36


def test_metrics_add_up_every_worker(db_url, api_keys):
    """With AIO_WORKERS=2 each process counts its own requests; /metrics shows the sum."""
    with running_gateway(db_url, "gateway-workers", AIO_WORKERS="2", AIO_POOL_MIN="1", AIO_POOL_MAX="3") as base:
        auth = {"Authorization": f"Bearer {api_keys['reader']}"}
        for _ in range(40):  # one connection each: they land on either worker
            assert requests.get(f"{base}/nodes/", params={"limit": 1}, headers=auth).status_code == 200
        time.sleep(1.5)  # each worker refreshes its pool gauges every second
        text = requests.get(f"{base}/metrics").text
    count = re.search(r'aio_http_requests_total\{method="GET",route="/nodes/",status="200"\} (\S+)', text)
    assert count and float(count[1]) == 40, text
    size = re.search(r'aio_db_pool_connections\{state="size"\} (\S+)', text)
    assert size and float(size[1]) >= 2, text  # both workers' pools, at least one connection each
    maximum = re.search(r'aio_db_pool_connections\{state="max"\} (\S+)', text)
    assert maximum and float(maximum[1]) == 6, text
