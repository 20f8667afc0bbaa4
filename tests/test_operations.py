"""HTTP: heartbeats, /queries, /maintenance and /monitoring routes against the real gateway and PostgreSQL.

Other tests leave data behind, so every test makes its own names (uuid) and looks only at its own
rows, or compares counts before and after.
"""

import hashlib
import json
import uuid
from urllib.parse import quote

import psycopg

from conftest import TEST_DB, new_artifact, new_node, new_tool, problem, url_for
from conftest import walk as walk_pages

CHECKS = [
    "orphaned_artifacts", "active_tools_without_node", "active_tools_on_unavailable_nodes", "duplicate_checksums",
    "nodes_never_seen", "stale_nodes", "schemas_not_objects", "schemas_without_type", "tools_with_invalid_schemas",
    "artifacts_on_unknown_node",
    "artifacts_from_the_future", "heartbeats_from_the_future", "deprecated_tools_still_targeted", "invalid_indexes",
]


def unique(prefix: str = "ops") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def unique_category() -> str:
    return "OPS_" + uuid.uuid4().hex[:12].upper()


def beat(http, node_id: str, **body) -> dict:
    response = http.post(f"/nodes/{node_id}/heartbeat", json=body) if body else http.post(f"/nodes/{node_id}/heartbeat")
    assert response.status_code == 200, response.text
    return response.json()


def set_last_heartbeat(db, node_id: str, seconds_ago: int) -> None:
    """A beat of the past, written by hand: over HTTP only a beat sets the time, and it is now."""
    db.execute("INSERT INTO orchestrator.node_heartbeats (node_id, last_heartbeat_at) VALUES (%s, now() - make_interval(secs => %s))"
               " ON CONFLICT (node_id) DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at", (node_id, seconds_ago))


def orphan(http, **artifact_fields) -> dict:
    """An artifact whose tool a DBA deleted in psql (the api refuses to delete a tool with artifacts)."""
    tool = new_tool(http)
    artifact = new_artifact(http, tool_id=tool["tool_id"], **artifact_fields)
    with psycopg.connect(url_for(TEST_DB), autocommit=True) as conn:
        conn.execute("DELETE FROM orchestrator.tools WHERE tool_id = %s", (tool["tool_id"],))
    return artifact


def test_the_cleanup_takes_orphans_only(http):
    # An artifact recorded without a tool was named by nobody for deletion: it is no orphan.
    kept = new_artifact(http)
    gone = orphan(http)
    run = http.post("/maintenance/cleanup-orphaned-artifacts", json={"dry_run": False, "older_than_days": 0})
    assert run.status_code == 200, run.text
    assert gone["artifact_id"] in run.json()["artifact_ids"] and kept["artifact_id"] not in run.json()["artifact_ids"]
    assert http.get(f"/artifacts/{kept['artifact_id']}").status_code == 200


def walk(http, path: str, **params) -> list:
    """Every item of a paged list, 1,000 a page."""
    return walk_pages(http, path, limit=1000, **params)[0]


def by_id(items: list, key: str) -> dict:
    return {item[key]: item for item in items}


# --- POST /nodes/{node_id}/heartbeat ---------------------------------------------------------------


def test_heartbeat_creates_then_counts(http):
    node = new_node(http)
    first = beat(http, node["node_id"])
    assert first["node_id"] == node["node_id"]
    assert (first["status"], first["health"], first["beat_count"], first["load"]) == ("ACTIVE", "HEALTHY", 1, {})
    assert first["last_heartbeat_at"]

    second = beat(http, node["node_id"], load={"cpu": 0.42, "running_jobs": 3})
    assert second["beat_count"] == 2 and second["load"] == {"cpu": 0.42, "running_jobs": 3}
    assert second["last_heartbeat_at"] >= first["last_heartbeat_at"]
    assert http.get(f"/nodes/{node['node_id']}").json()["last_heartbeat_at"] == second["last_heartbeat_at"]


