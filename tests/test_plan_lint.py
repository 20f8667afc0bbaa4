"""The house rules of the sqitch plan (README, "Releases and versioned functions").

- One home per function: every function of api, orchestrator and auth in the deployed catalog is
  created by exactly one current deploy script (db/deploy/**/<change>.sql, not a frozen
  <change>@<tag>.sql), and an api function by one in db/deploy/api/: its family's file.
- Change names describe objects: no word of a name is one of FIX_WORDS, and a name begins with
  the name of an object in the catalog (a schema, table, view, type, index or constraint), or is
  a family of functions or views that its deploy script creates, or is one of CLUSTER_OBJECTS.
- A data/* change never requires an api/* change.
- A change appears at most once between two tags: one rework per release.
"""

import re

import psycopg
import pytest

from conftest import ROOT

PLAN = ROOT / "sqitch.plan"
DEPLOY = ROOT / "db" / "deploy"

# Words that say why a change was made (a fix, a speed-up), not what it is: the why belongs in
# the commit message.
FIX_WORDS = {
    "fix", "fixed", "fixes", "bug", "bugfix", "hotfix", "patch", "workaround", "again", "tmp",
    "bounded", "sample", "whole", "numbers", "insert", "first", "invoker", "definer", "strict",
    "rule", "search", "fast", "faster", "speed", "speedup", "cheap", "cheaper", "perf",
    "optimize", "optimise", "improve", "improved", "better", "new", "v2", "statements",
}
# Objects outside the project's schemas: cluster roles and the schemas themselves.
CLUSTER_OBJECTS = {"roles", "schemas"}

CREATE_FUNCTION = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(\w+)\.(\w+)\s*\(", re.I)
CREATE_FAMILY = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|VIEW|MATERIALIZED\s+VIEW)\s", re.I)


def plan_entries() -> list[tuple[str, list[str], int]]:
    """(name, requirements, release) per change; release counts the tags before it."""
    entries, release = [], 0
    for line in PLAN.read_text().splitlines():
        if not line.strip() or line.startswith("%"):
            continue
        if line.startswith("@"):
            release += 1
            continue
        match = re.match(r"(\S+)(?:\s+\[([^\]]*)\])?", line)
        entries.append((match[1], (match[2] or "").split(), release))
    return entries


def current_scripts() -> list:
    """The deploy scripts of the changes in use: every name in the plan, without @<tag>."""
    return sorted({DEPLOY / f"{name}.sql" for name, _, _ in plan_entries()})


def creators() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in current_scripts():
        for schema, name in CREATE_FUNCTION.findall(path.read_text()):
            found.setdefault((schema.lower(), name.lower()), []).append(str(path.relative_to(DEPLOY)))
    return found


def test_every_function_has_one_home(db_url):
    with psycopg.connect(db_url) as conn:
        functions = conn.execute(
            """SELECT DISTINCT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname IN ('api', 'orchestrator', 'auth')
                 AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"""
        ).fetchall()
    assert len(functions) > 50
    homes = creators()
    problems = []
    for schema, name in functions:
        files = homes.get((schema, name), [])
        if len(files) != 1:
            problems.append(f"{schema}.{name} is created by {len(files)} current deploy scripts: {files}")
        elif schema == "api" and not files[0].startswith("api/"):
            problems.append(f"api.{name} is created in {files[0]}, not in its family's db/deploy/api/<family>.sql")
    assert not problems, "\n".join(problems)


def catalog_names(db_url) -> set[str]:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            """SELECT nspname FROM pg_namespace
               UNION SELECT relname FROM pg_class
               UNION SELECT typname FROM pg_type
               UNION SELECT conname FROM pg_constraint"""
        ).fetchall()
    return {name for (name,) in rows}


def name_problems(name: str, objects: set[str], families: set[str]) -> list[str]:
    words = name.split("/")[-1].split("_")
    problems = []
    fix = sorted(set(words) & FIX_WORDS)
    if fix:
        problems.append(f"{name}: {', '.join(fix)} says why, not what (put it in the commit message)")
    prefixes = {"_".join(words[:n]) for n in range(1, len(words) + 1)}
    if not (prefixes & objects or name in families):
        problems.append(f"{name}: names no object in the catalog and creates no functions or views")
    return problems


def test_change_names_describe_objects(db_url):
    objects = catalog_names(db_url) | CLUSTER_OBJECTS
    families = {name for name, _, _ in plan_entries() if CREATE_FAMILY.search((DEPLOY / f"{name}.sql").read_text())}
    problems = [p for name, _, _ in plan_entries() for p in name_problems(name, objects, families)]
    assert not problems, "\n".join(problems)


def test_data_never_requires_api():
    wrong = [(name, deps) for name, deps, _ in plan_entries()
             if name.startswith("data/") and any(d.startswith("api/") for d in deps)]
    assert not wrong, f"data changes that require api changes: {wrong}"


def test_one_rework_per_release():
    seen: dict[tuple[str, int], int] = {}
    for name, _, release in plan_entries():
        seen[name, release] = seen.get((name, release), 0) + 1
    twice = sorted(name for (name, _), count in seen.items() if count > 1)
    assert not twice, f"changes reworked more than once in one release: {twice}"


@pytest.mark.parametrize(
    "name, objects, families, refused",
    [
        ("api/artifacts_batch_whole_numbers", set(), {"api/artifacts_batch_whole_numbers"}, True),
        ("data/triggers_invoker", set(), set(), True),
        ("api/integrity_bounded", set(), set(), True),
        ("data/nodes_labels_strict", {"nodes", "nodes_labels_format"}, set(), True),
        ("data/tool_tags_list_order", {"tool_tags"}, set(), False),
        ("data/nodes_labels_format", {"nodes_labels_format"}, set(), False),
        ("api/queries", set(), {"api/queries"}, False),
        ("api/reports", set(), set(), True),
    ],
)
def test_the_name_rule(name, objects, families, refused):
    assert bool(name_problems(name, objects, families)) == refused
