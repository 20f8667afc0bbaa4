"""PostgreSQL's CPU per invocation life, A against B (not part of make test).

    DATABASE_URL=... .venv/bin/python bench/life_cpu.py DB_A DB_B [DB_C ...]
        [BENCH_N=1000] [BENCH_ROUNDS=3] [BENCH_WARMUP=2000]

Each database is a copy of the deployed schema (createdb -T) with one change in it. One connection
per database runs the life of make bench-invocations' part 1 (submit; claim by a node; complete),
each statement its own transaction, the databases in turn, one life each, so that a change in the
machine's speed hits all of them alike. What is measured is the CPU time of each connection's
backend process (/proc/<pid>/stat), not wall time: the client, the other databases and the WAL
flush (synchronous_commit is off here) do not count. The server must run on this machine.

Before measuring, each database gets BENCH_WARMUP lives and an ANALYZE of the invocation tables,
and the connections are opened afterwards: plans cached while a table was empty, or analyzed
empty, read it by a sequential scan for as long as the session lasts.

Two copies of the same database (A/A) agree within about 3% here; a life costs 1.1-1.9 ms of
backend CPU, as fast or as slow as the machine is at the time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import psycopg

from invocations import node_with_key  # bench/invocations.py
from run import with_db  # bench/run.py

N = int(os.environ.get("BENCH_N", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "2000"))
TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def in_turn(runs: dict[str, tuple[int, Callable[[], None]]], n: int, rounds: int) -> dict[str, list[float]]:
    """Each name's backend CPU seconds per call, round by round: runs maps a name to its backend's pid
    and one call; the calls go in turn, one each, n times a round, after 100 that are not counted
    (each session's plans)."""
    for _ in range(100):
        for _, call in runs.values():
            call()
    per_call: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        start = {name: backend_cpu_seconds(pid) for name, (pid, _) in runs.items()}
        for _ in range(n):
            for _, call in runs.values():
                call()
        for name, (pid, _) in runs.items():
            per_call[name].append((backend_cpu_seconds(pid) - start[name]) / n)
    return per_call


class Life:
    """One connection to one database, running lives of one node and one tool targeted at it."""

    def __init__(self, url: str):
        self.conn = conn = psycopg.connect(url, autocommit=True)
        conn.execute("SET synchronous_commit = off")
        row = conn.execute("SELECT n.node_id, t.tool_id FROM orchestrator.nodes n"
                           " JOIN orchestrator.tools t ON t.target_node_id = n.node_id"
                           " WHERE n.name = 'bench-life-cpu' AND t.name = 'bench-life-cpu'").fetchone()
        if row is None:
            node_id, _ = node_with_key(conn, "bench-life-cpu")
            tool_id = conn.execute("SELECT tool_id FROM api.tool_create(name => 'bench-life-cpu', version => '1.0.0', "
                                   "category => 'BENCH', target_node_id => %s)", (node_id,)).fetchone()[0]
            row = (node_id, tool_id)
        self.node_id, self.tool_id = row
        self.pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]

    def __call__(self) -> None:
        conn = self.conn
        conn.execute("SELECT 1 FROM api.invocation_submit(tool_id => %s, input => '{}')", (self.tool_id,), prepare=True)
        claimed = conn.execute('SELECT invocation_id, lease_token FROM api.node_claim(node_id => %s, "limit" => 1)',
                               (self.node_id,), prepare=True).fetchone()
        conn.execute("SELECT 1 FROM api.invocation_complete(invocation_id => %s, lease_token => %s, output => '{}')",
                     claimed, prepare=True)


def main() -> None:
    base_url = os.environ.get("DATABASE_URL")
    names = sys.argv[1:]
    if not base_url or len(names) < 2:
        raise SystemExit(__doc__)
    urls = [with_db(base_url, name) for name in names]
    for url in urls:
        warm = Life(url)
        for _ in range(WARMUP):
            warm()
        warm.conn.execute("ANALYZE orchestrator.invocations, orchestrator.invocation_attempts")
        warm.conn.close()
    lives = {name: Life(url) for name, url in zip(names, urls)}
    per_life = {name: [v * 1000 for v in values]
                for name, values in in_turn({name: (life.pid, life) for name, life in lives.items()}, N, ROUNDS).items()}
    first = sum(per_life[names[0]]) / ROUNDS
    print(f"backend CPU per life, ms ({ROUNDS} rounds of {N} lives each, interleaved):")
    for name in names:
        mean = sum(per_life[name]) / ROUNDS
        print(f"  {name:32} {' '.join(f'{v:.3f}' for v in per_life[name])}  mean {mean:.3f}  {mean / first - 1:+.1%}")


if __name__ == "__main__":
    main()