def test_heartbeat_changes_status_only_when_given(http):
    node = new_node(http)
    changed = beat(http, node["node_id"], status="MAINTENANCE")
    assert (changed["status"], changed["health"]) == ("MAINTENANCE", "MAINTENANCE")
    assert http.get(f"/nodes/{node['node_id']}").json()["status"] == "MAINTENANCE"

    kept = beat(http, node["node_id"], load={"cpu": 0.1})
    assert (kept["status"], kept["health"], kept["beat_count"]) == ("MAINTENANCE", "MAINTENANCE", 2)

    back = beat(http, node["node_id"], status="ACTIVE")
    assert (back["status"], back["health"]) == ("ACTIVE", "HEALTHY")
    error = beat(http, node["node_id"], status="ERROR")
    assert (error["status"], error["health"]) == ("ERROR", "DOWN")


def test_heartbeat_errors(http):
    node = new_node(http)
    path = f"/nodes/{node['node_id']}/heartbeat"
    problem(http.post(f"/nodes/{uuid.uuid4()}/heartbeat"), 404, "P0002", "node_id")
    problem(http.post("/nodes/not-a-uuid/heartbeat"), 422, "22P02", "node_id")
    problem(http.post(path, json={"load": [1, 2]}), 422, "23514", "load")
    problem(http.post(path, json={"load": {"blob": "x" * 5000}}), 422, "23514", "load")
    problem(http.post(path, json={"status": "DEAD"}), 422, "22023", "status")
    problem(http.post(path, json={"colour": "red"}), 422, None, "colour")
    assert beat(http, node["node_id"])["beat_count"] == 1, "failed beats count for nothing"


def test_heartbeat_time_is_set_by_heartbeats_only(http):
    node = new_node(http)
    for value in ("infinity", "2999-01-01T00:00:00Z", None):
        problem(http.put(f"/nodes/{node['node_id']}", json={"last_heartbeat_at": value}), 422, "22023", "last_heartbeat_at")
    assert http.get(f"/nodes/{node['node_id']}").json()["last_heartbeat_at"] is None
    assert http.get("/queries/node-health-status").status_code == 200
    assert http.get("/monitoring/data-integrity").status_code == 200


# --- /queries ----------------------------------------------------------------------------------------


def health_nodes(http, db) -> dict:
    """One node per derived health, keyed by the health it must have at the default thresholds."""
    nodes = {
        "HEALTHY": new_node(http),
        "STALE": new_node(http),
        "DOWN": new_node(http),
        "MAINTENANCE": new_node(http, status="MAINTENANCE"),
        "INACTIVE": new_node(http, status="INACTIVE"),
        "UNKNOWN": new_node(http),
        "ERROR": new_node(http, status="ERROR"),
    }
    beat(http, nodes["HEALTHY"]["node_id"])
    beat(http, nodes["ERROR"]["node_id"])
    set_last_heartbeat(db, nodes["STALE"]["node_id"], 60)
    set_last_heartbeat(db, nodes["DOWN"]["node_id"], 300)
    return {key: node["node_id"] for key, node in nodes.items()}


def test_node_health_status_derives_every_health(http, db):
    ids = health_nodes(http, db)
    tool = new_tool(http, target_node_id=ids["HEALTHY"])
    rows = by_id(walk(http, "/queries/node-health-status"), "node_id")
    expected = {"HEALTHY": "HEALTHY", "STALE": "STALE", "DOWN": "DOWN", "MAINTENANCE": "MAINTENANCE",
                "INACTIVE": "INACTIVE", "UNKNOWN": "UNKNOWN", "ERROR": "DOWN"}
    assert {key: rows[node_id]["health"] for key, node_id in ids.items()} == expected
    assert rows[ids["HEALTHY"]]["tool_count"] == 1 and rows[ids["UNKNOWN"]]["tool_count"] == 0
    assert 59 <= rows[ids["STALE"]]["seconds_since_heartbeat"] < 90
    assert rows[ids["UNKNOWN"]]["seconds_since_heartbeat"] is None
    assert tool["target_node_id"] == ids["HEALTHY"]

    # the thresholds are parameters
    lenient = by_id(walk(http, "/queries/node-health-status", stale_after_seconds=100, down_after_seconds=400), "node_id")
    assert lenient[ids["STALE"]]["health"] == "HEALTHY" and lenient[ids["DOWN"]]["health"] == "STALE"

    # and health filters
    stale = {row["node_id"] for row in walk(http, "/queries/node-health-status", health="STALE")}
    assert ids["STALE"] in stale and not stale & {ids["HEALTHY"], ids["DOWN"], ids["UNKNOWN"]}
    down = {row["node_id"] for row in walk(http, "/queries/node-health-status", health="DOWN")}
    assert {ids["DOWN"], ids["ERROR"]} <= down and ids["STALE"] not in down


