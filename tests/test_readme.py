"""The README's examples run as written.

Every `curl` line of the README's sh blocks (with its continuation lines) runs against a test
gateway, from a directory holding .aio/admin.key with a test admin key: the only changes are the
gateway's URL for http://127.0.0.1:8000 and --fail-with-body, so that an HTTP error fails the
example. The psql example and `make seed` (bench/seed.sql) run one after the other in both orders.
The invocations example (the one `bash` block: a script whose lines share variables) runs whole,
with a real agent, in the same setting.
"""

import re
import subprocess

import pytest

from conftest import ROOT, run

pytestmark = pytest.mark.usefixtures("leaves_no_invocations")

README = (ROOT / "README.md").read_text()
MAKE_RUN_URL = "http://127.0.0.1:8000"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.M | re.S)


def curl_commands() -> list[str]:
    commands = []
    for block in blocks("sh"):
        for command in re.sub(r"\\\n\s*", "", block).splitlines():
            if command.strip().startswith("curl "):
                commands.append(command.strip())
    return commands


def test_readme_curl_examples_run_as_written(gateway_url, api_keys, tmp_path):
    commands = curl_commands()
    assert len(commands) >= 3 and all(MAKE_RUN_URL in c for c in commands), commands
    (tmp_path / ".aio").mkdir()
    (tmp_path / ".aio" / "admin.key").write_text(api_keys["admin"] + "\n")
    for command in commands:
        command = command.replace(MAKE_RUN_URL, gateway_url).replace("curl ", "curl --fail-with-body ")
        result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=tmp_path, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0 and result.stdout.strip(), f"{command}\n{result.stdout}\n{result.stderr}"


def psql_script(db_url: str, tmp_path, *parts: str) -> str:
    """The parts (files or SQL), in one transaction that is rolled back."""
    script = tmp_path / "script.sql"
    script.write_text("\\set ON_ERROR_STOP 1\nBEGIN;\n" + "\n".join(parts) + "\nROLLBACK;\n")
    return run(["psql", "-X", "-q", "-f", str(script)], db_url).stdout


def test_readme_sql_example_and_seed_do_not_collide(db_url, tmp_path):
    (example,) = blocks("sql")
    seed = f"\\ir {ROOT / 'bench' / 'seed.sql'}"
    output = psql_script(db_url, tmp_path, example, seed, seed)
    assert "1.10.0" in output
    assert re.search(r"sample data: added 7 nodes, 12 tools, \d+ tags, \d+ artifacts", output), output
    assert "already loaded (node executor-eu-1 exists), nothing added" in output, output
    psql_script(db_url, tmp_path, seed, example)


def test_readme_invocation_example_runs_as_written(gateway_url, api_keys, tmp_path):
    (script,) = blocks("bash")
    assert MAKE_RUN_URL in script and "python -m agent" in script
    (tmp_path / ".aio").mkdir()
    (tmp_path / ".aio" / "admin.key").write_text(api_keys["admin"] + "\n")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")  # "from the checkout": .venv/bin/python
    script = script.replace(MAKE_RUN_URL, gateway_url)
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    final = result.stdout.strip().splitlines()[-1]
    assert '"state":"SUCCEEDED"' in final and '"output":{"words": 6}' in final, final
    assert "agent stopped" in result.stderr, result.stderr  # the agent's last line: it drained and exited
    assert not re.search(r"aio_[0-9a-f]{64}", result.stdout + result.stderr), "a key was printed"
