"""Overload: pool exhaustion answers 503/504 within the wait limit, the gateway never holds more
connections than its pool, and a statement timeout is a 504. On a database and gateway of their own."""

import concurrent.futures
import time

import httpx
import psycopg
import pytest

from conftest import TEST_DB, recreate_database, running_gateway, sqitch
from gateway.longpoll import LISTEN_APPLICATION

POOL_MAX, POOL_TIMEOUT_S = 2, 2  # 2 s: waiting once (2 s) and twice (4 s) stay apart on a loaded machine


@pytest.fixture(scope="module")
def small_gateway():
    url = recreate_database(f"{TEST_DB}_overload")
    sqitch(url, "deploy")
    with psycopg.connect(url, autocommit=True) as conn:
        key = conn.execute("SELECT key FROM api.api_key_create(role => 'writer', label => 'overload')").fetchone()[0]
        node_id = conn.execute(
            "SELECT node_id FROM api.node_create(node_type => 'SLOW', address => 'http://slow:1')").fetchone()[0]
    with running_gateway(url, "gateway-overload", AIO_POOL_MIN="1", AIO_POOL_MAX=str(POOL_MAX),
                         AIO_POOL_TIMEOUT=str(POOL_TIMEOUT_S)) as base:
        yield base, key, url, str(node_id)


def gateway_connections(url: str) -> int:
    """The gateway's pooled connections: all of its connections but the one that LISTENs for
    invocations (outside the pool by design, one per process; at most one here)."""
    with psycopg.connect(url) as conn:
        pooled, listening = conn.execute(
            "SELECT count(*) FILTER (WHERE application_name <> %(listen)s), count(*) FILTER (WHERE application_name = %(listen)s)"
            " FROM pg_stat_activity WHERE datname = current_database() AND usename = 'aio_gateway'",
            {"listen": LISTEN_APPLICATION}).fetchone()
    assert listening <= 1
    return pooled


def test_pool_exhaustion_is_a_fast_503_or_504(small_gateway):
    base, key, url, node_id = small_gateway
    headers = {"Authorization": f"Bearer {key}"}
    with psycopg.connect(url) as locker:  # hold the node row: updates of it wait
        locker.execute("SELECT 1 FROM orchestrator.nodes WHERE node_id = %s FOR UPDATE", (node_id,))

        def update(_):
            with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
                started = time.monotonic()  # not counting the client's set-up (slow on a loaded machine)
                r = c.put(f"/nodes/{node_id}", json={"metadata": {"t": time.time()}})
            return r.status_code, time.monotonic() - started, r.headers.get("retry-after")

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(update, i) for i in range(8)]
            deadline = time.monotonic() + POOL_TIMEOUT_S + 8  # on a loaded machine threads start late
            while sum(f.done() for f in futures) < 8 - POOL_MAX and time.monotonic() < deadline:
                time.sleep(0.05)
            assert gateway_connections(url) <= POOL_MAX
            # The requests beyond the pool are answered while the others still hold it, after about
            # the wait limit (a generous margin for a loaded machine).
            done = [f.result() for f in futures if f.done()]
            assert len(done) >= 8 - POOL_MAX
            assert all(status in (503, 504) and elapsed < POOL_TIMEOUT_S + 2.5 for status, elapsed, _ in done), done
            locker.rollback()  # let the two waiting updates through
            results = [f.result() for f in futures]
    assert sorted(s for s, _, _ in results).count(200) == POOL_MAX
    assert gateway_connections(url) <= POOL_MAX


def test_statement_timeout_is_a_504(small_gateway):
    base, key, url, node_id = small_gateway
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE orchestrator.settings SET value = '300ms' WHERE name = 'statement_timeout.writer'")
    try:
        with psycopg.connect(url) as locker:
            locker.execute("SELECT 1 FROM orchestrator.nodes WHERE node_id = %s FOR UPDATE", (node_id,))
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
                started = time.monotonic()
                r = c.put(f"/nodes/{node_id}", json={"metadata": {"late": True}})
            assert r.status_code == 504 and r.json()["code"] == "57014", r.text
            assert time.monotonic() - started < 5
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("UPDATE orchestrator.settings SET value = '10s' WHERE name = 'statement_timeout.writer'")


def test_a_read_waits_for_a_full_pool_once(small_gateway):
    base, key, url, node_id = small_gateway
    headers = {"Authorization": f"Bearer {key}"}
    with psycopg.connect(url) as locker, concurrent.futures.ThreadPoolExecutor(POOL_MAX) as pool:
        locker.execute("SELECT 1 FROM orchestrator.nodes WHERE node_id = %s FOR UPDATE", (node_id,))
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            holders = [pool.submit(c.put, f"/nodes/{node_id}", json={"metadata": {"i": i}}) for i in range(POOL_MAX)]
            time.sleep(0.5)  # both connections wait on the lock now
            started = time.monotonic()
            r = c.get(f"/nodes/{node_id}")  # a read: retried on a lost connection, not on a full pool
            elapsed = time.monotonic() - started
            locker.rollback()
            assert [h.result().status_code for h in holders] == [200] * POOL_MAX
    print(f"read on a full pool: {r.status_code} after {elapsed:.2f}s (pool timeout {POOL_TIMEOUT_S}s)")
    assert r.status_code == 504, r.text
    assert POOL_TIMEOUT_S * 0.9 < elapsed < POOL_TIMEOUT_S * 1.5  # waiting twice takes 2 x the timeout


def test_ready_is_503_while_the_database_is_unreachable():
    down = "postgresql:///nothing?host=/nonexistent&port=1&user=nobody&connect_timeout=1"
    with running_gateway(down, "gateway-outage", ready="/health", GATEWAY_DATABASE_URL=down,
                         AIO_POOL_TIMEOUT=str(POOL_TIMEOUT_S)) as base:
        with httpx.Client(base_url=base, timeout=30) as c:
            for _ in range(2):
                started = time.monotonic()
                r = c.get("/ready")
                elapsed = time.monotonic() - started
                print(f"/ready while the database is unreachable: {r.status_code} after {elapsed:.2f}s")
                assert r.status_code == 503 and r.headers["retry-after"], r.text
                assert r.headers["content-type"].startswith("application/problem+json")
                assert elapsed < POOL_TIMEOUT_S * 1.6
