"""Test fixtures: a scratch database deployed with sqitch, and the real gateway serving it.

`make test` sets AIO_ADMIN_URL (the project-local cluster, or DATABASE_URL). Without it the
tests fail: a missing database is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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


# The process id of each running gateway, by base URL.
GATEWAY_PIDS: dict[str, int] = {}


@contextlib.contextmanager
def running_gateway(db_url: str, name: str = "gateway", ready: str = "/ready", **env_overrides: str):
    """The real gateway (uvicorn, in its own process) serving db_url; yields its base URL once
    `ready` answers 200 (/health: the process answers, whether or not it reaches the database)."""
    port = free_port()
    dbname = conninfo_to_dict(db_url)["dbname"]
    # Locally the gateway logs in as aio_gateway, exactly as `make run` does.
    login = url_for(dbname, "aio_gateway") if is_local_socket() else db_url
    env = {**os.environ, "GATEWAY_DATABASE_URL": login, "DATABASE_URL": db_url, "HOST": "127.0.0.1",
           "PORT": str(port), "AIO_MAX_BODY_BYTES": str(64 * 1024), **env_overrides}
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    log = open(ROOT / ".pytest_cache" / f"{name}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(f"{base}{ready}", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the gateway did not become ready (see .pytest_cache/{name}.log)", pytrace=False)
            time.sleep(0.2)
        GATEWAY_PIDS[base] = proc.pid
        yield base
    finally:
        GATEWAY_PIDS.pop(base, None)
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


class ServerLog:
    """The PostgreSQL server log of the test cluster, read from where it stood when made: the
    project-local cluster's .pgdata/server.log (next to its socket directory), or AIO_SERVER_LOG."""

    def __init__(self):
        given = os.environ.get("AIO_SERVER_LOG")
        host = str(conninfo_to_dict(admin_url()).get("host", ""))
        self.path = Path(given) if given else Path(host).parent / "server.log"
        if not (given or is_local_socket()) or not self.path.is_file():
            pytest.fail(f"no PostgreSQL server log at {self.path}: set AIO_SERVER_LOG to the file", pytrace=False)
        self.start = self.path.stat().st_size

    def new_text(self) -> str:
        with open(self.path, "rb") as f:
            f.seek(self.start)
            return f.read().decode(errors="replace")


def raw_exchange(base: str, data: bytes, wait_s: float = 5.0) -> bytes:
    """Sends bytes on a fresh connection to the gateway and returns what comes back within wait_s
    (until the gateway closes the connection or a whole response with its body is there)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait_s) as s:
        s.sendall(data)
        received, deadline = b"", time.monotonic() + wait_s
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = [int(v) for k, _, v in (h.partition(b":") for h in head.split(b"\r\n")[1:])
                      if k.strip().lower() == b"content-length"]
            if length and len(body) >= length[0]:
                break
        return received


# --- invocations: nodes with keys, and real agents (python -m agent) -------------------------------

@pytest.fixture(scope="module")
def leaves_no_invocations(db_url):
    """Deletes, after a test module, the invocations made while it ran: a tool with invocations
    cannot be deleted, and other tests (pgTAP fixtures among them) delete tools."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        since = conn.execute("SELECT now()").fetchone()[0]
    yield
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DELETE FROM orchestrator.invocations WHERE created_at >= %s", (since,))


def node_with_key(http: httpx.Client, db_url: str, **fields) -> tuple[str, str]:
    """A new node and a node key for it (made in psql, as a DBA would): (node_id, key)."""
    node_id = new_node(http, name=f"agent-{token()}", **fields)["node_id"]
    with psycopg.connect(db_url, autocommit=True) as conn:
        key = conn.execute("SELECT key FROM api.api_key_create(role => 'node', label => 'pytest agent', node_id => %s)",
                           (node_id,)).fetchone()[0]
    return node_id, key


