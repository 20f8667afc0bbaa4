"""Schemathesis over the OpenAPI document, against the real gateway: fuzzing of every operation
(DELETE /keys/{key_id} included), then stateful sequences that follow the documented links
(create -> get/update/delete).

It runs on a database and gateway of its own: fuzzing deletes at random. Schemathesis signs in
with a JWT (the gateway gets an HS256 secret), not an API key, so revoking keys cannot lock it out.
Settings are in tests/schemathesis.toml.

Every check runs, positive data acceptance included: a request that fits the document must be
accepted. The document carries the value rules: those of the table columns that creates store
(UPPER_SNAKE names, URLs, tags, lengths, enumerations, semver, JSON objects), derived from the CHECK
constraints in pg_catalog; null where an argument's default is NULL (or its route says the
function takes it); no U+0000 in text or JSON; and the rules kept in function bodies (limit 1..1000, day, hour and second ranges, cursor and
If-Match formats, enumerations of filters), declared next to each route in gateway/routes.py.
This test holds those declarations to the functions both ways. A request that fits the document
may still be refused for the state of the data (404, 409, 412) or a body over the size limit
(413); and with 422 only on the operations whose document says so (x-valid-input-may-get-422,
the reasons in their 422 response): a cursor the list did not issue, a rule between two fields,
the clock, a size in bytes.
"""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import jwt

from conftest import ROOT, TEST_DB, recreate_database, running_gateway, sqitch


def test_schemathesis_finds_nothing():
    url = recreate_database(f"{TEST_DB}_fuzz")
    sqitch(url, "deploy")
    # The fuzzer is an admin by a JWT, not by an API key: it revokes keys at random (the ones it
    # creates through POST /keys/), and none of them is its own.
    secret = secrets.token_urlsafe(32)
    token = jwt.encode({"role": "admin", "sub": "schemathesis", "exp": int(time.time()) + 3600}, secret, algorithm="HS256")
    # Claims are held at most 1 s: a fuzzed wait_seconds (up to 60) on an empty queue would hold
    # each generated claim until its deadline.
    with running_gateway(url, "gateway-fuzz", AIO_JWT_SECRET=secret, AIO_JWT_PUBLIC_KEY="", AIO_JWT_AUDIENCE="",
                         AIO_CLAIM_WAIT_MAX_S="1") as base:
        result = subprocess.run(
            [str(Path(sys.executable).with_name("st")), "--config-file", str(ROOT / "tests" / "schemathesis.toml"),
             "run", f"{base}/openapi.json",
             "-H", f"Authorization: Bearer {token}",
             "--checks", "all",
             # One worker: hypothesis' source inspection is not thread-safe on Python 3.11.
             "--max-examples", os.environ.get("AIO_SCHEMATHESIS_EXAMPLES", "25"), "--workers", "1",
             # Deterministic generation: the same cases every run, so a red run is a real finding.
             "--seed", "20261124", "--generation-deterministic", "--request-timeout", "30"],
            cwd=ROOT, capture_output=True, text=True, timeout=900,
        )
    summary = result.stdout[-6000:]
    print(summary)
    assert result.returncode == 0, summary