def test_node_health_status_errors(http):
    path = "/queries/node-health-status"
    problem(http.get(path, params={"health": "SICK"}), 422, "22023", "health")
    problem(http.get(path, params={"stale_after_seconds": 60, "down_after_seconds": 30}), 422, "22023", "down_after_seconds")
    problem(http.get(path, params={"stale_after_seconds": 0}), 422, "22023", "stale_after_seconds")
    problem(http.get(path, params={"limit": 0}), 422, "22023", "limit")
    problem(http.get(path, params={"cursor": "zzz"}), 422, "22023", "cursor")


def test_active_tools_with_nodes(http, db):
    ids = health_nodes(http, db)
    on_healthy = new_tool(http, target_node_id=ids["HEALTHY"], tags=["fast", "nlp"])
    on_down = new_tool(http, target_node_id=ids["DOWN"])
    without_node = new_tool(http)
    inactive = new_tool(http, target_node_id=ids["HEALTHY"], status="INACTIVE")

    rows = by_id(walk(http, "/queries/active-tools-with-nodes"), "tool_id")
    assert inactive["tool_id"] not in rows
    assert all(row["node"] is None or row["node"]["health"] for row in rows.values())
    nested = rows[on_healthy["tool_id"]]
    assert nested["name"] == on_healthy["name"] and nested["tags"] == ["fast", "nlp"]
    assert nested["node"]["node_id"] == ids["HEALTHY"]
    assert (nested["node"]["status"], nested["node"]["health"]) == ("ACTIVE", "HEALTHY")
    assert set(nested["node"]) == {"node_id", "name", "node_type", "address", "status", "health", "last_heartbeat_at"}
    assert rows[on_down["tool_id"]]["node"]["health"] == "DOWN"
    assert rows[without_node["tool_id"]]["node"] is None

    lenient = by_id(walk(http, "/queries/active-tools-with-nodes", stale_after_seconds=100, down_after_seconds=400), "tool_id")
    assert lenient[on_down["tool_id"]]["node"]["health"] == "STALE"


def test_active_tools_with_nodes_errors(http):
    path = "/queries/active-tools-with-nodes"
    problem(http.get(path, params={"stale_after_seconds": 60, "down_after_seconds": 59}), 422, "22023", "down_after_seconds")
    problem(http.get(path, params={"limit": 1001}), 422, "22023", "limit")
    problem(http.get(path, params={"stale_after_seconds": "soon"}), 422, "22P02", "stale_after_seconds")


def test_tools_by_category_with_tags(http):
    category = unique_category()
    name = unique("tool")
    newer = new_tool(http, name=name, version="1.10.0", category=category, tags=["nlp"])
    older = new_tool(http, name=name, version="1.9.0", category=category, tags=["nlp", "beta"], status="DEPRECATED")
    other = new_tool(http, category=category)

    response = http.get("/queries/tools-by-category-with-tags", params={"category": category})
    assert response.status_code == 200, response.text
    [row] = response.json()
    assert row["category"] == category and row["tool_count"] == 3
    tools = by_id(row["tools"], "tool_id")
    assert set(tools) == {newer["tool_id"], older["tool_id"], other["tool_id"]}
    assert tools[older["tool_id"]] == {"tool_id": older["tool_id"], "name": name, "version": "1.9.0",
                                       "status": "DEPRECATED", "tags": ["beta", "nlp"]}
    assert tools[other["tool_id"]]["tags"] == []
    versions = [t["version"] for t in row["tools"] if t["name"] == name]
    assert versions == ["1.10.0", "1.9.0"], "newest version first"

    [capped] = http.get("/queries/tools-by-category-with-tags", params={"category": category, "tools_per_category": 1}).json()
    assert capped["tool_count"] == 3 and len(capped["tools"]) == 1

    every = [r["category"] for r in walk(http, "/queries/tools-by-category-with-tags", tools_per_category=1)]
    assert category in every and every == sorted(every) and len(every) == len(set(every))


