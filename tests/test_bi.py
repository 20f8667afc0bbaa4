"""The BI role, logged in as a BI tool would: it reads every reporting view and nothing else."""

import psycopg
import pytest

from conftest import TEST_DB, is_local_socket, url_for


@pytest.fixture
def bi(db_url):
    """A session of aio_bi: a real login on the local cluster (trust on its socket); on another
    server, where aio_bi has no password we know, the admin session becomes aio_bi."""
    if is_local_socket():
        with psycopg.connect(url_for(TEST_DB, "aio_bi"), autocommit=True) as conn:
            assert conn.execute("SELECT session_user").fetchone()[0] == "aio_bi"
            yield conn
    else:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("SET ROLE aio_bi")
            yield conn


def reporting_relations(db_url) -> list[str]:
    with psycopg.connect(db_url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'reporting' AND c.relkind IN ('v', 'm') ORDER BY 1")]


def test_bi_reads_every_reporting_view(bi, db_url):
    relations = reporting_relations(db_url)
    assert len(relations) >= 8
    for relation in relations:
        bi.execute(f"SELECT * FROM {relation} LIMIT 5").fetchall()


@pytest.mark.parametrize("sql", [
    "INSERT INTO reporting.nodes (node_id) VALUES (gen_random_uuid())",
    "UPDATE reporting.tools SET status = 'INACTIVE'",
    "DELETE FROM reporting.artifacts",
    "REFRESH MATERIALIZED VIEW reporting.artifacts_by_day",
    "SELECT * FROM orchestrator.nodes",
    "SELECT * FROM orchestrator.audit_log",
    "SELECT * FROM api.node_list()",
    "SELECT api.node_create(node_type => 'BI', address => 'http://bi:1')",
    "SELECT * FROM auth.authenticate_key_hash(NULL)",
])
def test_bi_can_neither_write_nor_call_the_api(bi, sql):
    with pytest.raises(psycopg.Error) as caught:
        bi.execute(sql)
    # 42501 insufficient privilege; 55000 for writes to views that are not updatable at all.
    assert caught.value.sqlstate in ("42501", "55000"), (sql, caught.value.sqlstate, str(caught.value))
