"""plpgsql_check over every PL/pgSQL function of the project, on the deployed test database.

Errors, other, extra and security warnings all fail the test, except the messages in ALLOWED.
Performance warnings are left off: on this code they are advice on volatility (a helper that only
raises "should be IMMUTABLE", which would let the planner raise it while folding constants) and
on implicit casts; speed is measured in bench/ and plans are checked in test_plans.py.

What the checker cannot see is told in the function itself: a trigger function names its
transition tables in a `@plpgsql_check_options:` comment, a statement it cannot judge sits between
`PERFORM 'PRAGMA:disable:...'` and `PERFORM 'PRAGMA:enable:...'` with a comment saying why.
"""

import psycopg

SCHEMAS = ["api", "orchestrator", "auth", "idempotency"]

ALLOWED = {
    # "limit" is the page size of every list, the same word as the HTTP query parameter; callers
    # write "limit" => n. A reserved word, quoted wherever it is used.
    'name of parameter "limit" is reserved keyword',
}

# A trigger function is checked once per table it is attached to (relid), with that table's rows.
CHECK = """
SELECT p.oid::regprocedure::text, t.tgrelid::regclass::text, c.lineno, c.level, c.sqlstate, c.message, c.detail
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
LEFT JOIN pg_catalog.pg_trigger t ON t.tgfoid = p.oid AND NOT t.tgisinternal
CROSS JOIN LATERAL public.plpgsql_check_function_tb(p.oid, coalesce(t.tgrelid, 0),
    fatal_errors => false, other_warnings => true, extra_warnings => true,
    security_warnings => true, performance_warnings => false) c
WHERE p.pronamespace::regnamespace::text = ANY (%(schemas)s)
  AND (p.prorettype <> 'trigger'::regtype OR t.tgrelid IS NOT NULL)
ORDER BY 1, 2, 3
"""

COUNT = """
SELECT count(*) FILTER (WHERE p.prorettype <> 'trigger'::regtype OR t.tgrelid IS NOT NULL),
       array_agg(p.oid::regprocedure::text) FILTER (WHERE p.prorettype = 'trigger'::regtype AND t.tgrelid IS NULL)
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
LEFT JOIN pg_catalog.pg_trigger t ON t.tgfoid = p.oid AND NOT t.tgisinternal
WHERE p.pronamespace::regnamespace::text = ANY (%(schemas)s)
"""


def test_plpgsql_check(db_url):
    # One transaction, rolled back: the extension leaves no trace in the shared test database.
    with psycopg.connect(db_url) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check SCHEMA public")
        checked, unattached = conn.execute(COUNT, {"schemas": SCHEMAS}).fetchone()
        findings = conn.execute(CHECK, {"schemas": SCHEMAS}).fetchall()
        conn.rollback()
    assert checked > 50, "too few PL/pgSQL functions found: is the plan deployed?"
    # Without a table, a trigger function cannot be checked.
    assert not unattached, f"trigger functions attached to no table: {unattached}"
    problems = [
        f"{fn}{f' on {rel}' if rel else ''}, line {line}: {level} {state}: {message}" + (f" ({detail})" if detail else "")
        for fn, rel, line, level, state, message, detail in findings
        if message not in ALLOWED
    ]
    assert not problems, "\n".join(problems)
    seen = {message for *_, message, _ in findings}
    assert ALLOWED <= seen, f"allowed messages no longer reported, remove them: {ALLOWED - seen}"
