"""Plan check: runs every query route's function on a (generated) data set with auto_explain
capturing the plans of the statements inside it, and flags any sequential scan of a large table.

    make explain                 # against DATABASE_URL or the local database (seed it with SCALE=n first)
    python bench/explain.py URL  # directly

Prints one line per route: execution time, the scans it used, and FAIL for a big sequential scan.
Exit status 1 when any route reads a large table sequentially where it should use an index.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass

import psycopg

BIG_TABLE_ROWS = 10_000

# (route, SQL, routes that must aggregate over everything and so may scan)
CASES: list[tuple[str, str, bool]] = [
    ("GET /nodes/{node_id}", "SELECT * FROM api.node_get(node_id => (SELECT node_id FROM orchestrator.nodes ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /nodes/?status=ACTIVE", "SELECT * FROM api.node_list(status => 'ACTIVE')", False),
    ("GET /nodes/type/{node_type}", "SELECT * FROM api.node_list_by_type(node_type => 'GPU_WORKER')", False),
    ("GET /tools/{tool_id}", "SELECT * FROM api.tool_get(tool_id => (SELECT tool_id FROM orchestrator.tools ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /tools/", "SELECT * FROM api.tool_list()", False),
    ("GET /tools/ (deep page)", "SELECT * FROM api.tool_list(cursor => %(deep_tool_cursor)s)", False),
    ("GET /tools/?name=substring", "SELECT * FROM api.tool_list(name => 'tool-4242')", False),
    ("GET /tools/?category=NLP", "SELECT * FROM api.tool_list(category => 'NLP')", False),
    ("GET /tools/?target_node_id", "SELECT * FROM api.tool_list(target_node_id => (SELECT node_id FROM orchestrator.nodes ORDER BY created_at LIMIT 1))", False),
    ("GET /tools/name/{tool_name}", "SELECT * FROM api.tool_get_by_name(tool_name => (SELECT name FROM orchestrator.tools ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /tools/name/{tool_name}/versions", "SELECT * FROM api.tool_versions(tool_name => (SELECT name FROM orchestrator.tools ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /tools/tags/{tag}", "SELECT * FROM api.tool_search_by_tag(tag_search => 'tag-42')", False),
    ("GET /tools/tags/{prefix*}", "SELECT * FROM api.tool_search_by_tag(tag_search => 'tag-19*')", False),
    ("GET /artifacts/{artifact_id}", "SELECT * FROM api.artifact_get(artifact_id => (SELECT artifact_id FROM orchestrator.artifacts ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /artifacts/", "SELECT * FROM api.artifact_list()", False),
    ("GET /artifacts/?mime_type", "SELECT * FROM api.artifact_list(mime_type => 'image/png')", False),
    ("GET /artifacts/tool/{tool_id}", "SELECT * FROM api.artifact_list_by_tool(tool_id => (SELECT tool_id FROM orchestrator.tools ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /artifacts/large/", "SELECT * FROM api.artifact_list_large()", False),
    ("GET /queries/active-tools-with-nodes", "SELECT * FROM api.queries_active_tools_with_nodes()", False),
    ("GET /queries/tools-by-category-with-tags", "SELECT * FROM api.queries_tools_by_category_with_tags(tools_per_category => 20)", False),
    ("GET /queries/node-health-status", "SELECT * FROM api.queries_node_health_status()", False),
    ("GET /queries/large-artifacts-by-tool", "SELECT * FROM api.queries_large_artifacts_by_tool()", False),
    ("GET /queries/search-tools-by-schema (contains)", """SELECT * FROM api.queries_search_tools_by_schema(contains => '{"properties": {"input_7": {"type": "string"}}}')""", False),
    ("GET /queries/search-tools-by-schema (property)", "SELECT * FROM api.queries_search_tools_by_schema(property => 'output_3', side => 'output')", False),
    ("GET /maintenance/tools-without-nodes", "SELECT * FROM api.maintenance_tools_without_nodes()", False),
    ("GET /monitoring/tool-usage-statistics", "SELECT * FROM api.monitoring_tool_usage_statistics()", False),
    ("GET /monitoring/storage-usage-by-category", "SELECT * FROM api.monitoring_storage_usage_by_category()", True),
    ("GET /monitoring/data-integrity", "SELECT * FROM api.monitoring_data_integrity()", True),
    ("GET /stats/summary", "SELECT * FROM api.stats_summary()", True),
    ("GET /invocations/{invocation_id}", "SELECT * FROM api.invocation_get(invocation_id => (SELECT invocation_id FROM orchestrator.invocations ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /invocations/", "SELECT * FROM api.invocation_list()", False),
    ("GET /invocations/?state=FAILED", "SELECT * FROM api.invocation_list(state => 'FAILED')", False),
    ("GET /invocations/?tool_id", "SELECT * FROM api.invocation_list(tool_id => (SELECT tool_id FROM orchestrator.invocations ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /invocations/?node_id", "SELECT * FROM api.invocation_list(node_id => (SELECT node_id FROM orchestrator.invocations WHERE node_id IS NOT NULL ORDER BY created_at DESC LIMIT 1))", False),
    ("GET /monitoring/invocation-queue", "SELECT * FROM api.invocation_queue()", False),
]


def scans(plan: dict) -> list[tuple[str, str]]:
    found = []
    if "Relation Name" in plan:
        found.append((plan["Node Type"], plan["Relation Name"]))
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


@dataclass
class Checked:
    route: str
    ms: float
    used: list[str]       # "<scan type> <table>", every statement the route ran (nested ones included)
    bad: list[str]        # sequential scans of tables of BIG_TABLE_ROWS or more
    may_scan: bool        # the route aggregates everything

    @property
    def verdict(self) -> str:
        return "ok" if not self.bad or self.may_scan else "FAIL"


def table_sizes(conn: psycopg.Connection) -> dict[str, int]:
    return dict(conn.execute(
        "SELECT relname, reltuples::bigint FROM pg_class WHERE relnamespace = 'orchestrator'::regnamespace AND relkind = 'r'"
    ).fetchall())


def check(conn: psycopg.Connection) -> list[Checked]:
    """Runs every case on an autocommit superuser connection, capturing the plans of the
    statements inside each function with auto_explain (log_nested_statements, sent to the
    client with client_min_messages = log)."""
    big = {name for name, rows in table_sizes(conn).items() if rows >= BIG_TABLE_ROWS}
    plans: list[dict] = []

    def on_notice(d: psycopg.errors.Diagnostic) -> None:
        if d.message_primary and d.message_primary.startswith("duration:"):
            plans.append(json.loads(d.message_primary.split("\n", 1)[1]))

    conn.add_notice_handler(on_notice)
    conn.execute("LOAD 'auto_explain'")
    for setting, value in (("log_min_duration", "0"), ("log_nested_statements", "on"), ("log_format", "json"),
                           ("log_analyze", "on"), ("log_timing", "off")):
        conn.execute(f"SET auto_explain.{setting} = '{value}'")
    conn.execute("SET client_min_messages = log")
    try:
        # Cursors for deep pages are made before timing (finding them is not the route's work).
        params = {"deep_tool_cursor": conn.execute(
            "SELECT orchestrator.cursor_encode(jsonb_build_array(name, version_key, tool_id)) FROM orchestrator.tools"
            " ORDER BY name, version_key DESC, tool_id OFFSET (SELECT count(*) / 2 FROM orchestrator.tools) LIMIT 1"
        ).fetchone()[0]}
        results = []
        for route, sql, may_scan in CASES:
            plans.clear()
            started = time.perf_counter()
            conn.execute(sql, params).fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            used = sorted({f"{kind} {rel}" for p in plans for kind, rel in scans(p["Plan"])})
            bad = [u for u in used if u.startswith("Seq Scan") and u.split()[-1] in big]
            results.append(Checked(route, elapsed, used, bad, may_scan))
        return results
    finally:
        conn.execute("RESET client_min_messages")
        conn.remove_notice_handler(on_notice)


def main(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        print(f"tables: {', '.join(f'{k}={v:,}' for k, v in sorted(table_sizes(conn).items()))}")
        results = check(conn)
    print(f"{'route':52} {'ms':>8}  scans")
    for r in results:
        note = " (aggregates everything)" if r.may_scan and r.bad else ""
        print(f"{r.route:52} {r.ms:8.1f}  {r.verdict}{note}: {'; '.join(r.used)}")
    return 1 if any(r.verdict == "FAIL" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