def test_tools_by_category_errors(http):
    path = "/queries/tools-by-category-with-tags"
    problem(http.get(path, params={"tools_per_category": 0}), 422, "22023", "tools_per_category")
    problem(http.get(path, params={"tools_per_category": 1001}), 422, "22023", "tools_per_category")
    problem(http.get(path, params={"cursor": "zzz"}), 422, "22023", "cursor")


def test_large_artifacts_by_tool(http):
    tool = new_tool(http)
    big = new_artifact(http, tool_id=tool["tool_id"], name="big.bin", size_bytes=5000)
    new_artifact(http, tool_id=tool["tool_id"], size_bytes=3000)
    new_artifact(http, tool_id=tool["tool_id"], size_bytes=10)
    orphan(http, size_bytes=10**12)

    rows = by_id(walk(http, "/queries/large-artifacts-by-tool", min_size=1000), "tool_id")
    mine = rows[tool["tool_id"]]
    assert (mine["tool_name"], mine["artifact_count"], mine["total_bytes"]) == (tool["name"], 2, 8000)
    assert (mine["largest_artifact_id"], mine["largest_artifact_name"], mine["largest_size_bytes"]) == (big["artifact_id"], "big.bin", 5000)
    totals = [row["total_bytes"] for row in rows.values()]
    assert totals == sorted(totals, reverse=True), "largest total first"

    everything = by_id(walk(http, "/queries/large-artifacts-by-tool", min_size=0), "tool_id")
    assert everything[tool["tool_id"]]["artifact_count"] == 3
    assert tool["tool_id"] not in by_id(walk(http, "/queries/large-artifacts-by-tool"), "tool_id"), "default is 100 MiB"


def test_large_artifacts_errors(http):
    path = "/queries/large-artifacts-by-tool"
    problem(http.get(path, params={"min_size": -1}), 422, "22023", "min_size")
    problem(http.get(path, params={"min_size": "big"}), 422, "22P02", "min_size")
    problem(http.get(path, params={"limit": 0}), 422, "22023", "limit")


def test_search_tools_by_schema(http):
    prop = "p_" + uuid.uuid4().hex[:12]
    reader = new_tool(http, input_schema={"type": "object", "properties": {prop: {"type": "string"}}})
    writer = new_tool(http, output_schema={"type": "object", "properties": {prop: {"type": "integer"}}})

    def found(url: str, **params) -> set:
        return {t["tool_id"] for t in walk(http, url, **params)}

    path = "/queries/search-tools-by-schema"
    assert found(path, property=prop) == {reader["tool_id"], writer["tool_id"]}
    assert found(path, property=prop, side="input") == {reader["tool_id"]}
    assert found(path, property=prop, side="output") == {writer["tool_id"]}

    # contains: a JSON object, URL-encoded in the query string
    fragment = json.dumps({"properties": {prop: {"type": "string"}}})
    response = http.get(f"{path}?contains={quote(fragment)}")
    assert response.status_code == 200, response.text
    assert [t["tool_id"] for t in response.json()] == [reader["tool_id"]]
    assert response.json()[0]["input_schema"]["properties"][prop] == {"type": "string"}
    assert found(path, contains=json.dumps({"properties": {prop: {}}}), side="output") == {writer["tool_id"]}
    assert found(path, contains=fragment, side="output") == set()
    assert found(path, contains=json.dumps({"type": "object"}), property=prop, side="input") == {reader["tool_id"]}


def test_search_tools_by_schema_errors(http):
    path = "/queries/search-tools-by-schema"
    problem(http.get(path), 422, "22023", "contains")
    problem(http.get(path, params={"contains": "[1, 2]"}), 422, "22023", "contains")
    problem(http.get(path, params={"contains": '"text"'}), 422, "22023", "contains")
    problem(http.get(path, params={"contains": "{not json"}), 422, "22P02")
    problem(http.get(path, params={"property": "text", "side": "both"}), 422, "22023", "side")
    problem(http.get(path, params={"property": "text", "limit": 0}), 422, "22023", "limit")


# --- /maintenance ------------------------------------------------------------------------------------


