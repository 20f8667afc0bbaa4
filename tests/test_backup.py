"""make backup / make restore round-trip a database: data changed after the backup is as it was."""

import os
import subprocess
from pathlib import Path

import psycopg

from conftest import ROOT, TEST_DB, recreate_database, run, sqitch
from test_upgrade import fingerprint


def dev(command: str, url: str, **env) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", "scripts/dev.sh", command], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, DATABASE_URL=url, **env))
    assert result.returncode == 0, result.stderr
    return result


def test_backup_then_restore(tmp_path):
    url = recreate_database(f"{TEST_DB}_backup")
    sqitch(url, "deploy")
    run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "bench/seed.sql"], url)
    before = fingerprint(url)

    file = tmp_path / "backup.dump"
    dev("backup", url, FILE=str(file))
    assert file.stat().st_size > 0
    assert file.stat().st_mode & 0o777 == 0o600  # it holds the audit log and key hashes

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM orchestrator.tools WHERE name = 'text-summarizer'")
        conn.execute("SELECT api.node_create(node_type => 'AFTER_BACKUP', address => 'http://after:1')")
    assert fingerprint(url) != before

    dev("restore", url, FILE=str(file))
    assert fingerprint(url) == before
    # The sqitch registry came back too: the deployed plan is known and complete.
    assert "Nothing to deploy" in sqitch(url, "deploy").stdout

    # Without FILE: into backups/, which is 0700 like the file is 0600.
    file = Path(dev("backup", url).stdout.strip().splitlines()[-1])
    try:
        assert file.parent == ROOT / "backups"
        assert file.stat().st_mode & 0o777 == 0o600 and file.parent.stat().st_mode & 0o777 == 0o700
    finally:
        file.unlink()
