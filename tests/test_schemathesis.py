"""Schemathesis over the OpenAPI document, against the real gateway: fuzzing of every operation,
then stateful sequences that follow the documented links (create -> get/update/delete).

It runs on a database and gateway of its own: fuzzing deletes at random.
Every check runs except `positive_data_acceptance`: the document does not (yet) carry the
value rules that live in SQL CHECK constraints (UPPER_SNAKE identifiers, semver, URLs), so
values that fit the document's types may still be refused with a 422 that names the field.
"""

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from conftest import ROOT, TEST_DB, recreate_database, running_gateway, sqitch


def test_schemathesis_finds_nothing():
    url = recreate_database(f"{TEST_DB}_fuzz")
    sqitch(url, "deploy")
    with psycopg.connect(url, autocommit=True) as conn:
        key = conn.execute("SELECT key FROM api.api_key_create(role => 'admin', label => 'schemathesis')").fetchone()[0]
    with running_gateway(url, "gateway-fuzz") as base:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("st")), "run", f"{base}/openapi.json",
             "-H", f"Authorization: Bearer {key}",
             "--checks", "all", "--exclude-checks", "positive_data_acceptance",
             # Revoking keys at random would revoke the fuzzer's own key; tests/test_security.py covers it.
             "--exclude-operation-id", "api_key_revoke",
             # One worker: hypothesis' source inspection is not thread-safe on Python 3.11.
             "--max-examples", os.environ.get("AIO_SCHEMATHESIS_EXAMPLES", "25"), "--workers", "1",
             # Deterministic generation: the same cases every run, so a red run is a real finding.
             "--seed", "20261124", "--generation-deterministic", "--request-timeout", "30"],
            cwd=ROOT, capture_output=True, text=True, timeout=900,
        )
    summary = result.stdout[-6000:]
    print(summary)
    assert result.returncode == 0, summary
