"""Plans: on a generated data set, the routes that must use indexes do (no timing here).

A scratch database gets the sqitch plan and bench/seed.sql at a small scale (SCALE=0.5 with
artifacts at 0.05); bench/explain.py then
runs every query route with auto_explain capturing the plans of the statements inside the
functions (log_nested_statements, sent to this client with client_min_messages = log). The
planner is left alone (no enable_seqscan = off): the data set is big enough for it to choose the
indexes by itself, so a sequential scan of artifacts or tools is a real plan problem.
"""

from __future__ import annotations

import sys

import psycopg
import pytest

from conftest import ROOT, TEST_DB, recreate_database, run, sqitch, url_for

sys.path.insert(0, str(ROOT / "bench"))
import explain  # noqa: E402

PLAN_DB = f"{TEST_DB}_plans"
# 500 nodes, 50,000 tools, 150,000 tags, 50,000 artifacts, 25,000 invocations: about 20 s to
# generate, and big enough for the planner to prefer the indexes on artifacts, tools and
# invocations. (With 5,000 tools it rightly reads small tool lists sequentially; the artifacts are
# the slow part to generate.)
PLAN_SCALE = "0.5"
PLAN_ARTIFACTS_SCALE = "0.05"
WATCHED = ("artifacts", "tools", "invocations")

MUST_USE_INDEX = [route for route, _, may_scan in explain.CASES if not may_scan]

# Plan problems found by this test and left for their owners; strict, so a fix turns them red
# until they are taken off this list.
KNOWN = {
    "GET /monitoring/tool-usage-statistics":
        "below 100,000 artifacts the share's total is counted exactly (a scan of artifacts); above, it is estimated",
}


@pytest.fixture(scope="module")
def checked():
    url = recreate_database(PLAN_DB)
    try:
        sqitch(url, "deploy")
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"scale={PLAN_SCALE}",
             "-v", f"artifacts_scale={PLAN_ARTIFACTS_SCALE}", "-f", "bench/seed.sql"], url)
        with psycopg.connect(url, autocommit=True) as conn:
            sizes = explain.table_sizes(conn)
            results = {r.route: r for r in explain.check(conn)}
        yield sizes, results
    finally:
        with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PLAN_DB}" WITH (FORCE)')


def test_the_data_set_is_generated(checked):
    sizes, results = checked
    assert sizes["artifacts"] >= 50_000 and sizes["tools"] >= 50_000, sizes
    assert set(results) == {route for route, _, _ in explain.CASES}
    # The capture works: every route's plans name the tables it read.
    assert all(r.used for r in results.values()), [r.route for r in results.values() if not r.used]


@pytest.mark.parametrize("route", [
    pytest.param(route, marks=pytest.mark.xfail(reason=KNOWN[route], strict=True)) if route in KNOWN else route
    for route in MUST_USE_INDEX
])
def test_route_reads_artifacts_tools_and_invocations_through_indexes(checked, route):
    result = checked[1][route]
    seq = [u for u in result.used if u.startswith("Seq Scan") and u.split()[-1] in WATCHED]
    assert not seq, f"{route}: {'; '.join(result.used)}"
