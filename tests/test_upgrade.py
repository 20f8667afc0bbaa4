"""The path every production database takes: a release, with data, upgraded to HEAD."""

import re

import psycopg
import pytest

from conftest import ROOT, TEST_DB, recreate_database, run, sqitch

FINGERPRINT = """
SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
    SELECT format('n %s %s %s %s %s %s', node_id, name, node_type, address, status, labels) FROM orchestrator.nodes
    UNION ALL
    SELECT format('t %s %s %s %s %s %s', tool_id, name, version, category, target_node_id, input_schema) FROM orchestrator.tools
    UNION ALL
    SELECT format('g %s %s', tool_id, tag) FROM orchestrator.tool_tags
    UNION ALL
    SELECT format('a %s %s %s %s', artifact_id, tool_id, uri, size_bytes) FROM orchestrator.artifacts
) rows(x)
"""


def releases() -> list[str]:
    tags = re.findall(r"^@(\S+)", (ROOT / "sqitch.plan").read_text(), flags=re.M)
    assert tags, "sqitch.plan has no release tag"
    return tags


def fingerprint(url: str) -> tuple:
    with psycopg.connect(url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM orchestrator.nodes), (SELECT count(*) FROM orchestrator.tools),"
            " (SELECT count(*) FROM orchestrator.artifacts)"
        ).fetchone()
        return counts, conn.execute(FINGERPRINT).fetchone()[0]


@pytest.mark.parametrize("release", releases())
def test_upgrade_from_a_release_keeps_data(release):
    """Every release a production database may be at, with data, upgraded to HEAD and back."""
    url = recreate_database(f"{TEST_DB}_upgrade")
    # The release as it was tagged: its frozen @tag scripts, byte for byte.
    sqitch(url, "deploy", "--verify", "--to", f"@{release}")
    run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "bench/seed.sql"], url)
    with psycopg.connect(url, autocommit=True) as conn:
        # A schema an older release took and the registration check refuses (triggers off, so
        # the same row goes in at a release that has the check).
        conn.execute("SET session_replication_role = replica")
        conn.execute("INSERT INTO orchestrator.tools (name, version, category, input_schema)"
                     " VALUES ('legacy-unfit', '1.0.0', 'NLP', '{\"type\": \"strnig\"}')")
    before = fingerprint(url)
    assert before[0][0] > 0 and before[0][2] > 0

    sqitch(url, "deploy", "--verify")
    sqitch(url, "verify")
    assert fingerprint(url) == before, "data changed on upgrade"
    with psycopg.connect(url) as conn:
        unfit = conn.execute(
            "SELECT status, problems, sample_ids FROM api.monitoring_data_integrity()"
            " WHERE check_name = 'tools_with_invalid_schemas'").fetchone()
        legacy = conn.execute("SELECT tool_id::text FROM orchestrator.tools WHERE name = 'legacy-unfit'").fetchone()[0]
    assert unfit == ("fail", 1, [legacy]), "the upgrade must list the stored schema the check refuses"

    sqitch(url, "revert", "-y", "--to", f"@{release}")
    assert fingerprint(url) == before, "data changed on revert to the release"
    sqitch(url, "deploy", "--verify")
    assert fingerprint(url) == before
