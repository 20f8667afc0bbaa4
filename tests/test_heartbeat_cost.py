"""A heartbeat costs one transaction id: nodes beat every few seconds, for years (wraparound)."""

import psycopg

BEATS = 20


def test_a_beat_takes_one_transaction_id(db):
    node_id = db.execute(
        "SELECT node_id FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.8.0.1:8080')"
    ).fetchone()[0]
    before = db.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
    for i in range(BEATS):
        # Half of them as the agent beats: with the list of what it holds.
        held = [] if i % 2 else None
        db.execute("SELECT api.node_heartbeat(node_id => %s, load => %s, running_invocation_ids => %s)",
                   (node_id, psycopg.types.json.Jsonb({"i": i}), held))
    after = db.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()[0]
    used = after - before - 1  # the second pg_current_xact_id() takes one of its own
    print(f"heartbeat: {used} transaction ids for {BEATS} beats")
    assert used == BEATS
    db.execute("SELECT api.node_delete(node_id => %s)", (node_id,))
