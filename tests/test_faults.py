"""Faults: PostgreSQL restarted under load (fast, immediate, kill -9 of the postmaster).

Runs on a throwaway cluster of its own, so the restarts disturb nothing else. Writers create
tools (a row plus tag rows: a half-write would show) with Idempotency-Keys and retry until
acknowledged; afterwards every acknowledged write must be there exactly once, nothing may be
half-written, and no response may be a 5xx other than 503/504.

`make test-faults` runs this file alone; `make test` runs it with the rest.
"""

from __future__ import annotations

import collections
import threading
import time
import uuid

import httpx
import psycopg
import pytest

from conftest import Cluster

RESTARTS = ("fast", "immediate", "kill9", "fast", "immediate", "kill9")
WRITERS = 6


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    yield c
    c.destroy()


@pytest.fixture(scope="module")
def faulty_gateway(cluster):
    url = cluster.deployed("faults")
    with psycopg.connect(url, autocommit=True) as conn:
        key = conn.execute("SELECT key FROM api.api_key_create(role => 'writer', label => 'faults')").fetchone()[0]
    with cluster.gateway("faults", AIO_POOL_MIN="4", AIO_POOL_MAX="8", AIO_POOL_TIMEOUT="2") as base:
        yield base, key, url


def test_acknowledged_writes_survive_restarts(cluster, faulty_gateway, capsys):
    base, key, url = faulty_gateway
    statuses: collections.Counter[int | str] = collections.Counter()
    acknowledged: dict[str, str] = {}  # tool name -> tool_id
    lock, stop = threading.Lock(), threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=15) as client:
            while not stop.is_set():
                name = f"fault-{n}-{uuid.uuid4().hex[:12]}"
                body = {"name": name, "version": "1.0.0", "category": "FAULTS", "tags": ["a", "b", "c"]}
                idem = str(uuid.uuid4())
                give_up = None
                while True:  # retry the same request until it is acknowledged
                    try:
                        r = client.post("/tools/", json=body, headers={"Idempotency-Key": idem})
                        status: int | str = r.status_code
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    with lock:
                        statuses[status] += 1
                    if status == 201:
                        with lock:
                            acknowledged[name] = r.json()["tool_id"]
                        break
                    if stop.is_set():  # after the run, retry a little longer, then leave it unacknowledged
                        give_up = give_up or time.monotonic() + 10
                        if time.monotonic() > give_up:
                            break
                    time.sleep(0.05)

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(WRITERS)]
    for t in threads:
        t.start()
    recoveries = []
    try:
        for i, how in enumerate(RESTARTS, 1):
            time.sleep(1.5)
            cluster.restart(how)
            back = time.monotonic()
            while not cluster.ready():
                time.sleep(0.05)
            # The first request once PostgreSQL accepts connections is served (no stale pooled
            # connection), well within 3 s (about 1 s on a quiet machine; the margin is for a loaded one).
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=5) as probe:
                first = probe.get("/tools/", params={"limit": 1})
            recoveries.append(round(time.monotonic() - back, 3))
            assert first.status_code == 200, f"first request after the {how} restart: {first.status_code} {first.text}"
            assert recoveries[-1] < 3.0
            with capsys.disabled():  # a progress line: this test takes a while
                print(f"\n    fault test: restart {i}/{len(RESTARTS)} ({how}) recovered in {recoveries[-1]} s; "
                      f"{len(acknowledged)} writes acknowledged", end="", flush=True)
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)

    with psycopg.connect(url) as conn:
        rows = dict(conn.execute(
            "SELECT name, tool_id::text FROM orchestrator.tools WHERE category = 'FAULTS'").fetchall())
        dupes = conn.execute(
            "SELECT count(*) FROM (SELECT name FROM orchestrator.tools WHERE category = 'FAULTS' GROUP BY name HAVING count(*) > 1) d"
        ).fetchone()[0]
        half = conn.execute(
            "SELECT count(*) FROM orchestrator.tools t WHERE t.category = 'FAULTS'"
            " AND (SELECT count(*) FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id) <> 3").fetchone()[0]

    lost = [n for n, tool_id in acknowledged.items() if rows.get(n) != tool_id]
    server_errors = {s: c for s, c in statuses.items() if isinstance(s, int) and s >= 500 and s not in (503, 504)}
    with capsys.disabled():  # the counts are the point: show them in every run, not only with -s
        print(f"\nfault test: {len(RESTARTS)} restarts {RESTARTS}; responses {dict(statuses)}; "
              f"acknowledged {len(acknowledged)}; in database {len(rows)}; lost {len(lost)}; duplicated {dupes}; "
              f"half-written {half}; recovery seconds {recoveries}")
    assert acknowledged, "no write was acknowledged at all"
    assert not lost, f"acknowledged writes lost: {lost[:5]}"
    assert dupes == 0 and half == 0
    assert not server_errors, f"5xx other than 503/504: {server_errors}"
    assert set(statuses) <= {201, 503, 504}, f"unexpected answers: {dict(statuses)}"
