"""A newcomer's first run: the Makefile's help, `make doctor` on a fresh clone, and the local
cluster started from a directory only root may enter (as /root is), reachable by no other OS user.

The clone is the working tree's files copied (mtimes kept) into a 0700 directory. It borrows this
checkout's .venv and node_modules (symlinks), so nothing is installed; it gets its own
project-local cluster, stopped and removed at the end."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from psycopg.conninfo import conninfo_to_dict

from conftest import ROOT, admin_url, free_port, is_local_socket

TARGET_LINE = "  make "


def sh(cmd: list[str], cwd: Path, timeout: int = 300, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GATEWAY_DATABASE_URL", "PORT")}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**environment, **env})


def test_make_alone_lists_the_targets():
    targets = [line.split(":")[0] for line in (ROOT / "Makefile").read_text().splitlines()
               if line[:1].isalpha() and ":" in line and "##" in line]
    bare, helped = sh(["make", "-s"], ROOT, timeout=30), sh(["make", "-s", "help"], ROOT, timeout=30)
    assert bare.returncode == 0 and bare.stdout == helped.stdout
    listed = [line.split()[1] for line in bare.stdout.splitlines() if line.startswith(TARGET_LINE)]
    assert listed == targets and len(bare.stdout.splitlines()) == len(targets)


def copy_checkout(to: Path) -> None:
    files = sh(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT, timeout=30).stdout
    for name in filter(None, files.split("\0")):
        if (ROOT / name).is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, to / name)


def cannot_connect_as_nobody(url: str) -> str:
    result = subprocess.run(["runuser", "-u", "nobody", "--", "psql", url, "-Xtc", "select 1"], cwd="/",
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0, result.stdout
    return result.stderr


def test_the_local_cluster_admits_no_other_os_user():
    if not is_local_socket():
        pytest.skip("DATABASE_URL names another server: there is no local cluster to check")
    socket_dir = Path(conninfo_to_dict(admin_url())["host"])
    assert socket_dir.stat().st_mode & 0o077 == 0, oct(socket_dir.stat().st_mode)
    if os.geteuid() == 0:
        assert "Permission denied" in cannot_connect_as_nobody(admin_url())


@pytest.fixture
def private_clone(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    clone = home / "aio"
    clone.mkdir()
    copy_checkout(clone)
    yield clone
    sh(["bash", "scripts/dev.sh", "db-stop"], clone, timeout=120)
    cluster = (clone / ".pgdata").resolve()
    if cluster != clone / ".pgdata":
        shutil.rmtree(cluster, ignore_errors=True)


def test_fresh_clone_in_a_private_directory(private_clone):
    clone = private_clone
    # make doctor: reports, installs nothing, and works with no .venv.
    doctor = sh(["make", "-s", "doctor"], clone, timeout=60)
    assert doctor.returncode != 0
    states = {line[9:38].strip(): line[:8].strip() for line in doctor.stdout.splitlines() if line[:8].strip() in ("ok", "missing")}
    assert states[".venv"] == "missing" and states["docs assets"] == "missing" and states["psql"] == "ok", doctor.stdout
    assert not (clone / ".venv").exists() and not (clone / "node_modules").exists()

    (clone / ".venv").symlink_to(ROOT / ".venv")
    (clone / "node_modules").symlink_to(ROOT / "node_modules")
    assert sh(["make", "-s", "doctor"], clone, timeout=60).returncode == 0

    port = free_port()
    started = time.monotonic()
    server = subprocess.Popen(["make", "-s", "run"], cwd=clone, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GATEWAY_DATABASE_URL")},
                                   "PORT": str(port)}, start_new_session=True)
    try:
        key = None
        while time.monotonic() - started < 240:
            if server.poll() is not None:
                pytest.fail(f"make run stopped:\n{server.stdout.read()}")
            try:
                key = (clone / ".aio" / "admin.key").read_text().strip()
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except (OSError, httpx.HTTPError):
                pass
            time.sleep(0.5)
        response = httpx.get(f"http://127.0.0.1:{port}/nodes/", headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert response.status_code == 200, response.text
    finally:
        os.killpg(server.pid, 15)
        output = server.communicate(timeout=30)[0]
    assert "make db-stop" in output and "deploy: changes" in output, output

    url = sh(["bash", "scripts/dev.sh", "url"], clone, timeout=60).stdout.strip()
    socket_dir = Path(conninfo_to_dict(url)["host"])
    assert socket_dir.is_relative_to((clone / ".pgdata").resolve())
    if os.geteuid() == 0:
        # Run by root: the cluster lives outside the 0700 home, where postgres may go.
        assert (clone / ".pgdata").is_symlink() and (clone / ".pgdata").resolve().name.startswith("aio-")
        assert (clone / ".pgdata" / "checkout").read_text().strip() == str(clone)
        assert "Permission denied" in cannot_connect_as_nobody(url)
    assert (clone / ".pgdata").resolve().stat().st_mode & 0o077 == 0


def make(*args: str, url: str) -> subprocess.CompletedProcess:
    result = sh(["make", "-s", *args], ROOT, timeout=120, DATABASE_URL=url)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_make_psql_as_a_request_role_with_options(db_url):
    assert make("psql", 'ARGS=-XtAc "select current_user"', url=db_url).stdout.strip() == "postgres"
    assert make("psql", "ROLE=reader", 'ARGS=-XtAc "select current_user"', url=db_url).stdout.strip() == "aio_reader"
    denied = sh(["make", "-s", "psql", "ROLE=reader", "ARGS=-Xc \"select api.node_delete(node_id => gen_random_uuid())\""],
                ROOT, timeout=120, DATABASE_URL=db_url)
    assert denied.returncode != 0 and "permission denied" in denied.stderr


def test_make_functions_is_a_readable_listing(db_url):
    listing = make("functions", url=db_url).stdout
    assert len(listing) < 40_000  # \df+ api.* prints megabytes of source
    line = next(line for line in listing.splitlines() if line.split("|")[0].strip() == "node_get")
    assert "node_id uuid" in line and "GET /nodes/{node_id}" in line and "One node by id" in line
    assert "tool_get" not in make("functions", "NAME=^node_get$", url=db_url).stdout
