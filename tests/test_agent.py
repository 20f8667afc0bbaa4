"""The node agent and the long-poll claim, with real processes: PostgreSQL, the gateway, `python -m agent`.

Every tool here is targeted at the node of the agent meant to run it, so that agents of different
tests never take each other's work. The handlers are in tests/agent_handlers.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from conftest import (client, final_invocation, new_node, new_tool, node_with_key, running_gateway, start_agent,
                      stop_agent, token, wait_until)

pytestmark = pytest.mark.usefixtures("leaves_no_invocations")

FAST = ("--heartbeat-interval", "1", "--wait", "5")
# A command handler: the number of keys of the input object.
WC = "python3 -c 'import json, sys; print(json.dumps({\"keys\": len(json.load(sys.stdin))}))'"


def submit(http: httpx.Client, tool: dict, input: dict, **fields) -> str:
    r = http.post("/invocations/", json={"tool_id": tool["tool_id"], "input": input, **fields})
    assert r.status_code == 201, r.text
    return r.json()["invocation_id"]


def tool_for(http: httpx.Client, node_id: str, prefix: str) -> dict:
    return new_tool(http, name=f"{prefix}-{token()}", target_node_id=node_id)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_python_and_command_agents_run_invocations_end_to_end(http, gateway_url, db_url, db):
    py_node, py_key = node_with_key(http, db_url)
    cmd_node, cmd_key = node_with_key(http, db_url)
    echo, art = tool_for(http, py_node, "echo"), tool_for(http, py_node, "artifact")
    wc = tool_for(http, cmd_node, "wc")
    agents = [
        start_agent(gateway_url, py_node, py_key, "--handler", f"{echo['name']}=agent_handlers:echo",
                    "--handler", f"{art['name']}=agent_handlers:with_artifact", "--concurrency", "3", *FAST,
                    name="agent-python"),
        start_agent(gateway_url, cmd_node, cmd_key, "--command", f"{wc['name']}={WC}", "--concurrency", "2", *FAST,
                    name="agent-command"),
    ]
    try:
        echoes = {submit(http, echo, {"n": n}): n for n in range(6)}
        counted = {submit(http, wc, {f"k{i}": i for i in range(n)}): n for n in range(1, 4)}
        made = submit(http, art, {"name": f"report-{token()}.txt"})
        for invocation_id, n in echoes.items():
            done = final_invocation(http, invocation_id)
            assert done["state"] == "SUCCEEDED", done
            assert done["output"]["echo"] == {"n": n}
            assert [(a["node_id"], a["outcome"]) for a in done["attempts"]] == [(py_node, "SUCCEEDED")], done
        for invocation_id, n in counted.items():
            done = final_invocation(http, invocation_id)
            assert done["state"] == "SUCCEEDED" and done["output"] == {"keys": n}, done
            assert done["attempts"][0]["node_id"] == cmd_node
        done = final_invocation(http, made)
        assert done["state"] == "SUCCEEDED" and done["output"]["written"].startswith("report-"), done
        artifacts = db.execute("SELECT name, node_id::text, tool_id::text FROM orchestrator.artifacts WHERE invocation_id = %s",
                               (made,)).fetchall()
        assert artifacts == [(done["output"]["written"], py_node, art["tool_id"])]
    finally:
        codes = [stop_agent(a) for a in agents]
    assert codes == [0, 0]


def test_failures_are_reported_retryable_or_not(http, gateway_url, db_url):
    node, key = node_with_key(http, db_url)
    broken, cmd = tool_for(http, node, "broken"), tool_for(http, node, "cmd")
    # The command fails as its input says: an exit status, or output that is not JSON.
    script = "python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"say\"]); sys.exit(d[\"status\"])'"
    agent = start_agent(gateway_url, node, key, "--handler", f"{broken['name']}=agent_handlers:broken",
                        "--command", f"{cmd['name']}={script}", "--concurrency", "4", *FAST, name="agent-failures")
    try:
        permanent = submit(http, broken, {"permanent": True})
        transient = submit(http, broken, {}, max_attempts=2)
        bad_data = submit(http, cmd, {"say": "{}", "status": 65})  # EX_DATAERR: not retried
        not_json = submit(http, cmd, {"say": "hello", "status": 0})
        flaky = submit(http, cmd, {"say": "{}", "status": 3}, max_attempts=2)

        done = final_invocation(http, permanent)
        assert done["state"] == "FAILED" and len(done["attempts"]) == 1, done
        assert done["error"]["code"] == "PermanentError" and "never work" in done["error"]["message"]
        done = final_invocation(http, transient, timeout=60)
        assert done["state"] == "DEAD" and [a["outcome"] for a in done["attempts"]] == ["FAILED", "FAILED"], done
        assert done["error"]["code"] == "RuntimeError"
        done = final_invocation(http, bad_data)
        assert done["state"] == "FAILED" and len(done["attempts"]) == 1, done
        assert done["error"]["exit_status"] == 65
        done = final_invocation(http, not_json)
        assert done["state"] == "FAILED" and done["error"]["code"] == "OUTPUT_NOT_JSON", done
        done = final_invocation(http, flaky, timeout=60)
        assert done["state"] == "DEAD" and len(done["attempts"]) == 2 and done["error"]["exit_status"] == 3, done
    finally:
        assert stop_agent(agent) == 0


def test_cancellation_stops_the_callable_and_the_command(http, gateway_url, db_url, tmp_path):
    node, key = node_with_key(http, db_url)
    sleepy, cmd = tool_for(http, node, "sleepy"), tool_for(http, node, "sleep")
    pid_file = tmp_path / "pid"
    command = f"sh -c 'echo $$ > {pid_file}; exec sleep 300'"
    agent = start_agent(gateway_url, node, key, "--handler", f"{sleepy['name']}=agent_handlers:sleepy",
                        "--command", f"{cmd['name']}={command}", "--concurrency", "2", *FAST, name="agent-cancel")
    try:
        python_run = submit(http, sleepy, {"seconds": 300})
        command_run = submit(http, cmd, {})
        for invocation_id in (python_run, command_run):
            wait_until(lambda: http.get(f"/invocations/{invocation_id}").json()["state"] == "RUNNING", 20,
                       what="the invocation running")
        pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 20, what="the command starting"))
        assert alive(pid)
        for invocation_id in (python_run, command_run):
            r = http.post(f"/invocations/{invocation_id}/cancel", json={"reason": "pytest"})
            assert r.status_code == 200, r.text
        for invocation_id in (python_run, command_run):
            # The agent learns of it at its next heartbeat (every second here), stops the run and
            # reports it (well before the sweep's grace of twice the lease, 60 s).
            done = final_invocation(http, invocation_id, timeout=30)
            assert done["attempts"][-1]["error"]["code"] == "CANCELLED", done
        assert not alive(pid), "the cancelled command still runs"
    finally:
        assert stop_agent(agent) == 0


def test_a_run_stopped_on_cancellation_ends_cancelled(http, gateway_url, db_url):
    node, key = node_with_key(http, db_url)
    sleepy = tool_for(http, node, "sleepy")
    agent = start_agent(gateway_url, node, key, "--handler", f"{sleepy['name']}=agent_handlers:sleepy", *FAST,
                        name="agent-cancelled")
    try:
        invocation_id = submit(http, sleepy, {"seconds": 300})
        wait_until(lambda: http.get(f"/invocations/{invocation_id}").json()["state"] == "RUNNING", 20, what="running")
        assert http.post(f"/invocations/{invocation_id}/cancel", json={}).status_code == 200
        done = final_invocation(http, invocation_id, timeout=30)
        assert done["state"] == "CANCELLED" and done["attempts"][-1]["outcome"] == "CANCELLED", done
    finally:
        stop_agent(agent)


def test_sigterm_finishes_running_work_within_the_grace_and_claims_no_more(http, gateway_url, db_url):
    node, key = node_with_key(http, db_url)
    sleepy = tool_for(http, node, "sleepy")
    agent = start_agent(gateway_url, node, key, "--handler", f"{sleepy['name']}=agent_handlers:sleepy",
                        "--grace", "30", *FAST, name="agent-drain")
    try:
        running = submit(http, sleepy, {"seconds": 2})
        wait_until(lambda: http.get(f"/invocations/{running}").json()["state"] == "RUNNING", 20, what="running")
        agent.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        later = submit(http, sleepy, {"seconds": 0})
        assert agent.wait(30) == 0
        done = final_invocation(http, running)
        assert done["state"] == "SUCCEEDED" and done["output"] == {"slept": 2}, done
        # Submitted after SIGTERM: not claimed by the stopping agent.
        assert http.get(f"/invocations/{later}").json()["state"] == "QUEUED"
        assert http.post(f"/invocations/{later}/cancel", json={}).status_code == 200
    finally:
        stop_agent(agent)


def test_sigterm_releases_what_does_not_finish_within_the_grace(http, gateway_url, db_url, tmp_path):
    node, key = node_with_key(http, db_url)
    cmd = tool_for(http, node, "sleep")
    pid_file = tmp_path / "pid"
    agent = start_agent(gateway_url, node, key, "--command", f"{cmd['name']}=sh -c 'echo $$ > {pid_file}; exec sleep 300'",
                        "--grace", "1", *FAST, name="agent-release")
    try:
        invocation_id = submit(http, cmd, {})
        pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 20, what="the command starting"))
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(30) == 0
        assert not alive(pid), "the released command still runs"
        state = http.get(f"/invocations/{invocation_id}").json()
        # Given back unrun: claimable again at once, and the release is not counted as a failure.
        assert state["state"] == "QUEUED", state
        assert [a["outcome"] for a in state["attempts"]] == ["RELEASED"], state
        assert http.post(f"/invocations/{invocation_id}/cancel", json={}).status_code == 200
    finally:
        stop_agent(agent)


# --- what the agent holds: each beat lists it ---------------------------------------------------

LONG_LEASE = 30  # seconds: what ends the attempts below is the beat's list, well before a lease would


def long_lease_tool(http: httpx.Client, node_id: str, prefix: str) -> dict:
    tool = tool_for(http, node_id, prefix)
    r = http.post(f"/tools/{tool['tool_id']}/invocation-settings", json={"lease_seconds": LONG_LEASE})
    assert r.status_code == 200, r.text
    return tool


def attempts(http: httpx.Client, invocation_id: str) -> list[dict]:
    return http.get(f"/invocations/{invocation_id}").json()["attempts"]


def seconds_between(db, since, until) -> float:
    return db.execute("SELECT extract(epoch FROM %s::timestamptz - %s::timestamptz)::float8", (until, since)).fetchone()[0]


def test_an_agent_restarted_for_its_node_ends_its_predecessors_work(http, gateway_url, db_url, db):
    node, key = node_with_key(http, db_url)
    sleepy = long_lease_tool(http, node, "restart")
    args = ("--handler", f"{sleepy['name']}=agent_handlers:sleepy", *FAST)
    first = start_agent(gateway_url, node, key, *args, name="agent-restart-1")
    second = None
    try:
        invocation_id = submit(http, sleepy, {"seconds": 4})
        wait_until(lambda: http.get(f"/invocations/{invocation_id}").json()["state"] == "RUNNING", 20, what="running")
        time.sleep(1.5)  # the first agent beats with it listed
        killed_at = db.execute("SELECT clock_timestamp()").fetchone()[0]
        first.kill()
        first.wait()
        second = start_agent(gateway_url, node, key, *args, name="agent-restart-2")
        # The new process's beats do not list it: it ends LEASE_LOST, runs again, here, and succeeds.
        done = final_invocation(http, invocation_id, timeout=LONG_LEASE)
        assert done["state"] == "SUCCEEDED" and done["output"] == {"slept": 4}, done
        lost, again = done["attempts"]
        assert (lost["outcome"], lost["error"]["message"]) == (
            "LEASE_LOST", "the node's heartbeat did not list it among the invocations its agent holds"), done
        assert (again["node_id"], again["outcome"]) == (node, "SUCCEEDED"), done
        ended, rerun = seconds_between(db, killed_at, lost["ended_at"]), seconds_between(db, killed_at, again["started_at"])
        print(f"agent killed and restarted at once, lease {LONG_LEASE} s, beat 1 s: its predecessor's attempt ended "
              f"{ended:.2f} s after the kill, running again {rerun:.2f} s after it")
        # The grace for claims in flight (5 s from the claim), a beat or two, the new process's
        # start and a margin for this loaded machine: well within the lease.
        assert rerun < LONG_LEASE / 2, f"running again only {rerun:.2f} s after the kill"
    finally:
        first.kill()
        if second is not None:
            assert stop_agent(second) == 0


def test_agents_of_one_node_keep_their_own_work_and_a_dead_ones_lease_ends(http, gateway_url, db_url, db):
    """Two agents serve one node under their own names: neither's beats end the other's runs. When
    one is killed, the other beating on for the node does not keep its work alive: the dead
    agent's lease ends (3 s here) and its invocation runs again on the live one."""
    node, key = node_with_key(http, db_url)
    sleepy = tool_for(http, node, "pair")
    r = http.post(f"/tools/{sleepy['tool_id']}/invocation-settings", json={"lease_seconds": 3})
    assert r.status_code == 200, r.text
    args = ("--handler", f"{sleepy['name']}=agent_handlers:sleepy", "--concurrency", "1", "--heartbeat-interval", "0.5", "--wait", "5")
    agents = {name: start_agent(gateway_url, node, key, *args, "--name", name, name=f"agent-{name}") for name in ("left", "right")}
    try:
        both = [submit(http, sleepy, {"seconds": 7}) for _ in range(2)]
        done = [final_invocation(http, i, timeout=60) for i in both]
        assert [(d["state"], len(d["attempts"])) for d in done] == [("SUCCEEDED", 1)] * 2, done
        assert sorted(d["attempts"][0]["agent"] for d in done) == ["left", "right"], done

        longer = submit(http, sleepy, {"seconds": 6})
        holder = wait_until(lambda: (attempts(http, longer) or [{}])[-1].get("agent"), 20, what="a claim")
        killed_at = db.execute("SELECT clock_timestamp()").fetchone()[0]
        agents[holder].kill()
        agents[holder].wait()
        done = final_invocation(http, longer, timeout=60)
        lost, again = done["attempts"]
        assert (lost["agent"], lost["outcome"]) == (holder, "LEASE_LOST"), done
        assert (again["agent"], again["outcome"]) == ({"left": "right", "right": "left"}[holder], "SUCCEEDED"), done
        ended = seconds_between(db, killed_at, lost["ended_at"])
        print(f"two agents on one node: the killed one's attempt ended {ended:.2f} s after the kill (lease 3 s, beats every 0.5 s)"
              f" while the other beat on, and ran again on the other {seconds_between(db, killed_at, again['started_at']):.2f} s after it")
        # The lease from its last beat (at most 0.5 s before the kill), and the sweep's second, with a margin.
        assert ended < 3 + 1 + 2, f"ended only {ended:.2f} s after the kill"
    finally:
        for proc in agents.values():
            if proc.poll() is None:
                assert stop_agent(proc) == 0


