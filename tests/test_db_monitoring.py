"""HTTP: /monitoring/db routes against the real gateway and PostgreSQL."""

import json
import random
import threading
import time
import uuid

import psycopg
import pytest

from conftest import problem

TABLE_SIZES = {"table_name", "rows_estimate", "table_bytes", "index_bytes", "toast_bytes", "total_bytes", "total_pretty"}
INDEX_USAGE = {"table_name", "index_name", "scans", "tuples_read", "tuples_fetched", "index_bytes", "index_pretty",
               "is_primary", "is_unique", "unused", "definition"}
CACHE_HIT_RATIO = {"scope", "name", "blks_hit", "blks_read", "hit_ratio", "heap_blks_hit", "heap_blks_read",
                   "heap_hit_ratio", "idx_blks_hit", "idx_blks_read", "idx_hit_ratio"}
LONG_RUNNING = {"pid", "usename", "application_name", "backend_type", "state", "wait_event_type", "wait_event",
                "duration_seconds", "query_start", "xact_start", "query"}
LOCK_WAITS = {"blocked_pid", "blocked_usename", "blocked_application_name", "blocked_query", "wait_seconds", "locktype",
              "mode", "relation", "blocking_pids", "blocking_pid", "blocking_usename", "blocking_state", "blocking_query"}
VACUUM_STATUS = {"table_name", "live_tuples", "dead_tuples", "dead_ratio", "last_vacuum", "last_autovacuum",
                 "last_analyze", "last_autoanalyze", "vacuum_count", "autovacuum_count", "analyze_count",
                 "autoanalyze_count", "autovacuum_enabled", "autovacuum_threshold", "autovacuum_due"}
SLOW_STATEMENTS = {"status", "message", "queryid", "usename", "calls", "total_exec_ms", "mean_exec_ms", "min_exec_ms",
                   "max_exec_ms", "stddev_exec_ms", "rows", "shared_blks_hit", "shared_blks_read", "cache_hit_ratio",
                   "query"}
def orchestrator_tables(db_url) -> set[str]:
    """The data tables as the catalog has them now (the set grows with the schema)."""
    with psycopg.connect(db_url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'orchestrator'::regnamespace AND relkind = 'r'")}


def rows(http, path, **params):
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list)
    return body


def test_table_sizes(http, db_url):
    sizes = rows(http, "/monitoring/db/table-sizes")
    assert all(set(r) == TABLE_SIZES for r in sizes)
    assert {r["table_name"] for r in sizes} == orchestrator_tables(db_url)
    assert all(r["total_bytes"] == r["table_bytes"] + r["index_bytes"] + r["toast_bytes"] for r in sizes)
    totals = [r["total_bytes"] for r in sizes]
    assert totals == sorted(totals, reverse=True), "largest first"


def test_index_usage(http):
    indexes = rows(http, "/monitoring/db/index-usage")
    assert all(set(r) == INDEX_USAGE for r in indexes)
    pkey = next(r for r in indexes if r["index_name"] == "nodes_pkey")
    assert pkey["table_name"] == "nodes" and pkey["is_primary"] and not pkey["unused"]
    assert pkey["definition"].startswith("CREATE UNIQUE INDEX nodes_pkey ON orchestrator.nodes")
    unused = rows(http, "/monitoring/db/index-usage", unused_only="true")
    assert all(r["unused"] for r in unused)
    assert {r["index_name"] for r in unused} == {r["index_name"] for r in indexes if r["unused"]}
    problem(http.get("/monitoring/db/index-usage", params={"unused_only": "perhaps"}), 422, "22P02", "unused_only")


def test_cache_hit_ratio(http, db_url):
    ratios = rows(http, "/monitoring/db/cache-hit-ratio")
    assert all(set(r) == CACHE_HIT_RATIO for r in ratios)
    assert ratios[0]["scope"] == "database" and ratios[0]["blks_hit"] > 0 and 0 <= ratios[0]["hit_ratio"] <= 1
    assert {r["name"] for r in ratios[1:] if r["scope"] == "table"} == orchestrator_tables(db_url)


def test_vacuum_status(http, db_url):
    status = rows(http, "/monitoring/db/vacuum-status")
    assert all(set(r) == VACUUM_STATUS for r in status)
    assert {r["table_name"] for r in status} == orchestrator_tables(db_url)
    assert all(r["autovacuum_due"] == (r["dead_tuples"] > r["autovacuum_threshold"]) for r in status)


