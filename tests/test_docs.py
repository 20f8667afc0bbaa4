"""docs/database.md is generated from the catalog; a stale committed copy fails here."""

import psycopg

from conftest import ROOT
from gateway.dbdocs import generate


def test_database_docs_are_current(db_url):
    with psycopg.connect(db_url) as conn:
        fresh = generate(conn)
    committed = (ROOT / "docs" / "database.md").read_text()
    assert committed == fresh, "docs/database.md is stale: run `make docs` and commit it"
    for name in ("orchestrator.nodes", "api.node_create", "reporting.tools"):
        assert name in fresh