def test_a_claim_the_agent_never_heard_of_ends_and_runs_again(http, gateway_url, db_url, db):
    """A claim whose answer was lost (here: made by an admin for the agent's node, under the agent's
    name) is not in the agent's list: its attempt ends after the grace, while the agent's own long
    run goes on."""
    node, key = node_with_key(http, db_url)
    sleepy = long_lease_tool(http, node, "unheard")
    agent = start_agent(gateway_url, node, key, "--handler", f"{sleepy['name']}=agent_handlers:sleepy",
                        "--concurrency", "1", "--name", "agent-unheard", *FAST, name="agent-unheard")
    try:
        own = submit(http, sleepy, {"seconds": 300})
        wait_until(lambda: http.get(f"/invocations/{own}").json()["state"] == "RUNNING", 20, what="the agent's own run")
        unheard = submit(http, sleepy, {"seconds": 0})
        (row,) = http.post(f"/nodes/{node}/claim", json={"limit": 1, "agent": "agent-unheard"}).json()
        assert row["invocation_id"] == unheard
        ended = wait_until(lambda: http.get(f"/invocations/{unheard}").json()["state"] == "QUEUED", LONG_LEASE / 2,
                           what="the unheard-of claim requeued")
        assert ended
        (lost,) = attempts(http, unheard)
        waited = seconds_between(db, lost["started_at"], lost["ended_at"])
        print(f"a claim the agent never heard of ended {waited:.2f} s after it was made (lease {LONG_LEASE} s)")
        assert lost["outcome"] == "LEASE_LOST"
        assert http.get(f"/invocations/{own}").json()["state"] == "RUNNING", "the agent's own, listed, run goes on"
        # Its slot freed, the agent claims the requeued invocation and runs it.
        assert http.post(f"/invocations/{own}/cancel", json={}).status_code == 200
        done = final_invocation(http, unheard)
        assert done["state"] == "SUCCEEDED" and [a["outcome"] for a in done["attempts"]] == ["LEASE_LOST", "SUCCEEDED"], done
        late = http.post(f"/invocations/{unheard}/complete", json={"lease_token": row["lease_token"], "output": {}})
        assert late.status_code == 409, late.text
    finally:
        assert stop_agent(agent) == 0


