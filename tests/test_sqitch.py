"""The sqitch plan deploys, verifies, reverts to nothing and deploys again on a scratch database."""

import psycopg

from conftest import TEST_DB, recreate_database, sqitch


def api_function_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_proc WHERE pronamespace = to_regnamespace('api')"
        ).fetchone()[0]


def test_round_trip():
    url = recreate_database(f"{TEST_DB}_roundtrip")
    sqitch(url, "deploy", "--verify")
    sqitch(url, "verify")
    deployed = api_function_count(url)
    assert deployed > 0
    sqitch(url, "revert", "-y")
    with psycopg.connect(url) as conn:
        left = conn.execute(
            "SELECT array_agg(nspname) FROM pg_namespace WHERE nspname IN ('orchestrator', 'api', 'reporting')"
        ).fetchone()[0]
    assert left is None, f"revert left schemas behind: {left}"
    sqitch(url, "deploy", "--verify")
    sqitch(url, "verify")
    assert api_function_count(url) == deployed
    # Deploying again is a no-op.
    assert "Nothing to deploy" in sqitch(url, "deploy").stdout