def start_agent(gateway_url: str, node_id: str, key: str, *args: str, name: str = "agent") -> subprocess.Popen:
    """`python -m agent` in its own process, with the handlers of tests/agent_handlers.py importable;
    the key travels in the environment. Its log is .pytest_cache/<name>.log."""
    (ROOT / ".pytest_cache").mkdir(exist_ok=True)
    log = open(ROOT / ".pytest_cache" / f"{name}.log", "w")
    env = {**os.environ, "AIO_AGENT_KEY": key, "PYTHONPATH": str(ROOT / "tests")}
    return subprocess.Popen([sys.executable, "-m", "agent", "--gateway", gateway_url, "--node-id", node_id, *args],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_agent(proc: subprocess.Popen, timeout: float = 30) -> int:
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def wait_until(check, timeout: float, step: float = 0.1, what: str = "the condition"):
    """check() until it returns something truthy (returned), or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s (last: {value!r})", pytrace=False)
        time.sleep(step)


FINAL_STATES = {"SUCCEEDED", "FAILED", "OUTPUT_INVALID", "CANCELLED", "TIMED_OUT", "DEAD"}


def final_invocation(http: httpx.Client, invocation_id: str, timeout: float = 30) -> dict:
    """GET /invocations/{id} until its state is final; the invocation (with its attempts)."""
    def check():
        r = http.get(f"/invocations/{invocation_id}")
        assert r.status_code == 200, r.text
        body = r.json()
        return body if body["state"] in FINAL_STATES else None
    return wait_until(check, timeout, what=f"invocation {invocation_id} reaching a final state")


def pg_bin() -> Path:
    majors = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    assert majors, "no PostgreSQL server binaries"
    return majors[-1].parent


def as_pg_owner(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Cluster:
    """A throwaway PostgreSQL cluster on a socket of its own (the fault and standby tests); with
    primary, a hot standby of that cluster (pg_basebackup -R: it streams from the primary)."""

    def __init__(self, primary: Cluster | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="aio-cluster-"))
        self.data, self.sock, self.port = self.dir / "data", self.dir / "run", free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        as_pg_owner(["mkdir", "-p", str(self.sock)])
        if primary is None:
            made = as_pg_owner([str(pg_bin() / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        else:
            made = as_pg_owner([str(pg_bin() / "pg_basebackup"), "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast",
                                "-h", str(primary.sock), "-p", str(primary.port), "-U", "postgres"])
        assert made.returncode == 0, made.stderr
        with open(self.data / "postgresql.conf", "a") as conf:  # a standby's copy: the last lines win
            conf.write(f"listen_addresses = ''\nunix_socket_directories = '{self.sock}'\nport = {self.port}\n"
                       "fsync = on\nmax_connections = 50\n")
        self.ctl("start")

    def url(self, db="postgres", user="postgres") -> str:
        return f"postgresql:///{db}?host={self.sock}&port={self.port}&user={user}"

    def deployed(self, db: str) -> str:
        """The URL of a new database of this cluster, with the sqitch plan deployed."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        url = self.url(db)
        deploy = subprocess.run(["sqitch", "deploy"], cwd=ROOT, env=libpq_env(url), capture_output=True, text=True)
        assert deploy.returncode == 0, deploy.stderr
        return url

    def gateway(self, db: str, **env: str):
        """The real gateway serving database db of this cluster, logged in as aio_gateway (a context
        manager yielding its base URL; its log is .pytest_cache/gateway-<db>.log)."""
        return running_gateway(self.url(db), f"gateway-{db}", GATEWAY_DATABASE_URL=self.url(db, "aio_gateway"), **env)

    def ctl(self, action: str, mode: str | None = None) -> None:
        cmd = [str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "60", action]
        if mode:
            cmd += ["-m", mode]
        result = as_pg_owner(cmd)
        log = (self.dir / "server.log").read_text()[-2000:] if (self.dir / "server.log").exists() else ""
        assert result.returncode == 0, result.stderr + result.stdout + log

    def kill9(self) -> None:
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        time.sleep(1.0)  # let the orphaned backends notice and exit
        # Without an init that reaps it, the killed postmaster lingers as a zombie whose pid
        # still "exists"; its lock file is stale either way.
        as_pg_owner(["rm", "-f", str(self.data / "postmaster.pid"), str(self.sock / f".s.PGSQL.{self.port}.lock"),
                     str(self.sock / f".s.PGSQL.{self.port}")])
        self.ctl("start")

    def restart(self, how: str) -> None:
        if how == "kill9":
            self.kill9()
        else:
            self.ctl("restart", how)

    def ready(self) -> bool:
        try:
            with psycopg.connect(self.url(), connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    def lsn(self) -> str:
        with psycopg.connect(self.url()) as conn:
            return conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]

    def replayed(self, lsn: str, timeout: float = 30) -> None:
        """Waits until this standby has replayed the primary's WAL up to lsn."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            wait_until(lambda: conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0],
                       timeout, what=f"the standby to replay up to {lsn}")

    def destroy(self) -> None:
        as_pg_owner([str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)