def test_long_running_queries_and_lock_waits(http, db_url):
    """One session holds an advisory lock, another waits for it: both routes show the wait, and
    neither shows the literals (a secret) in their statements."""
    key = random.randint(1, 2**31 - 1)
    secret = f"aio_{uuid.uuid4().hex}"
    wait_sql = f"SELECT pg_advisory_lock({key}) /* aio dbmon test */ WHERE E'{secret}' = $x${secret}$x$"
    shown_wait_sql = "SELECT pg_advisory_lock(?) /* aio dbmon test */ WHERE ? = ?"
    failures = []
    with psycopg.connect(db_url, autocommit=True) as holder, \
         psycopg.connect(db_url, autocommit=True, application_name="aio-dbmon-waiter") as waiter:
        holder.execute(f"SELECT pg_advisory_lock({key}), '{secret}'")
        waiter.execute("SET lock_timeout = '30s'")

        def wait():
            try:
                waiter.execute(wait_sql)
            except psycopg.Error as exc:
                failures.append(exc)

        thread = threading.Thread(target=wait)
        thread.start()
        try:
            deadline = time.monotonic() + 15
            while True:
                waits = [r for r in rows(http, "/monitoring/db/lock-waits") if r["blocked_pid"] == waiter.info.backend_pid]
                if waits or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert len(waits) == 1, "the waiting session never showed up in lock-waits"
            w = waits[0]
            assert set(w) == LOCK_WAITS
            assert w["blocking_pids"] == [holder.info.backend_pid] and w["blocking_pid"] == holder.info.backend_pid
            assert w["locktype"] == "advisory" and w["mode"] == "ExclusiveLock" and w["relation"] is None
            # The gateway runs as aio_api; it sees other roles' query texts through the owner's pg_monitor.
            assert w["blocked_query"] == shown_wait_sql and w["blocked_application_name"] == "aio-dbmon-waiter"
            assert w["blocking_query"] == "SELECT pg_advisory_lock(?), ?" and w["wait_seconds"] >= 0

            running = rows(http, "/monitoring/db/long-running-queries", min_duration_seconds=0)
            assert all(set(r) == LONG_RUNNING for r in running)
            mine = [r for r in running if r["pid"] == waiter.info.backend_pid]
            assert len(mine) == 1
            assert mine[0]["state"] == "active" and mine[0]["wait_event_type"] == "Lock"
            assert mine[0]["query"] == shown_wait_sql and mine[0]["duration_seconds"] >= 0
            assert secret not in json.dumps(running)
            assert mine[0]["application_name"] == "aio-dbmon-waiter"
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (key,))
            thread.join(30)
    assert not failures and not thread.is_alive()


def test_long_running_queries_default_and_errors(http):
    assert all(r["duration_seconds"] >= 5 for r in rows(http, "/monitoring/db/long-running-queries"))
    body = problem(http.get("/monitoring/db/long-running-queries", params={"min_duration_seconds": -1}),
                   422, "22023", "min_duration_seconds")
    assert "-1" in body["detail"]
    problem(http.get("/monitoring/db/long-running-queries", params={"min_duration_seconds": "soon"}),
            422, "22P02", "min_duration_seconds")


@pytest.fixture
def no_pg_stat_statements(db):
    db.execute("DROP EXTENSION IF EXISTS pg_stat_statements")
    yield db
    db.execute("DROP EXTENSION IF EXISTS pg_stat_statements")


def test_slow_statements_without_the_extension(http, no_pg_stat_statements):
    result = rows(http, "/monitoring/db/slow-statements")
    assert len(result) == 1 and set(result[0]) == SLOW_STATEMENTS
    row = result[0]
    assert row["status"] == "not_installed"
    assert "shared_preload_libraries" in row["message"] and "CREATE EXTENSION pg_stat_statements" in row["message"]
    assert row["query"] is None and row["calls"] is None


def test_slow_statements_with_the_extension(http, no_pg_stat_statements):
    no_pg_stat_statements.execute("CREATE EXTENSION pg_stat_statements")
    result = rows(http, "/monitoring/db/slow-statements", limit=5)
    assert 1 <= len(result) <= 5
    assert all(set(r) == SLOW_STATEMENTS and r["status"] == "ok" and r["calls"] > 0 and r["query"] for r in result)
    means = [r["mean_exec_ms"] for r in result]
    assert means == sorted(means, reverse=True), "slowest mean first"


def test_slow_statements_errors(http):
    problem(http.get("/monitoring/db/slow-statements", params={"limit": 0}), 422, "22023", "limit")
    problem(http.get("/monitoring/db/slow-statements", params={"limit": 101}), 422, "22023", "limit")
    problem(http.get("/monitoring/db/slow-statements", params={"limit": "many"}), 422, "22P02", "limit")
