"""Migration safety (README, "Releases and versioned functions"), over the deploy and revert
scripts of every change but the frozen <change>@<tag>.sql:

- A script that alters a table another change created (ALTER TABLE, CREATE INDEX, CREATE or DROP
  TRIGGER on it) sets lock_timeout: while it waits for its lock, every later query on that table
  queues behind it.
- No constraint is added NOT VALID and validated in the same transaction: the validation would run
  under the exclusive lock that NOT VALID is there to keep short.
- squawk (configured in .squawk.toml) over the deploy scripts: table rewrites, index builds that
  block writes, constraints that scan under an exclusive lock, and the like.
"""

import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from conftest import ROOT

DB = ROOT / "db"
SCRIPTS = sorted(p for kind in ("deploy", "revert") for p in (DB / kind).rglob("*.sql") if "@" not in p.name)

# The table a statement locks; dynamic SQL counts too (format('... ON orchestrator.%I', ...)).
ALTERS = re.compile(r"""\b(?:ALTER\s+TABLE(?:\s+IF\s+EXISTS)?(?:\s+ONLY)?
                        |CREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*?\bON(?:\s+ONLY)?
                        |(?:CREATE|DROP)\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\b[^;]*?\bON)\s+([\w.%"]+)""",
                    re.I | re.X)
CREATES = re.compile(r"\bCREATE\s+(?:UNLOGGED\s+)?(?:TABLE|MATERIALIZED\s+VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"]+)", re.I)
LOCK_TIMEOUT = re.compile(r"\bSET\s+(?:LOCAL\s+)?lock_timeout\b", re.I)
TRANSACTION = re.compile(r"\bBEGIN\s*;(.*?)\bCOMMIT\s*;", re.I | re.S)


def without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def altered_without_lock_timeout(sql: str) -> list[str]:
    """The tables created elsewhere that sql alters, when it sets no lock_timeout."""
    sql = without_comments(sql)
    if LOCK_TIMEOUT.search(sql):
        return []
    return sorted(set(ALTERS.findall(sql)) - set(CREATES.findall(sql)))


def validated_where_added(sql: str) -> list[str]:
    """The constraints added NOT VALID and validated in the same transaction."""
    found = []
    for transaction in TRANSACTION.findall(without_comments(sql)):
        added = re.findall(r"\bADD\s+CONSTRAINT\s+(\w+)[^;]*\bNOT\s+VALID\b", transaction, re.I)
        validated = re.findall(r"\bVALIDATE\s+CONSTRAINT\s+(\w+)", transaction, re.I)
        found += sorted(set(added) & set(validated))
    return found


def test_a_change_that_alters_a_table_sets_lock_timeout():
    assert len(SCRIPTS) > 40
    problems = [f"{p.relative_to(DB)} alters {', '.join(tables)} without SET LOCAL lock_timeout"
                for p in SCRIPTS if (tables := altered_without_lock_timeout(p.read_text()))]
    assert not problems, "\n".join(problems)


def test_not_valid_and_validate_in_separate_transactions():
    problems = [f"{p.relative_to(DB)}: {', '.join(names)} added NOT VALID and validated in one transaction"
                for p in SCRIPTS if (names := validated_where_added(p.read_text()))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "sql, altered",
    [
        ("BEGIN; ALTER TABLE orchestrator.tools ADD COLUMN x int; COMMIT;", ["orchestrator.tools"]),
        ("BEGIN; SET LOCAL lock_timeout = '2s'; ALTER TABLE orchestrator.tools ADD COLUMN x int; COMMIT;", []),
        ("BEGIN; CREATE TABLE orchestrator.t (x int); CREATE INDEX t_x ON orchestrator.t (x); COMMIT;", []),
        ("CREATE TRIGGER t AFTER UPDATE OF status ON orchestrator.tools FOR EACH ROW EXECUTE FUNCTION f();",
         ["orchestrator.tools"]),
        ("DO $$ BEGIN EXECUTE format('DROP TRIGGER %I ON orchestrator.%I', 'a', 'b'); END $$;", ["orchestrator.%I"]),
        ("-- ALTER TABLE orchestrator.tools, in a comment\nSELECT 1;", []),
    ],
)
def test_the_lock_timeout_rule(sql, altered):
    assert altered_without_lock_timeout(sql) == altered


@pytest.mark.parametrize(
    "sql, found",
    [
        ("BEGIN; ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT c; COMMIT;", ["c"]),
        ("BEGIN; ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID; COMMIT;\n"
         "BEGIN; ALTER TABLE t VALIDATE CONSTRAINT c; COMMIT;", []),
    ],
)
def test_the_not_valid_rule(sql, found):
    assert validated_where_added(sql) == found


def test_squawk(db_url):
    with psycopg.connect(db_url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    squawk = Path(sys.executable).with_name("squawk")  # squawk-cli, from pyproject.toml's test extra
    deploys = [str(p.relative_to(ROOT)) for p in SCRIPTS if p.is_relative_to(DB / "deploy")]
    result = subprocess.run([str(squawk), "--config", ".squawk.toml", f"--pg-version={server}", "--reporter", "gcc",
                             *deploys], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