def test_a_run_whose_lease_was_lost_is_stopped_unreported(http, gateway_url, db_url, db, tmp_path):
    node, key = node_with_key(http, db_url)
    cmd = long_lease_tool(http, node, "lost")
    pid_file = tmp_path / "pid"
    agent = start_agent(gateway_url, node, key, "--command", f"{cmd['name']}=sh -c 'echo $$ >> {pid_file}; exec sleep 300'",
                        "--concurrency", "1", *FAST, name="agent-lost")
    try:
        invocation_id = submit(http, cmd, {})
        pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text().split()[0], 20, what="the command starting"))
        # The agent went silent for an hour, as far as the database can tell: its next beat ends the
        # expired lease first, and answers that the invocation it lists is no longer its own.
        with db.transaction():
            db.execute("SET LOCAL session_replication_role = replica")
            db.execute("UPDATE orchestrator.invocation_attempts SET started_at = started_at - interval '1 hour' WHERE invocation_id = %s",
                       (invocation_id,))
            db.execute("UPDATE orchestrator.node_heartbeats SET last_heartbeat_at = last_heartbeat_at - interval '1 hour',"
                       " nameless_heartbeat_at = nameless_heartbeat_at - interval '1 hour' WHERE node_id = %s",
                       (node,))
            db.execute("UPDATE orchestrator.node_agents SET last_heartbeat_at = last_heartbeat_at - interval '1 hour' WHERE node_id = %s",
                       (node,))
        wait_until(lambda: not alive(pid), 15, what="the lost run's command stopped")
        (lost, *rest) = attempts(http, invocation_id)
        assert lost["outcome"] == "LEASE_LOST", lost
        # Stopped, not reported: no release or failure was recorded for it (the agent's log says so).
        log = (Path(__file__).resolve().parent.parent / ".pytest_cache" / "agent-lost.log")
        wait_until(lambda: "dropped, its lease was lost" in log.read_text(), 10, what="the agent dropping the run")
        assert all(a["outcome"] != "RELEASED" for a in attempts(http, invocation_id))
        assert http.post(f"/invocations/{invocation_id}/cancel", json={}).status_code == 200
    finally:
        assert stop_agent(agent) == 0


