"""Test fixtures: a scratch database deployed with sqitch, and the real gateway serving it.

`make test` sets AIO_ADMIN_URL (the project-local cluster, or DATABASE_URL). Without it the
tests fail: a missing database is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
# Parallel runs (several checkouts on one cluster) can choose their own scratch database.
TEST_DB = os.environ.get("AIO_TEST_DB", "ai_orchestrator_test")


def admin_url() -> str:
    url = os.environ.get("AIO_ADMIN_URL")
    if not url:
        pytest.fail("AIO_ADMIN_URL is not set: run the tests with `make test`", pytrace=False)
    return url


def url_for(dbname: str, user: str | None = None) -> str:
    params = conninfo_to_dict(admin_url())
    params["dbname"] = dbname
    if user:
        params["user"] = user
        params.pop("password", None)
    return make_conninfo(**params)


def is_local_socket() -> bool:
    return str(conninfo_to_dict(admin_url()).get("host", "")).startswith("/")


def libpq_env(url: str) -> dict[str, str]:
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE"}
    env = dict(os.environ)
    for key, value in conninfo_to_dict(url).items():
        if key in names and value is not None:
            env[names[key]] = str(value)
    return env


def run(cmd: list[str], url: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=ROOT, env=libpq_env(url), capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}", pytrace=False)
    return result


def sqitch(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(["sqitch", *args], url, check=check)


def recreate_database(name: str) -> str:
    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url_for(name)


@pytest.fixture(scope="session")
def db_url() -> str:
    """A fresh database with the whole plan deployed (and pgTAP installed)."""
    url = recreate_database(TEST_DB)
    sqitch(url, "deploy", "--verify")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
    return url


@pytest.fixture
def db(db_url):
    """A connection as the deploying superuser, for arranging and checking data."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_gateway(db_url: str, name: str = "gateway", **env_overrides: str):
    """The real gateway (uvicorn, in its own process) serving db_url; yields its base URL."""
    port = free_port()
    dbname = conninfo_to_dict(db_url)["dbname"]
    # Locally the gateway logs in as aio_gateway, exactly as `make run` does.
    login = url_for(dbname, "aio_gateway") if is_local_socket() else db_url
    env = dict(os.environ, GATEWAY_DATABASE_URL=login, DATABASE_URL=db_url, HOST="127.0.0.1", PORT=str(port),
               AIO_MAX_BODY_BYTES=str(64 * 1024), **env_overrides)
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    log = open(ROOT / ".pytest_cache" / f"{name}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the gateway did not become ready (see .pytest_cache/{name}.log)", pytrace=False)
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def gateway_url(db_url):
    with running_gateway(db_url) as base:
        yield base


@pytest.fixture(scope="session")
def api_keys(db_url) -> dict[str, str]:
    """One API key per role, created as a DBA would, in psql."""
    keys = {}
    with psycopg.connect(db_url, autocommit=True) as conn:
        for role in ("admin", "writer", "reader"):
            keys[role] = conn.execute(
                "SELECT key FROM api.api_key_create(role => %s, label => %s)", (role, f"pytest {role}")
            ).fetchone()[0]
    return keys


def client(gateway_url: str, key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=gateway_url, timeout=30, headers=headers)


@pytest.fixture
def http(gateway_url, api_keys):
    """An admin client: the route tests exercise behaviour; tests/test_security.py the role matrix."""
    with client(gateway_url, api_keys["admin"]) as c:
        yield c


@pytest.fixture
def anon(gateway_url):
    with client(gateway_url) as c:
        yield c


# Data made through the API, as the route tests need it. Names carry token() so that tests and
# runs sharing one database never collide; every field can be overridden.
def token() -> str:
    return uuid.uuid4().hex[:12]


def _created(response: httpx.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def new_node(http: httpx.Client, **fields) -> dict:
    return _created(http.post("/nodes/", json={"node_type": "TOOL_EXECUTOR", "address": "http://10.2.0.1:8080", **fields}))


def new_tool(http: httpx.Client, **fields) -> dict:
    return _created(http.post("/tools/", json={"name": f"t-{token()}", "version": "1.0.0", "category": "NLP", **fields}))


def new_artifact(http: httpx.Client, **fields) -> dict:
    return _created(http.post("/artifacts/", json={"name": f"out-{token()}.bin", "uri": f"s3://results/{token()}", **fields}))


def next_url(response: httpx.Response) -> str | None:
    """The URL of the next page (the Link header, rel="next"); None on the last page."""
    link = response.headers.get("link")
    if not link:
        return None
    assert link.endswith('; rel="next"'), link
    return link[link.index("<") + 1 : link.index(">")]


def walk(http: httpx.Client, url: str, **params) -> tuple[list, int]:
    """Every item of a paged list, following the Link headers, and the number of pages."""
    items, pages = [], 0
    response = http.get(url, params=params or None)
    while True:
        assert response.status_code == 200, response.text
        items += response.json()
        pages += 1
        assert pages < 1000
        if not (url := next_url(response)):
            return items, pages
        response = http.get(url)


def problem(response: httpx.Response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """Asserts a problem+json error and returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["detail"]
    if code is not None:
        assert body.get("code") == code, body
    if field is not None:
        assert body.get("field") == field, body
    return body
