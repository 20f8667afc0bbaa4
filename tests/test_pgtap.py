"""Runs every pgTAP file in db/tests with pg_prove against the deployed test database."""

from pathlib import Path

import pytest

from conftest import ROOT, run

TAP_FILES = sorted((ROOT / "db" / "tests").glob("*.sql"))


def test_there_are_pgtap_files():
    assert TAP_FILES


@pytest.mark.parametrize("path", TAP_FILES, ids=lambda p: p.name)
def test_pgtap(db_url, path: Path):
    result = run(["pg_prove", "--verbose", "--failures", str(path.relative_to(ROOT))], db_url, check=False)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "Result: PASS" in result.stdout, result.stdout
