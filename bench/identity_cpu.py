"""PostgreSQL's CPU per request for the identity step, part by part (not part of make test).

    DATABASE_URL=... .venv/bin/python bench/identity_cpu.py [BENCH_N=3000] [BENCH_ROUNDS=3]

One connection per variant, the variants in turn, one request each: api.node_get alone (as the
superuser), then pipelined after a setup statement that does more and more of what the gateway's
does (logged in as aio_gateway): the role switch; the seven transaction-local settings as
constants; the gateway's own setup (auth.SETUP_API_KEY: the key's identity read from
auth.key_identities). Each connection's backend CPU time is read from /proc, as in
bench/life_cpu.py, so the machine's speed swings hit every variant alike. The server must run on
this machine, and the database must be deployed (a node and a reader key are made and removed).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gateway import auth  # noqa: E402
from life_cpu import in_turn  # noqa: E402  bench/life_cpu.py
from run import with_db  # noqa: E402  bench/run.py

N = int(os.environ.get("BENCH_N", "3000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CALL = 'SELECT to_json(r)::text, r.revision FROM api."node_get"("node_id" => %s::uuid) r'
CONSTANTS = ("SELECT pg_catalog.set_config('transaction_read_only', 'on', true), pg_catalog.set_config('role', 'aio_reader', true),"
             " pg_catalog.set_config('statement_timeout', '5s', true), pg_catalog.set_config('aio.key_id', 'k', true),"
             " pg_catalog.set_config('aio.node_id', '', true), pg_catalog.set_config('aio.subject', '', true),"
             " pg_catalog.set_config('aio.request_id', 'r', true)")
VARIANTS = {  # name: (setup statement, login)
    "the call alone": (None, None),
    "role switch": ("SELECT pg_catalog.set_config('role', 'aio_reader', true)", "aio_gateway"),
    "seven settings, constants": (CONSTANTS, "aio_gateway"),
    "the gateway's setup": (auth.SETUP_API_KEY, "aio_gateway"),
}


def main() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit(__doc__)
    with psycopg.connect(url, autocommit=True) as admin:
        node_id = admin.execute("SELECT node_id::text FROM api.node_create(node_type => 'TOOL_EXECUTOR', "
                                "address => 'http://10.9.9.9:1', name => 'bench-identity-cpu')").fetchone()[0]
        key_id, key = admin.execute("SELECT key_id, key FROM api.api_key_create(role => 'reader', "
                                    "label => 'bench-identity-cpu')").fetchone()
        try:
            measure(url, node_id, key)
        finally:
            admin.execute("DELETE FROM orchestrator.api_keys WHERE key_id = %s", (key_id,))
            admin.execute("SELECT api.node_delete(node_id => %s)", (node_id,))


def measure(url: str, node_id: str, key: str) -> None:
    params = {"key_hash": auth.key_hash(key), "subject": "", "request_id": "bench", "read_only": "on"}
    dbname = conninfo_to_dict(url)["dbname"]

    def session(setup: str | None, login: str | None) -> tuple[int, Callable[[], None]]:
        conn = psycopg.connect(with_db(url, dbname, login), autocommit=True)

        def request() -> None:
            with conn.pipeline():
                if setup:
                    conn.execute(setup, params if "%(" in setup else None, prepare=True)
                conn.execute(CALL, (node_id,), prepare=True)
        return conn.execute("SELECT pg_backend_pid()").fetchone()[0], request

    runs = {name: session(setup, login) for name, (setup, login) in VARIANTS.items()}
    per_request = {name: [v * 1e6 for v in values] for name, values in in_turn(runs, N, ROUNDS).items()}
    bare = sum(per_request["the call alone"]) / ROUNDS
    print(f"backend CPU per GET /nodes/{{id}}, µs ({ROUNDS} rounds of {N} requests, interleaved):")
    for name, values in per_request.items():
        mean = sum(values) / ROUNDS
        print(f"  {name:28} {' '.join(f'{v:6.1f}' for v in values)}  mean {mean:6.1f}"
              f"  +{mean - bare:5.1f} over the call alone")


if __name__ == "__main__":
    main()
