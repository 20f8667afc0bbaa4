"""What one heartbeat costs PostgreSQL: transaction ids and WAL bytes per beat, from a pgbench run.

    .venv/bin/python bench/heartbeat_cost.py [BEATS]      # on the server of `scripts/dev.sh url`

It deploys the plan on a scratch database of that server (DATABASE_URL's server when set), adds
100 nodes, and runs BEATS pgbench transactions (default 5,000), each one beat of a random node
with a small load object: once as an admin's call, once as a node key sends it (role aio_node,
its own node), and once as the agent sends it: its key and its name, listing the HELD invocations
it claimed (nothing to end: the beat must write nothing to invocations; it renews its own row in
orchestrator.node_agents too). A checkpoint and a warm-up come
first, so full-page images do not count.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
NODES = 100
SCRATCH = "ai_orchestrator_bench_heartbeat"
LOAD = """'{"cpu": 0.42, "jobs": 3}'"""
NODE_ID = "(SELECT node_id FROM public.beat_nodes WHERE n = :n)"
HELD = 4  # invocations RUNNING on each node
SCRIPTS = {
    "as an admin": f"\\set n random(1, {NODES})\nSELECT api.node_heartbeat(node_id => {NODE_ID}, load => {LOAD});\n",
    "as the node's own key": (
        f"\\set n random(1, {NODES})\nBEGIN;\nSELECT set_config('aio.node_id', {NODE_ID}::text, true);\n"
        f"SET LOCAL ROLE aio_node;\n"
        f"SELECT api.node_heartbeat(node_id => current_setting('aio.node_id')::uuid, load => {LOAD});\nCOMMIT;\n"
    ),
    f"as the agent, {HELD} held": (
        f"\\set n random(1, {NODES})\nBEGIN;\nSELECT set_config('aio.node_id', {NODE_ID}::text, true);\n"
        f"SET LOCAL ROLE aio_node;\n"
        f"SELECT api.node_heartbeat(node_id => current_setting('aio.node_id')::uuid, load => {LOAD},"
        f" running_invocation_ids => (SELECT held FROM public.beat_nodes WHERE n = :n), agent => 'beat-agent');\nCOMMIT;\n"
    ),
}


def server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = subprocess.run([str(ROOT / "scripts" / "dev.sh"), "url"], check=True, capture_output=True, text=True).stdout.strip()
    return url


def with_db(url: str, dbname: str) -> str:
    return make_conninfo(**{**conninfo_to_dict(url), "dbname": dbname})


def libpq_env(url: str) -> dict[str, str]:
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE"}
    return {**os.environ, **{names[k]: str(v) for k, v in conninfo_to_dict(url).items() if k in names and v is not None}}


def pgbench(url: str, script: str, beats: int) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as f:
        f.write(script)
        f.flush()
        subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", "1", "-t", str(beats), "-f", f.name],
                       env=libpq_env(url), check=True, capture_output=True)


def measure(url: str, script: str, beats: int) -> tuple[float, float]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        pgbench(url, script, NODES * 2)
        xid0, lsn0 = conn.execute("SELECT pg_current_xact_id()::text::bigint, pg_current_wal_insert_lsn()").fetchone()
        pgbench(url, script, beats)
        xid1, lsn1 = conn.execute("SELECT pg_current_xact_id()::text::bigint, pg_current_wal_insert_lsn()").fetchone()
        wal = conn.execute("SELECT %s::pg_lsn - %s::pg_lsn", (str(lsn1), str(lsn0))).fetchone()[0]
    # The second pg_current_xact_id() takes an xid of its own.
    return (xid1 - xid0 - 1) / beats, float(wal) / beats


def main() -> int:
    beats = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    admin = server_url()
    with psycopg.connect(with_db(admin, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {SCRATCH}")
    url = with_db(admin, SCRATCH)
    try:
        subprocess.run(["sqitch", "--quiet", "deploy"], cwd=ROOT, env=libpq_env(url), check=True)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE public.beat_nodes (n int PRIMARY KEY, node_id uuid NOT NULL, held uuid[])")
            conn.execute("GRANT SELECT ON public.beat_nodes TO aio_node")
            conn.execute(
                "INSERT INTO public.beat_nodes SELECT g, (api.node_create(node_type => 'TOOL_EXECUTOR',"
                " address => 'http://10.0.0.' || g || ':8080', name => 'beat-' || g)).node_id"
                " FROM generate_series(1, %s) g", (NODES,))
            # HELD invocations RUNNING on each node, under a lease of an hour: no beat ends one.
            tool_id = conn.execute("SELECT tool_id FROM api.tool_create(name => 'beat-held', version => '1.0.0',"
                                   " category => 'BENCH')").fetchone()[0]
            conn.execute("SELECT api.tool_invocation_settings_update(tool_id => %s, lease_seconds => 3600)", (tool_id,))
            conn.execute("SELECT api.invocation_submit(tool_id => %s) FROM generate_series(1, %s)", (tool_id, NODES * HELD))
            conn.execute("SELECT api.node_heartbeat(node_id => node_id, agent => 'beat-agent') FROM public.beat_nodes")
            conn.execute("UPDATE public.beat_nodes b SET held = ARRAY(SELECT invocation_id FROM api.node_claim("
                         " node_id => b.node_id, \"limit\" => %s, agent => 'beat-agent'))", (HELD,))
        print(f"heartbeat cost, {beats} beats of {NODES} nodes (pgbench -c 1 -M prepared, after a checkpoint and a warm-up):")
        for label, script in SCRIPTS.items():
            xids, wal = measure(url, script, beats)
            print(f"  {label:24s} {xids:5.2f} xids/beat  {wal:6.1f} WAL bytes/beat")
    finally:
        with psycopg.connect(with_db(admin, "postgres"), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