def test_cleanup_orphaned_artifacts(http):
    orphans = [orphan(http, size_bytes=100), orphan(http, size_bytes=250)]
    orphan_ids = {a["artifact_id"] for a in orphans}
    keeper = new_artifact(http, tool_id=new_tool(http)["tool_id"], size_bytes=1)
    path = "/maintenance/cleanup-orphaned-artifacts"

    # no body: a dry run at the default age (7 days): these new orphans are not even candidates
    response = http.post(path)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["dry_run"] is True and result["older_than"]
    assert not orphan_ids & set(result["artifact_ids"])
    for artifact in orphans:
        assert http.get(f"/artifacts/{artifact['artifact_id']}").status_code == 200

    # a dry run at age 0 reports them, and still deletes nothing
    dry = http.post(path, json={"older_than_days": 0, "batch_size": 10000}).json()
    assert dry["dry_run"] is True and orphan_ids <= set(dry["artifact_ids"]) and dry["bytes"] >= 350
    assert dry["artifacts"] == len(dry["artifact_ids"])
    for artifact in orphans:
        assert http.get(f"/artifacts/{artifact['artifact_id']}").status_code == 200

    # the real thing, one bounded batch at a time
    deleted: set = set()
    while True:
        response = http.post(path, json={"dry_run": False, "older_than_days": 0})
        assert response.status_code == 200, response.text
        run = response.json()
        assert run["dry_run"] is False and run["artifacts"] == len(run["artifact_ids"])
        deleted |= set(run["artifact_ids"])
        if run["remaining"] == 0:
            break
    assert orphan_ids <= deleted
    for artifact in orphans:
        problem(http.get(f"/artifacts/{artifact['artifact_id']}"), 404, "P0002")
    assert http.get(f"/artifacts/{keeper['artifact_id']}").status_code == 200, "an artifact with a tool survives"


def test_cleanup_batch_size_bounds_a_run(http):
    orphans = {orphan(http)["artifact_id"] for _ in range(3)}
    path = "/maintenance/cleanup-orphaned-artifacts"
    run = http.post(path, json={"dry_run": False, "older_than_days": 0, "batch_size": 1}).json()
    assert run["artifacts"] == 1 and run["remaining"] >= 2
    dry = http.post(path, json={"older_than_days": 0, "batch_size": 10000}).json()
    assert dry["remaining"] == 0 and dry["artifacts"] == run["remaining"]
    assert len(orphans - set(run["artifact_ids"]) - set(dry["artifact_ids"])) == 0


def test_cleanup_errors(http, db):
    path = "/maintenance/cleanup-orphaned-artifacts"
    problem(http.post(path, json={"older_than_days": -1}), 422, "22023", "older_than_days")
    problem(http.post(path, json={"batch_size": 0}), 422, "22023", "batch_size")
    problem(http.post(path, json={"batch_size": 10001}), 422, "22023", "batch_size")
    problem(http.post(path, json={"dry_run": None}), 422, "22023", "dry_run")
    problem(http.post(path, json={"dry_run": "no"}), 422, None, "dry_run")
    problem(http.post(path, json={"colour": "red"}), 422, None, "colour")
    # another cleanup is running: it holds the advisory lock
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(hashtext('orchestrator.cleanup_orphaned_artifacts'))")
        problem(http.post(path, json={"dry_run": False}), 409, "PT409")
        assert http.post(path).status_code == 200, "a dry run takes no lock"
    assert http.post(path, json={"dry_run": False, "older_than_days": 3650}).status_code == 200


