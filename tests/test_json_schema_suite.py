"""JSON-Schema-Test-Suite, draft 2020-12, through api.json_schema_validate.

The suite lives beside the checkout, in ../shared/json-schema-test-suite/draft2020-12/ (see its
README: a subset of the official suite, without optional/ and refRemote.json). Every case of every
file counts; a case whose call raises counts as failed. One statement per file: all its cases go
in as one jsonb array. The table of pass counts per file is printed; below MIN_PASS_RATE of all
cases the test fails. The cases that still fail, and why, are listed in README.md. The boolean
form (orchestrator.json_schema_is_valid, a separate code path) must agree with the errors on
every case.
"""

from __future__ import annotations

import json

import psycopg
import pytest

from conftest import ROOT

SUITE = ROOT.parent / "shared" / "json-schema-test-suite"
MIN_PASS_RATE = 0.98

# A case that raises (a "$ref" to a remote schema, say) is a failed case, not a failed file.
CASE_FUNCTION = """
CREATE FUNCTION pg_temp.suite_case(schema jsonb, instance jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    ctx jsonb;
    errors boolean;
BEGIN
    errors := EXISTS (SELECT FROM api.json_schema_validate(schema => schema, instance => instance));
    ctx := orchestrator.json_schema_compile(schema);
    IF orchestrator.json_schema_is_valid(ctx, instance) = EXISTS (SELECT FROM orchestrator.json_schema_errors(ctx, instance)) THEN
        RETURN 'boolean form disagrees with the errors';
    END IF;
    RETURN CASE WHEN errors THEN 'invalid' ELSE 'valid' END;
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE || ': ' || SQLERRM;
END
$$
"""

FILE_SQL = """
SELECT c.ordinality::int, pg_temp.suite_case(c.value->'schema', c.value->'data')
FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS c
ORDER BY c.ordinality
"""


def suite_files():
    directory = SUITE / "draft2020-12"
    if not directory.is_dir():
        pytest.fail(f"the JSON Schema test suite is missing: {directory}", pytrace=False)
    return sorted(directory.glob("*.json"))


def run_suite(url: str):
    results = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(CASE_FUNCTION)
        for path in suite_files():
            cases = [{"group": g["description"], "case": t["description"], "schema": g["schema"],
                      "data": t["data"], "valid": t["valid"]}
                     for g in json.loads(path.read_text()) for t in g["tests"]]
            # jsonb cannot hold U+0000: such a case cannot even be sent, and counts as failed.
            sendable = [c for c in cases if "\\u0000" not in json.dumps(c)]
            rows = conn.execute(FILE_SQL, (json.dumps(sendable),)).fetchall() if sendable else []
            outcomes = iter(outcome for _, outcome in rows)
            results[path.name] = [(c, next(outcomes) if c in sendable else "not sent: U+0000 in jsonb") for c in cases]
    return results


def test_json_schema_test_suite(db_url, capsys):
    results = run_suite(db_url)
    passed_total = total = 0
    lines = [f"{'file':<32} {'pass':>5} {'total':>6}"]
    failures = []
    for name, outcomes in results.items():
        passed = 0
        for case, outcome in outcomes:
            if outcome == ("valid" if case["valid"] else "invalid"):
                passed += 1
            else:
                failures.append(f"{name} | {case['group']} | {case['case']} | expected "
                                f"{'valid' if case['valid'] else 'invalid'}, got {outcome}")
        passed_total += passed
        total += len(outcomes)
        lines.append(f"{name:<32} {passed:>5} {len(outcomes):>6}")
    rate = passed_total / total
    lines.append(f"{'all':<32} {passed_total:>5} {total:>6}  {rate:.1%}")
    with capsys.disabled():  # the table belongs in the output of every run, passing or not
        print("\n" + "\n".join(lines))
        print("failing cases:\n" + "\n".join(failures))
    assert total > 0
    assert rate >= MIN_PASS_RATE, f"{passed_total}/{total} = {rate:.1%} < {MIN_PASS_RATE:.0%}"
