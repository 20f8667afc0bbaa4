"""Invocations: how fast the queue moves (make bench-invocations; not part of make test).

    make bench-invocations [BENCH_PARTS=1,2,3,4] [BENCH_SECONDS=10] [BENCH_CLIENTS=8] [BENCH_AGENTS=2]
                           [BENCH_N=3000] [BENCH_FINISHED=1000000] [BENCH_BATCH=10]

1. SQL alone (pgbench -M prepared, as the superuser), each statement its own transaction as over
   HTTP. First, what this machine's PostgreSQL commits at all: pgbench's own one-row UPDATE (one
   statement, one transaction; `pgbench -i -s 10` in a scratch database) at 1 and BENCH_CLIENTS
   clients. One invocation's life is three transactions (submit, claim, complete). The queue is kept at a backlog (BACKLOG rows) so that a claim always finds work.
   (a) one at a time: a pgbench transaction is one invocation's whole life: submit; claim (limit 1)
   by a node; complete. Invocations per second = pgbench's tps.
   (b) batched claims: BENCH_BATCH submits, one claim of up to BENCH_BATCH, then each of what it
   got completed in a statement of its own. Invocations per second = tps x BENCH_BATCH.
   (c) batched claims and completes, as the agent works: as (b), with one
   api.invocation_complete_batch of what the claim got.
   (d) all in batches: as (c), with the BENCH_BATCH submits in one statement.
2. Through the gateway, with agents (`python -m agent`, a no-op Python handler, batched claims:
   limit = free slots; successes reported in batches): (a) drain: BENCH_N invocations submitted in SQL at once, timed from their
   commit until the last is SUCCEEDED; (b) end to end: submitted over HTTP by wrk (16 connections,
   BENCH_SECONDS) while the agents run, timed from the first submit to the last SUCCEEDED.
3. Submit-to-claim latency on an idle queue: one client long-polls POST /nodes/{id}/claim
   (wait_seconds 30); another submits one invocation at a time over HTTP; latency is from the
   submit request's start to the claim's answer, p50 and p95 over BENCH_SAMPLES (200).
4. Claim time with BENCH_FINISHED finished invocations in the table against an empty table: the
   pgbench of (1) at one client, with per-statement latencies (-r).

It runs in a database of its own (ai_orchestrator_bench_inv, recreated) on the DATABASE_URL server,
starts its own gateway (uvicorn, 1 worker, pool 10, access log off), and writes the figures to
bench/results/invocations-<timestamp>.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg
from psycopg.conninfo import conninfo_to_dict

from run import free_port, libpq_env, with_db  # bench/run.py: one home for these helpers

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "ai_orchestrator_bench_inv"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
AGENTS = int(os.environ.get("BENCH_AGENTS", "2"))
N = int(os.environ.get("BENCH_N", "3000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
FINISHED = int(os.environ.get("BENCH_FINISHED", "1000000"))
PARTS = set(os.environ.get("BENCH_PARTS", "1,2,3,4").split(","))
BATCH = int(os.environ.get("BENCH_BATCH", "10"))
BACKLOG = 2000

LIFE = """\
SELECT 1 FROM api.invocation_submit(tool_id => :tool_id, input => '{}');
SELECT invocation_id, lease_token FROM api.node_claim(node_id => :node_id, "limit" => 1) \\gset
SELECT 1 FROM api.invocation_complete(invocation_id => :invocation_id, lease_token => :lease_token, output => '{}');
"""
# What a node claimed, as the completions of one batch (an empty array when it got nothing); one
# line per statement, and what it calls first: pgbench -r shows the start of each.
CLAIM_AND_COMPLETE_BATCH = f"""\
WITH claimed AS (SELECT * FROM api.node_claim(node_id => :node_id, "limit" => {BATCH})) SELECT coalesce(jsonb_agg(jsonb_build_object('invocation_id', invocation_id, 'lease_token', lease_token, 'output', '{{}}'::jsonb)), '[]') AS done FROM claimed \\gset
SELECT count(*) FROM api.invocation_complete_batch(completions => (:done)::jsonb);
"""
SUBMITS = "SELECT 1 FROM api.invocation_submit(tool_id => :tool_id, input => '{}');\n" * BATCH
# Only the claim batched: what it got as two arrays, then each completion its own statement (the
# n-th is skipped when the claim got fewer than n: pgbench would end the client on an error).
CLAIM_BATCH_THEN_COMPLETES = (
    f"SELECT coalesce(array_agg(invocation_id), '{{}}') AS ids, coalesce(array_agg(lease_token), '{{}}') AS tokens"
    f" FROM api.node_claim(node_id => :node_id, \"limit\" => {BATCH}) \\gset\n"
    + "".join(f"SELECT count(*) FROM (SELECT ((:ids)::uuid[])[{n}] AS id, ((:tokens)::uuid[])[{n}] AS token) x,"
              f" LATERAL api.invocation_complete(invocation_id => x.id, lease_token => x.token, output => '{{}}') c"
              f" WHERE x.id IS NOT NULL;\n" for n in range(1, BATCH + 1)))
LIFE_CLAIMS_BATCHED = SUBMITS + CLAIM_BATCH_THEN_COMPLETES
LIFE_BATCHED = SUBMITS + CLAIM_AND_COMPLETE_BATCH
LIFE_ALL_BATCHED = (f"SELECT count(*) FROM generate_series(1, {BATCH}) g,"
                    " LATERAL api.invocation_submit(tool_id => :tool_id, input => jsonb_build_object('n', g.g)) s;\n"
                    + CLAIM_AND_COMPLETE_BATCH)


def say(text: str) -> None:
    print(text, flush=True)


def recreate_database(base_url: str, name: str, create: bool = True) -> str:
    """Drops the database name on base_url's server and, with create, makes it again, empty; its URL."""
    with psycopg.connect(with_db(base_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return with_db(base_url, name)


def prepare(base_url: str) -> str:
    url = recreate_database(base_url, DB_NAME)
    subprocess.run(["sqitch", "deploy"], cwd=ROOT, env=libpq_env(url), check=True, capture_output=True)
    return url


def pgbench(url: str, script: str, clients: int, seconds: int, variables: dict[str, str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    cmd = ["pgbench", "-n", "-M", "prepared", "-r", "-f", f.name, "-c", str(clients), "-j", str(min(clients, 2)),
           "-T", str(seconds)]
    for name, value in variables.items():
        cmd += ["-D", f"{name}={value}"]
    out = subprocess.run(cmd, env=libpq_env(url), capture_output=True, text=True)
    os.unlink(f.name)
    if out.returncode != 0:
        raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout).group(1))
    statements = re.findall(r"^\s+([\d.]+)\s+\d+\s+((?:SELECT|WITH) .*)$", out.stdout, flags=re.M)
    kinds: dict[str, list[float]] = {}
    for ms, s in statements:  # the mean of each kind: a batched script submits in several statements
        kinds.setdefault("submit" if "submit" in s else "claim" if "claim" in s else "complete", []).append(float(ms))
    per = {kind: round(statistics.mean(values), 3) for kind, values in kinds.items()}
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    return {"tps": tps, "ms": per, "failed": int(failed.group(1)) if failed else 0}


def start_gateway(url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    local = str(conninfo_to_dict(url).get("host", "")).startswith("/")
    env = {**os.environ, "DATABASE_URL": url, "GATEWAY_DATABASE_URL": with_db(url, DB_NAME, "aio_gateway") if local else url,
           "HOST": "127.0.0.1", "PORT": str(port), "AIO_ACCESS_LOG": "0"}
    log = open(Path(tempfile.gettempdir()) / "bench-invocations-gateway.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the gateway did not become ready")


def node_with_key(conn, name: str) -> tuple[str, str]:
    node_id = conn.execute("SELECT node_id::text FROM api.node_create(node_type => 'TOOL_EXECUTOR', "
                           "address => 'http://10.8.0.1:1', name => %s)", (name,)).fetchone()[0]
    key = conn.execute("SELECT key FROM api.api_key_create(role => 'node', label => 'bench', node_id => %s)",
                       (node_id,)).fetchone()[0]
    conn.execute("SELECT api.node_heartbeat(node_id => %s)", (node_id,))
    return node_id, key


def wait_all_succeeded(conn, tool_id: str, expected: int, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while True:
        done = conn.execute("SELECT count(*) FROM orchestrator.invocations WHERE tool_id = %s AND state = 'SUCCEEDED'",
                            (tool_id,)).fetchone()[0]
        if done >= expected:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done} of {expected} invocations succeeded within {timeout} s")
        time.sleep(0.02)


def submit_many(conn, tool_id: str, n: int) -> None:
    """n invocations in one statement (one transaction): LATERAL with an argument from each row,
    else the planner calls the function once."""
    conn.execute("SELECT count(*) FROM generate_series(1, %s) g,"
                 " LATERAL api.invocation_submit(tool_id => %s, input => jsonb_build_object('n', g.g)) s", (n, tool_id))


def write_ceiling(base_url: str, clients: int) -> dict:
    """Transactions per second of pgbench's own one-row UPDATE on pgbench_accounts: how many
    commits of the smallest write this machine's PostgreSQL makes, measured beside the queue's."""
    name = f"{DB_NAME}_ceiling"
    url = recreate_database(base_url, name)
    try:
        subprocess.run(["pgbench", "-i", "-q", "-s", "10"], env=libpq_env(url), check=True, capture_output=True)
        script = "\\set aid random(1, 1000000)\nUPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;\n"
        return {c: pgbench(url, script, c, SECONDS, {})["tps"] for c in (1, clients)}
    finally:
        recreate_database(base_url, name, create=False)


def sql_alone(url: str, conn, tool_id: str, node_id: str, clients: int, script: str = LIFE) -> dict:
    submit_many(conn, tool_id, BACKLOG)
    return pgbench(url, script, clients, SECONDS, {"tool_id": tool_id, "node_id": node_id})


def through_gateway(url: str, conn, base: str, admin: str) -> dict:
    tool_id = conn.execute("SELECT tool_id::text FROM api.tool_create(name => 'bench-noop', version => '1.0.0', "
                           "category => 'BENCH')").fetchone()[0]
    agents = []
    for n in range(AGENTS):
        node_id, key = node_with_key(conn, f"bench-agent-{n}")
        env = {**os.environ, "AIO_AGENT_KEY": key, "PYTHONPATH": str(ROOT / "bench")}
        agents.append(subprocess.Popen(
            [sys.executable, "-m", "agent", "--gateway", base, "--node-id", node_id, "--handler",
             "bench-noop=bench_handlers:noop", "--concurrency", "64", "--wait", "5", "--log-level", "WARNING"],
            cwd=ROOT, env=env))
    time.sleep(2)
    try:
        # (a) drain: submitted in one SQL statement, so all are there at once.
        submit_many(conn, tool_id, N)
        started = time.monotonic()
        drain = N / (wait_all_succeeded(conn, tool_id, N) - started)

        # (b) end to end: submitted over HTTP for SECONDS while the agents run, by wrk on 16
        # connections (bench/submit.lua; a Python client could not send more than about 200 a second).
        body = json.dumps({"tool_id": tool_id, "input": {}})
        started = time.monotonic()
        result = subprocess.run(["wrk", "-t", "2", "-c", "16", "-d", f"{SECONDS}s", "--timeout", "30s",
                                 "-s", str(ROOT / "bench" / "submit.lua"), f"{base}/invocations/", "--",
                                 f"Bearer {admin}", body], capture_output=True, text=True)
        submitted = time.monotonic()
        assert result.returncode == 0 and "Non-2xx" not in result.stdout, result.stdout + result.stderr
        sent = conn.execute("SELECT count(*) FROM orchestrator.invocations WHERE tool_id = %s", (tool_id,)).fetchone()[0] - N
        end_to_end = sent / (wait_all_succeeded(conn, tool_id, N + sent) - started)
        submit_rate = sent / (submitted - started)
    finally:
        for a in agents:
            a.terminate()
        for a in agents:
            a.wait(60)
    return {"drain": drain, "end_to_end": end_to_end, "submit_only": submit_rate}


def latency(conn, base: str, admin: str) -> dict:
    node_id = conn.execute("SELECT node_id::text FROM api.node_create(node_type => 'TOOL_EXECUTOR', "
                           "address => 'http://10.8.0.2:1', name => 'bench-latency')").fetchone()[0]
    tool_id = conn.execute("SELECT tool_id::text FROM api.tool_create(name => 'bench-latency', version => '1.0.0', "
                           "category => 'BENCH', target_node_id => %s)", (node_id,)).fetchone()[0]
    claimed: queue.Queue = queue.Queue()
    stop = threading.Event()

    def claimer() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=60) as c:
            while not stop.is_set():
                rows = c.post(f"/nodes/{node_id}/claim", json={"limit": 1, "wait_seconds": 30}).json()
                now = time.perf_counter()
                for row in rows:
                    claimed.put(now)
                    c.post(f"/invocations/{row['invocation_id']}/complete",
                           json={"lease_token": row["lease_token"], "output": {}})

    thread = threading.Thread(target=claimer, daemon=True)
    thread.start()
    samples = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=60) as c:
        time.sleep(1)
        for _ in range(SAMPLES):
            started = time.perf_counter()
            assert c.post("/invocations/", json={"tool_id": tool_id, "input": {}}).status_code == 201
            samples.append((claimed.get(timeout=30) - started) * 1000)
            time.sleep(0.05)  # the claimer is waiting again: the queue is idle at each submit
    stop.set()
    samples.sort()
    return {"p50": statistics.median(samples), "p95": samples[int(len(samples) * 0.95) - 1], "max": samples[-1]}


def with_finished_rows(url: str, conn, tool_id: str, node_id: str) -> dict:
    conn.execute("DELETE FROM orchestrator.invocation_attempts")
    conn.execute("DELETE FROM orchestrator.invocations")
    conn.execute("VACUUM ANALYZE orchestrator.invocations")
    empty = sql_alone(url, conn, tool_id, node_id, 1)
    conn.execute("DELETE FROM orchestrator.invocations WHERE state <> 'SUCCEEDED'")
    started = time.monotonic()
    # Finished invocations as years of use leave them; triggers off, as bench/seed.sql loads data.
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(
            "INSERT INTO orchestrator.invocations (tool_id, input, submitter, state, attempt, node_id, output,"
            " created_at, started_at, finished_at, run_after)"
            " SELECT %s, '{}', 'bench', 'SUCCEEDED', 1, %s, '{}', t, t, t, t"
            " FROM generate_series(1, %s) g, LATERAL (SELECT now() - g * interval '1 second') x(t)",
            (tool_id, node_id, FINISHED))
    conn.execute("VACUUM ANALYZE orchestrator.invocations")
    loaded = time.monotonic() - started
    full = sql_alone(url, conn, tool_id, node_id, 1)
    return {"empty": empty, "full": full, "load_s": loaded}


def main() -> None:
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        raise SystemExit("DATABASE_URL is not set (make bench-invocations sets it)")
    say(f"preparing {DB_NAME} (sqitch deploy)")
    url = prepare(base_url)
    conn = psycopg.connect(url, autocommit=True)
    admin = conn.execute("SELECT key FROM api.api_key_create(role => 'admin', label => 'bench')").fetchone()[0]
    node_id, _ = node_with_key(conn, "bench-sql")
    # Targeted at its node: the agents of part 2 never see what part 1 leaves queued.
    tool_id = conn.execute("SELECT tool_id::text FROM api.tool_create(name => 'bench-sql', version => '1.0.0', "
                           "category => 'BENCH', target_node_id => %s)", (node_id,)).fetchone()[0]
    rows: list[str] = []  # the result table, one line per measure
    load_before = os.getloadavg()

    if "1" in PARTS:
        say(f"1. SQL alone: pgbench, {SECONDS} s at 1 and {CLIENTS} clients; one at a time, then in batches of {BATCH}")
        ceiling = write_ceiling(base_url, CLIENTS)
        line = (f"{ceiling[1]:.0f} / {ceiling[CLIENTS]:.0f} transactions/s: lives of three such transactions would run at "
                f"{ceiling[1] / 3:.0f} / {ceiling[CLIENTS] / 3:.0f} per second")
        say(f"   this machine, pgbench's one-row UPDATE, c=1 / c={CLIENTS}: {line}")
        rows.append(f"| this machine: pgbench's one-row UPDATE, one transaction each, c=1 / c={CLIENTS} | {line} | (reference) |")
        runs = [("submit+claim+complete", LIFE, 1, c) for c in (1, CLIENTS)]
        runs += [(f"{BATCH} submits, a claim of {BATCH}, {BATCH} completes", LIFE_CLAIMS_BATCHED, BATCH, c) for c in (1, CLIENTS)]
        runs += [(f"{BATCH} submits, a claim of {BATCH}, a batch complete", LIFE_BATCHED, BATCH, c) for c in (1, CLIENTS)]
        runs += [(f"all in batches of {BATCH} (submits in one statement)", LIFE_ALL_BATCHED, BATCH, CLIENTS)]
        for what, script, per_transaction, c in runs:
            r = sql_alone(url, conn, tool_id, node_id, c, script)
            ms = r["ms"]
            line = (f"{r['tps'] * per_transaction:.0f} invocations/s (per statement: submit {ms.get('submit')} ms, "
                    f"claim {ms.get('claim')} ms, complete {ms.get('complete')} ms; failed {r['failed']})")
            say(f"   {what}, c={c}: {line}")
            rows.append(f"| SQL alone, {what}, c={c} | {line} | ≥ 1,000/s |")

    if PARTS & {"2", "3"}:
        gateway, base = start_gateway(url)
        try:
            if "2" in PARTS:
                say(f"2. through the gateway: {AGENTS} agents x 64 slots, {N} invocations")
                g = through_gateway(url, conn, base, admin)
                say(f"   drain {g['drain']:.0f}/s; submit over HTTP and run {g['end_to_end']:.0f}/s "
                    f"(submits alone {g['submit_only']:.0f}/s)")
                rows.append(f"| gateway + {AGENTS} agents, drain of {N} queued | {g['drain']:.0f}/s | ≥ 300/s |")
                rows.append(f"| gateway + {AGENTS} agents, submitted over HTTP for {SECONDS} s (wrk, 16 connections) and run | "
                            f"{g['end_to_end']:.0f}/s (the submits alone {g['submit_only']:.0f}/s) | ≥ 300/s |")
            if "3" in PARTS:
                say(f"3. submit-to-claim latency, long-poll, idle queue, {SAMPLES} samples")
                lat = latency(conn, base, admin)
                say(f"   p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, max {lat['max']:.1f} ms")
                rows.append(f"| submit-to-claim, long-poll, idle queue ({SAMPLES} samples) | "
                            f"p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, max {lat['max']:.1f} ms | p95 ≤ 50 ms |")
        finally:
            gateway.terminate()
            gateway.wait(30)

    if "4" in PARTS:
        say(f"4. claim time: no finished invocations vs {FINISHED:,} (pgbench at 1 client, {SECONDS} s)")
        s = with_finished_rows(url, conn, tool_id, node_id)
        say(f"   none: claim {s['empty']['ms'].get('claim')} ms, {s['empty']['tps']:.0f}/s; "
            f"{FINISHED:,} (loaded in {s['load_s']:.0f} s): claim {s['full']['ms'].get('claim')} ms, {s['full']['tps']:.0f}/s")
        rows.append(f"| claim (c=1, a backlog of {BACKLOG}), no finished invocations | {s['empty']['ms'].get('claim')} ms | flat |")
        rows.append(f"| claim (c=1, a backlog of {BACKLOG}), {FINISHED:,} finished invocations | {s['full']['ms'].get('claim')} ms | flat |")

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"invocations-{stamp}.md"
    server = conn.execute("SELECT version()").fetchone()[0]
    load_after = os.getloadavg()
    table = "\n".join(rows)
    out.write_text(f"""# Invocations benchmark, {stamp}

Machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}; {server}.
Load average (1, 5, 15 min) before: {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}; after: {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f}.
Command: `make bench-invocations` (BENCH_PARTS={",".join(sorted(PARTS))} BENCH_SECONDS={SECONDS} BENCH_CLIENTS={CLIENTS}
BENCH_AGENTS={AGENTS} BENCH_N={N} BENCH_FINISHED={FINISHED} BENCH_BATCH={BATCH}); gateway uvicorn 1 worker, pool 10, access log off;
the load generators run on the same machine.

| measure | figure | target |
|---|---|---|
{table}
""")
    say(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