def test_update_tool_status(http, db):
    healthy, down = new_node(http), new_node(http)
    beat(http, healthy["node_id"])
    set_last_heartbeat(db, down["node_id"], 300)
    on_down = new_tool(http, target_node_id=down["node_id"])
    without_node = new_tool(http)
    by_hand = new_tool(http, target_node_id=healthy["node_id"])
    fine = new_tool(http, target_node_id=healthy["node_id"])
    mine = {on_down["tool_id"], without_node["tool_id"], by_hand["tool_id"], fine["tool_id"]}
    path = "/maintenance/update-tool-status"

    def status(tool) -> str:
        return http.get(f"/tools/{tool['tool_id']}").json()["status"]

    # no body: a dry run
    response = http.post(path)
    assert response.status_code == 200, response.text
    changes = {c["tool_id"]: c for c in response.json() if c["tool_id"] in mine}
    assert set(changes) == {on_down["tool_id"], without_node["tool_id"]}
    assert changes[on_down["tool_id"]]["reason"].startswith("target node is DOWN (silent for ")
    assert changes[on_down["tool_id"]]["node_id"] == down["node_id"]
    assert changes[without_node["tool_id"]]["reason"] == "no target node"
    assert all(c["old_status"] == "ACTIVE" and c["new_status"] == "INACTIVE" and c["applied"] is False for c in changes.values())
    assert status(on_down) == "ACTIVE", "a dry run changes nothing"

    # someone switches a tool off by hand; then the rule runs for real
    assert http.put(f"/tools/{by_hand['tool_id']}", json={"status": "INACTIVE"}).status_code == 200
    applied = {c["tool_id"]: c for c in http.post(path, json={"dry_run": False}).json() if c["tool_id"] in mine}
    assert set(applied) == {on_down["tool_id"], without_node["tool_id"]}
    assert all(c["applied"] is True for c in applied.values())
    assert (status(on_down), status(without_node), status(by_hand), status(fine)) == ("INACTIVE", "INACTIVE", "INACTIVE", "ACTIVE")

    # the node beats again: the rule re-activates what it deactivated, never what was set by hand
    beat(http, down["node_id"])
    again = {c["tool_id"]: c for c in http.post(path, json={"dry_run": False}).json() if c["tool_id"] in mine}
    assert set(again) == {on_down["tool_id"]}
    assert (again[on_down["tool_id"]]["new_status"], again[on_down["tool_id"]]["reason"]) == ("ACTIVE", "target node is HEALTHY again")
    assert (status(on_down), status(without_node), status(by_hand), status(fine)) == ("ACTIVE", "INACTIVE", "INACTIVE", "ACTIVE")


def test_update_tool_status_errors(http, db):
    path = "/maintenance/update-tool-status"
    problem(http.post(path, json={"dry_run": None}), 422, "22023", "dry_run")
    problem(http.post(path, json={"stale_after_seconds": 60, "down_after_seconds": 30}), 422, "22023", "down_after_seconds")
    problem(http.post(path, json={"stale_after_seconds": 0}), 422, "22023", "stale_after_seconds")
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(hashtext('orchestrator.update_tool_status'))")
        problem(http.post(path, json={"dry_run": False}), 409, "PT409")
        assert http.post(path).status_code == 200, "a dry run takes no lock"


def test_tools_without_nodes(http):
    inactive_node = new_node(http, status="INACTIVE")
    active_node = new_node(http)
    without_node = new_tool(http)
    on_inactive = new_tool(http, target_node_id=inactive_node["node_id"], status="DEPRECATED")
    on_active = new_tool(http, target_node_id=active_node["node_id"])
    gone_node = new_node(http)
    orphaned = new_tool(http, target_node_id=gone_node["node_id"])
    assert http.delete(f"/nodes/{gone_node['node_id']}").status_code == 204

    rows = by_id(walk(http, "/maintenance/tools-without-nodes"), "tool_id")
    assert on_active["tool_id"] not in rows
    assert rows[without_node["tool_id"]]["problem"] == "no target node"
    assert rows[orphaned["tool_id"]]["problem"] == "no target node", "the node was deleted"
    mine = rows[on_inactive["tool_id"]]
    assert (mine["problem"], mine["node_status"], mine["target_node_id"], mine["status"]) == (
        "target node is INACTIVE", "INACTIVE", inactive_node["node_id"], "DEPRECATED")
    problem(http.get("/maintenance/tools-without-nodes", params={"limit": 0}), 422, "22023", "limit")
    problem(http.get("/maintenance/tools-without-nodes", params={"cursor": "zzz"}), 422, "22023", "cursor")