def test_a_beat_answering_a_reported_run_as_lost_does_not_stop_it(http, gateway_url, db_url, caplog):
    """A beat that leaves while a run's success is being reported lists the run, and the database,
    which has recorded the success, answers that the node no longer runs it. The report's own
    answer tells the run's fate: the run is not stopped as lost. The agent runs in this process so
    that the answer to the report can be held back (a second), past several beats."""
    from agent.handlers import PythonHandler
    from agent.runner import Agent, Config

    node, key = node_with_key(http, db_url)
    echo = tool_for(http, node, "reported")
    invocation_id = submit(http, echo, {"n": 1})
    agent = Agent(Config(gateway=gateway_url, key=key, node_id=node, handlers={echo["name"]: PythonHandler("agent_handlers:echo")},
                         heartbeat_s=0.2, wait_s=1))
    request, lost_heard = agent.request, []

    async def answer_reports_late(method, path, body, **kw):
        response = await request(method, path, body, **kw)
        if path == "/invocations/complete":
            await asyncio.sleep(1.0)  # recorded; its answer is on its way, and beats go on
            agent.stop()
        elif path.endswith("/heartbeat") and response is not None and response.status_code == 200:
            lost_heard.extend(response.json().get("lost_invocation_ids") or ())
        return response

    agent.request = answer_reports_late
    with caplog.at_level(logging.INFO, logger="agent"):
        assert asyncio.run(asyncio.wait_for(agent.run(), 30)) == 0
    assert invocation_id in lost_heard, "no beat listed the run while its report was on its way"
    assert "lease was lost" not in caplog.text, caplog.text
    assert agent.counts["completed"] == 1 and agent.counts["lease_lost"] == 0, agent.counts
    assert final_invocation(http, invocation_id)["state"] == "SUCCEEDED"


