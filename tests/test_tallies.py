"""The maintained figures (data/artifact_tallies, data/tool_tallies) under concurrent writers.

pgTAP proves them exact after every kind of single-session write; these interleave two sessions
in the orders that could lose a count: the same content stored twice at once, a tool's category
changed while an artifact of it is being stored, ACTIVE tools created on one node at once.
"""

import threading
import uuid

import psycopg

EXACT_ARTIFACTS = """
    SELECT count(*) FROM ((
        SELECT coalesce(t.category, 'orphaned'), count(*), sum(a.size_bytes), max(a.size_bytes)
        FROM orchestrator.artifacts a LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id GROUP BY 1
        EXCEPT SELECT * FROM orchestrator.artifact_tallies_now())
      UNION ALL (
        SELECT * FROM orchestrator.artifact_tallies_now()
        EXCEPT SELECT coalesce(t.category, 'orphaned'), count(*), sum(a.size_bytes), max(a.size_bytes)
        FROM orchestrator.artifacts a LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id GROUP BY 1)) d
"""
EXACT_NODES = """
    SELECT count(*) FROM ((
        SELECT target_node_id, count(*) FROM orchestrator.tools
        WHERE status = 'ACTIVE' AND target_node_id IS NOT NULL GROUP BY 1
        EXCEPT SELECT node_id, active_tools FROM orchestrator.node_active_tools)
      UNION ALL (
        SELECT node_id, active_tools FROM orchestrator.node_active_tools
        EXCEPT SELECT target_node_id, count(*) FROM orchestrator.tools
        WHERE status = 'ACTIVE' AND target_node_id IS NOT NULL GROUP BY 1)) d
"""


def store(conn, checksum: str, tool_id=None) -> None:
    conn.execute("SELECT api.artifact_create(name => 'race', uri => %s, tool_id => %s, size_bytes => 10, checksum_sha256 => %s)",
                 (f"s3://race/{uuid.uuid4()}", tool_id, checksum))


def fold(conn) -> bool:
    """Folds in conn's transaction unless another transaction is folding; True when it folded."""
    busy = conn.execute("SELECT NOT pg_try_advisory_xact_lock(1634296180)").fetchone()[0]
    conn.execute("SELECT orchestrator.artifact_tallies_fold()")
    return not busy


def is_duplicate(db, checksum: str) -> bool:
    return db.execute("SELECT %s IN (SELECT * FROM orchestrator.duplicate_checksums_now())", (checksum,)).fetchone()[0]


def test_same_content_stored_twice_at_once_is_a_duplicate(db_url, db):
    # Each order of folds inside the two open transactions: the first folds and the second finds
    # the fold busy; only the second folds; neither folds.
    for first_folds, second_folds in ((True, True), (False, True), (False, False)):
        checksum = uuid.uuid4().hex * 2
        with psycopg.connect(db_url) as t1, psycopg.connect(db_url) as t2:
            store(t1, checksum)
            if first_folds:
                assert fold(t1)
            store(t2, checksum)
            if second_folds:
                fold(t2)  # finds the fold busy when the first folded
            t2.commit()
            t1.commit()
        assert is_duplicate(db, checksum), (first_folds, second_folds)
        db.execute("SELECT orchestrator.artifact_tallies_fold(wait => true)")
        assert db.execute("SELECT count(*) FROM orchestrator.duplicate_checksums WHERE checksum = %s",
                          (checksum,)).fetchone()[0] == 1, "the folded set has it too"


def test_category_change_waits_for_artifacts_being_stored(db_url, db):
    tool_id = db.execute("SELECT tool_id FROM api.tool_create(name => %s, version => '1.0.0', category => 'NLP')",
                         (f"race-{uuid.uuid4().hex[:8]}",)).fetchone()[0]
    with psycopg.connect(db_url) as t1:
        store(t1, uuid.uuid4().hex * 2, tool_id)  # counted under NLP, not committed yet
        done = threading.Event()

        def recategorize():
            with psycopg.connect(db_url, autocommit=True) as t2:
                t2.execute("SELECT api.tool_update(tool_id => %s, patch => '{\"category\": \"VISION\"}')", (tool_id,))
            done.set()

        worker = threading.Thread(target=recategorize)
        worker.start()
        assert not done.wait(1), "the category change waits for the artifact being stored"
        t1.commit()
    worker.join(10)
    assert done.is_set()
    assert db.execute(EXACT_ARTIFACTS).fetchone()[0] == 0, "the artifact moved with its tool"


def test_active_tools_created_on_one_node_at_once(db_url, db):
    node_id = db.execute("SELECT node_id FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.7.0.1:8080', name => %s)",
                         (f"race-{uuid.uuid4().hex[:8]}",)).fetchone()[0]
    create = "SELECT api.tool_create(name => %s, version => '1.0.0', category => 'NLP', target_node_id => %s)"
    with psycopg.connect(db_url) as t1:
        t1.execute(create, (f"race-tool-{uuid.uuid4().hex[:8]}", node_id))

        def second():  # waits on the first's count of the node until the first commits
            with psycopg.connect(db_url, autocommit=True) as t2:
                t2.execute(create, (f"race-tool-{uuid.uuid4().hex[:8]}", node_id))

        worker = threading.Thread(target=second)
        worker.start()
        worker.join(1)
        t1.commit()
    worker.join(10)
    assert not worker.is_alive()
    assert db.execute("SELECT active_tools FROM orchestrator.node_active_tools WHERE node_id = %s", (node_id,)).fetchone()[0] == 2
    assert db.execute(EXACT_NODES).fetchone()[0] == 0