def test_refresh_reporting(http, db):
    category = unique_category()
    tool = new_tool(http, category=category)
    new_artifact(http, tool_id=tool["tool_id"], size_bytes=1234)
    new_artifact(http, tool_id=tool["tool_id"], size_bytes=766)
    query = "SELECT artifact_count, total_bytes FROM reporting.artifacts_by_day WHERE category = %s"
    assert db.execute(query, (category,)).fetchall() == [], "materialized: not there before a refresh"

    response = http.post("/maintenance/refresh-reporting")
    assert response.status_code == 200, response.text
    [refreshed] = response.json()
    assert refreshed["view_name"] == "reporting.artifacts_by_day" and refreshed["row_count"] >= 1 and refreshed["refreshed_at"]
    assert db.execute(query, (category,)).fetchall() == [(2, 2000)]


# --- /monitoring -------------------------------------------------------------------------------------


def test_storage_usage_by_category(http):
    def storage() -> dict:
        response = http.get("/monitoring/storage-usage-by-category")
        assert response.status_code == 200, response.text
        return by_id(response.json(), "category")

    before = storage()
    category = unique_category()
    tool = new_tool(http, category=category)
    new_artifact(http, tool_id=tool["tool_id"], size_bytes=100)
    new_artifact(http, tool_id=tool["tool_id"], size_bytes=300)
    orphan(http, size_bytes=50)
    after = storage()

    mine = after[category]
    assert (mine["artifact_count"], mine["total_bytes"], mine["average_bytes"], mine["largest_bytes"]) == (2, 400, 200, 300)
    assert 0 <= mine["share_of_bytes"] <= 1
    orphaned_before = before.get("orphaned", {"artifact_count": 0, "total_bytes": 0})
    assert after["orphaned"]["artifact_count"] == orphaned_before["artifact_count"] + 1
    assert after["orphaned"]["total_bytes"] == orphaned_before["total_bytes"] + 50
    assert abs(sum(row["share_of_bytes"] for row in after.values()) - 1) < 0.01
    totals = [row["total_bytes"] for row in http.get("/monitoring/storage-usage-by-category").json()]
    assert totals == sorted(totals, reverse=True)


def test_tool_usage_statistics(http):
    busy, idle = new_tool(http), new_tool(http)
    first = new_artifact(http, tool_id=busy["tool_id"], size_bytes=10)
    last = new_artifact(http, tool_id=busy["tool_id"], size_bytes=20)
    rows = by_id(walk(http, "/monitoring/tool-usage-statistics"), "tool_id")

    mine = rows[busy["tool_id"]]
    assert (mine["name"], mine["artifact_count"], mine["total_bytes"]) == (busy["name"], 2, 30)
    assert mine["first_artifact_at"] == first["created_at"] and mine["last_artifact_at"] == last["created_at"]
    assert 0 < mine["share_of_artifacts"] <= 1
    nothing = rows[idle["tool_id"]]
    assert (nothing["artifact_count"], nothing["total_bytes"], nothing["share_of_artifacts"]) == (0, 0, 0)
    assert nothing["first_artifact_at"] is None and nothing["last_artifact_at"] is None
    problem(http.get("/monitoring/tool-usage-statistics", params={"cursor": "zzz"}), 422, "22023", "cursor")
    problem(http.get("/monitoring/tool-usage-statistics", params={"limit": 1001}), 422, "22023", "limit")


def test_data_integrity(http):
    def checks() -> dict:
        response = http.get("/monitoring/data-integrity")
        assert response.status_code == 200, response.text
        return by_id(response.json(), "check_name")

    before = checks()
    assert list(before) == CHECKS
    assert all(c["status"] in ("ok", "warn", "fail") and c["description"] for c in before.values())
    assert all((c["status"] == "ok") == (c["problems"] == 0) for c in before.values())

    orphan(http)
    checksum = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    tool = new_tool(http)
    new_artifact(http, tool_id=tool["tool_id"], checksum_sha256=checksum)
    new_artifact(http, tool_id=tool["tool_id"], checksum_sha256=checksum)
    new_node(http)  # ACTIVE, never beats
    after = checks()

    for name in ("orphaned_artifacts", "duplicate_checksums", "nodes_never_seen"):
        assert after[name]["problems"] == before[name]["problems"] + 1, name
        assert after[name]["status"] == "warn" and len(after[name]["sample_ids"]) >= 1, name
    assert after["invalid_indexes"]["status"] == "ok"
    problem(http.get("/monitoring/data-integrity", params={"stale_after_seconds": 10, "down_after_seconds": 5}),
            422, "22023", "down_after_seconds")