# --- the long-poll claim, in the gateway -------------------------------------------------------

@pytest.fixture(scope="module")
def slow_poll_gateway(db_url):
    """A gateway whose fallback poll (30 s) is longer than any wait below, so only a NOTIFY can wake a
    claim in time; and a pool of 2 connections, fewer than the claims waiting at once."""
    with running_gateway(db_url, name="gateway-longpoll", AIO_CLAIM_POLL_S="30", AIO_POOL_MIN="1",
                         AIO_POOL_MAX="2", AIO_POOL_TIMEOUT="2") as base:
        yield base


def test_a_waiting_claim_is_woken_by_a_submit_and_holds_no_pooled_connection(slow_poll_gateway, api_keys, http):
    nodes = [new_node(http)["node_id"] for _ in range(5)]
    target = nodes[0]
    tool = new_tool(http, name=f"poll-{token()}", target_node_id=target)
    admin = client(slow_poll_gateway, api_keys["admin"])

    def claim(node_id: str, wait: int) -> tuple[float, list]:
        started = time.monotonic()
        r = admin.post(f"/nodes/{node_id}/claim", json={"limit": 1, "wait_seconds": wait})
        assert r.status_code == 200, r.text
        return time.monotonic() - started, r.json()

    with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
        woken = pool.submit(claim, target, 20)
        idle = [pool.submit(claim, n, 3) for n in nodes[1:]]
        time.sleep(1)
        # Five claims wait, the pool has two connections: other requests are still served.
        assert admin.get(f"/nodes/{target}").status_code == 200
        invocation_id = submit(admin, tool, {"x": 1})
        elapsed, rows = woken.result(30)
        assert [r["invocation_id"] for r in rows] == [invocation_id]
        assert elapsed < 20, "answered at the deadline: the NOTIFY did not wake the claim"
        for f in idle:
            elapsed, rows = f.result(30)
            assert rows == [] and elapsed >= 3  # an empty answer only at the deadline
    admin.post(f"/invocations/{invocation_id}/cancel", json={})


def test_a_claim_whose_client_went_away_claims_nothing(slow_poll_gateway, api_keys, http):
    node_id = new_node(http)["node_id"]
    tool = new_tool(http, name=f"gone-{token()}", target_node_id=node_id)
    with client(slow_poll_gateway, api_keys["admin"]) as admin:
        with pytest.raises(httpx.ReadTimeout):
            admin.post(f"/nodes/{node_id}/claim", json={"wait_seconds": 20}, timeout=1)
        time.sleep(0.5)
        invocation_id = submit(admin, tool, {})
        time.sleep(0.5)
        # The abandoned long-poll was woken by the submit and saw its client gone: it claimed nothing.
        assert admin.get(f"/invocations/{invocation_id}").json()["state"] == "QUEUED"
        rows = admin.post(f"/nodes/{node_id}/claim", json={"wait_seconds": 0}).json()
        assert [r["invocation_id"] for r in rows] == [invocation_id]
        admin.post(f"/invocations/{invocation_id}/cancel", json={})


# The agent knows a lost lease by the 409 of its report (and then drops the run quietly), also when
# another node has claimed the invocation meanwhile.
def test_a_late_report_is_refused_with_409(http, db_url, db, gateway_url):
    first, first_key = node_with_key(http, db_url)
    second, second_key = node_with_key(http, db_url)
    tool = new_tool(http, name=f"late-{token()}")
    db.execute("UPDATE orchestrator.tools SET lease_seconds = 1 WHERE tool_id = %s", (tool["tool_id"],))
    invocation_id = submit(http, tool, {}, priority=100)
    with client(gateway_url, first_key) as a, client(gateway_url, second_key) as b:
        (row,) = a.post(f"/nodes/{first}/claim", json={"limit": 1}).json()
        assert row["invocation_id"] == invocation_id
        time.sleep(1.5)  # no heartbeat: the lease ends
        # Ended by the gateway's sweep of every second, or by this one.
        assert http.post("/invocations/sweep", json={}).status_code == 200
        (again,) = b.post(f"/nodes/{second}/claim", json={"limit": 1}).json()
        assert again["invocation_id"] == invocation_id
        late = a.post(f"/invocations/{invocation_id}/complete", json={"lease_token": row["lease_token"], "output": {}})
        assert b.post(f"/invocations/{invocation_id}/complete",
                      json={"lease_token": again["lease_token"], "output": {"by": "second"}}).status_code == 200
        assert http.get(f"/invocations/{invocation_id}").json()["output"] == {"by": "second"}
        assert late.status_code == 409, late.text
