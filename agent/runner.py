"""The agent's loops: heartbeat, long-poll claim, one task per running invocation, drain on SIGTERM.

What the database guarantees, the agent relies on and does not repeat: a lease lives as long as
the agent heartbeats (claims and beats carry its name; a beat renews every lease of its claims),
every report presents the attempt's lease token, and a report with a lost lease is refused with
409 and changes nothing. So the agent only has to keep beating while it holds work, and to drop a
run whose report is refused. Each beat lists the invocations this process holds (claimed, not yet
reported): the database ends the other RUNNING attempts claimed under its name (a killed
predecessor's) or under none (a claim whose answer never arrived), and answers which listed ones
are no longer its own; those runs are stopped unreported. Agents of one node under other names
keep theirs.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import httpx

from .handlers import Outcome

log = logging.getLogger("agent")

MAX_CLAIM = 100
BATCH_WAIT_S = 0.05  # the most one claim may ask for (api.node_claim's limit)
RETRY_STATUSES = {502, 503, 504}  # the gateway or the database is down or restarting: ask again
# A report (complete, fail, release) that cannot be delivered for this long is given up: by then
# the lease has surely ended and the database has requeued the invocation (at least once).
REPORT_RETRY_S = 120.0
MAX_COMPLETIONS = 100  # successes sent in one POST /invocations/complete


@dataclass
class Config:
    gateway: str
    key: str
    node_id: str
    handlers: dict[str, Any]
    name: str = "agent"  # claims and beats go under it: the leases of its claims live on its beats
    concurrency: int = 1
    heartbeat_s: float = 10.0  # a third of the default lease (30 s)
    wait_s: int = 10  # long-poll: how long one claim may wait for work
    grace_s: float = 30.0  # on SIGTERM: how long running work may take to finish before it is released


@dataclass
class Run:
    row: dict
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""  # why it was stopped: cancel, timeout, shutdown, lost
    task: asyncio.Task | None = None
    reported: bool = False  # its report has been sent: the answer to it, not a beat, tells its fate

    def halt(self, reason: str) -> None:
        if not self.stop.is_set():
            self.reason = reason
            self.stop.set()


def backoff(attempt: int) -> float:
    return min(5.0, 0.2 * 2 ** attempt) * random.uniform(0.5, 1.0)


class Agent:
    def __init__(self, config: Config):
        self.config = config
        self.running: dict[str, Run] = {}
        self.stopping = asyncio.Event()
        self.slot_freed = asyncio.Event()
        self.http = httpx.AsyncClient(
            base_url=config.gateway.rstrip("/"), headers={"Authorization": f"Bearer {config.key}"},
            timeout=httpx.Timeout(30.0), limits=httpx.Limits(max_connections=config.concurrency + 8))
        self.counts = {"claimed": 0, "completed": 0, "failed": 0, "released": 0, "cancelled": 0, "lease_lost": 0}
        # Successes waiting to be sent together, each with the future its run awaits the answer on.
        self.completions: list[tuple[dict, asyncio.Future]] = []
        self.completion_queued = asyncio.Event()

    # --- HTTP ----------------------------------------------------------------------

    async def request(self, method: str, path: str, body: dict | Callable[[], dict] | None = None, *,
                      timeout: float | None = None, retry_for: float | None = 0.0) -> httpx.Response | None:
        """One call, asked again on a connection error or 502/503/504 with backoff for up to
        `retry_for` seconds (None: until the agent stops). None when it never got an answer.
        A callable body is made afresh for each try."""
        give_up = None if retry_for is None else time.monotonic() + retry_for
        attempt = 0
        while True:
            try:
                response = await self.http.request(method, path, json=body() if callable(body) else body,
                                                   timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if (give_up is not None and time.monotonic() >= give_up) or (retry_for is None and self.stopping.is_set()):
                log.warning("%s %s: %s; giving up", method, path, problem)
                return None
            delay = backoff(attempt)
            attempt += 1
            log.info("%s %s: %s; asking again in %.1f s", method, path, problem, delay)
            await asyncio.sleep(delay)

    # --- main ----------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        node = self.config.node_id
        # The first beat lists nothing: whatever runs under this name is a predecessor's, and ends.
        first = await self.request("POST", f"/nodes/{node}/heartbeat",
                                   {"running_invocation_ids": [], "agent": self.config.name}, retry_for=60)
        if first is None or first.status_code != 200:
            log.error("cannot heartbeat node %s: %s", node, describe(first))
            await self.http.aclose()
            return 2
        log.info("agent for node %s: tools %s, concurrency %d, heartbeat every %g s",
                 node, ", ".join(sorted(self.config.handlers)) or "(none)", self.config.concurrency,
                 self.config.heartbeat_s)
        beating = asyncio.create_task(self.heartbeat_forever())
        completing = asyncio.create_task(self.send_completions_forever())
        try:
            await self.claim_until_stopped()
            await self.drain()
        finally:
            beating.cancel()
            completing.cancel()
            await asyncio.gather(beating, completing, return_exceptions=True)
            await self.http.aclose()
        log.info("agent stopped: %s", ", ".join(f"{k} {v}" for k, v in self.counts.items()))
        return 0

    def stop(self) -> None:
        if not self.stopping.is_set():
            log.info("stopping: no more claims; %d running, grace %g s", len(self.running), self.config.grace_s)
            self.stopping.set()

    async def heartbeat_forever(self) -> None:
        path = f"/nodes/{self.config.node_id}/heartbeat"
        listed: dict[str, Run] = {}  # the runs the last beat sent listed

        def body() -> dict:
            # Made when the beat leaves (and again for each retry), so that the list is current: a
            # claim answered after this instant is not in it, and the database's grace covers it.
            listed.clear()
            listed.update(self.running)
            return {"load": {"running": len(listed), "slots": self.config.concurrency},
                    "running_invocation_ids": sorted(listed), "agent": self.config.name}

        while True:
            await asyncio.sleep(self.config.heartbeat_s)
            # Asked again until the next beat is due: a beat lost to a database restart must not
            # cost the leases (a beat twice is harmless).
            response = await self.request("POST", path, body, timeout=max(self.config.heartbeat_s, 2.0),
                                          retry_for=self.config.heartbeat_s)
            if response is None or response.status_code != 200:
                log.warning("heartbeat failed: %s", describe(response))
                continue
            answer = response.json()
            for invocation_id in answer.get("cancel_invocation_ids") or ():
                run = self.running.get(invocation_id)
                if run is not None:
                    log.info("invocation %s: cancellation requested; stopping it", invocation_id)
                    run.halt("cancel")
            for invocation_id in answer.get("lost_invocation_ids") or ():
                run = self.running.get(invocation_id)
                # Only the run that was listed: the same invocation claimed again since the beat
                # left is a new attempt, and ours. A run whose report was sent meanwhile is no
                # longer RUNNING when that report was recorded: the report's answer says so.
                if run is not None and run is listed.get(invocation_id) and not run.reported:
                    log.warning("invocation %s: no longer this node's (its lease was lost); stopping it unreported",
                                invocation_id)
                    run.halt("lost")

    async def claim_until_stopped(self) -> None:
        path = f"/nodes/{self.config.node_id}/claim"
        stopping = asyncio.ensure_future(self.stopping.wait())
        failures = 0
        backlog = False  # the last claim got all it asked for: more work is probably waiting
        try:
            while not self.stopping.is_set():
                free = self.config.concurrency - len(self.running)
                if free <= 0:
                    self.slot_freed.clear()
                    freed = asyncio.ensure_future(self.slot_freed.wait())
                    await asyncio.wait({freed, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    freed.cancel()
                    continue
                if backlog and free < max(1, self.config.concurrency // 4):
                    # Work is waiting anyway: let a few more slots free up, then one claim for them
                    # all rather than one claim (and one sweep in SQL) per finished run.
                    await asyncio.sleep(BATCH_WAIT_S)
                    free = self.config.concurrency - len(self.running)
                body = {"limit": min(free, MAX_CLAIM), "wait_seconds": self.config.wait_s, "agent": self.config.name}
                claim = asyncio.ensure_future(self.request("POST", path, body, timeout=self.config.wait_s + 15,
                                                           retry_for=None))
                await asyncio.wait({claim, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not claim.done():
                    # Closing the connection tells the gateway to claim nothing more for us. A claim
                    # it had already made is lost to us: our beats do not list it, so the database
                    # ends it after the grace for claims in flight (or its lease ends once we stop
                    # heartbeating), and it is requeued.
                    claim.cancel()
                    await asyncio.gather(claim, return_exceptions=True)
                    break
                response = claim.result()
                if response is None:
                    continue
                if response.status_code != 200:
                    failures += 1
                    log.error("claim refused: %s", describe(response))
                    if response.status_code in (401, 403, 404):
                        log.error("the key cannot claim for node %s; stopping", self.config.node_id)
                        self.stop()
                    else:
                        await asyncio.sleep(backoff(failures))
                    continue
                failures = 0
                rows = response.json()
                backlog = len(rows) == body["limit"]
                for row in rows:
                    self.start(row)
        finally:
            stopping.cancel()

    def start(self, row: dict) -> None:
        run = Run(row)
        self.running[row["invocation_id"]] = run
        self.counts["claimed"] += 1
        if self.stopping.is_set():
            run.halt("shutdown")  # claimed as we were stopping: give it straight back
        run.task = asyncio.create_task(self.execute(run))

    async def drain(self) -> None:
        tasks = [run.task for run in self.running.values() if run.task]
        if tasks:
            log.info("waiting up to %g s for %d running invocations", self.config.grace_s, len(tasks))
            await asyncio.wait(tasks, timeout=self.config.grace_s)
        for run in list(self.running.values()):
            run.halt("shutdown")
        tasks = [run.task for run in self.running.values() if run.task]
        if tasks:
            await asyncio.wait(tasks, timeout=REPORT_RETRY_S)

    # --- one invocation --------------------------------------------------------------

    async def execute(self, run: Run) -> None:
        row = run.row
        invocation_id = row["invocation_id"]
        deadline = None
        try:
            handler = self.config.handlers.get(row["tool_name"])
            if run.stop.is_set():
                outcome = Outcome(stopped=True)
            elif handler is None:
                outcome = Outcome(error={"code": "NO_HANDLER",
                                         "message": f"node {self.config.node_id} has no handler for tool {row['tool_name']}"})
            else:
                if row.get("run_deadline"):
                    seconds = datetime.fromisoformat(row["run_deadline"]).timestamp() - time.time()
                    deadline = asyncio.get_running_loop().call_later(max(0.0, seconds), run.halt, "timeout")
                log.info("invocation %s: running %s (attempt %s)", invocation_id, row["tool_name"], row.get("attempt"))
                outcome = await handler.run(row.get("input"), run.stop)
            await self.report(run, outcome)
        except Exception:  # noqa: BLE001 - one broken run must not stop the agent
            log.exception("invocation %s: the agent failed to run or report it", invocation_id)
        finally:
            if deadline:
                deadline.cancel()
            self.running.pop(invocation_id, None)
            self.slot_freed.set()

    async def report(self, run: Run, outcome: Outcome) -> None:
        invocation_id, token = run.row["invocation_id"], run.row["lease_token"]
        if run.reason == "lost":
            # The database ended this attempt: a report would be refused (409) and change nothing.
            self.counts["lease_lost"] += 1
            log.info("invocation %s: dropped, its lease was lost", invocation_id)
            return
        if outcome.stopped and run.reason == "shutdown":
            verb, body = "release", {"lease_token": token}
        elif outcome.stopped and run.reason == "cancel":
            verb, body = "fail", {"lease_token": token, "retryable": False,
                                  "error": {"code": "CANCELLED", "message": "stopped on a cancellation request"}}
        elif outcome.stopped:
            verb, body = "fail", {"lease_token": token, "retryable": False,
                                  "error": {"code": "RUN_TIMEOUT", "message": "stopped at the run deadline"}}
        elif outcome.error is not None:
            verb, body = "fail", {"lease_token": token, "error": outcome.error, "retryable": outcome.retryable}
        else:
            verb, body = "complete", {"lease_token": token, "output": outcome.output, "artifacts": outcome.artifacts}
        run.reported = True
        if verb == "complete":
            response = await self.complete(invocation_id, body)
        else:
            response = await self.request("POST", f"/invocations/{invocation_id}/{verb}", body, retry_for=REPORT_RETRY_S)
        if response is not None and response.status_code == 200:
            key = {"complete": "completed", "release": "released"}.get(verb, "failed")
            if verb == "fail" and run.reason == "cancel":
                key = "cancelled"
            self.counts[key] += 1
            log.info("invocation %s: %s", invocation_id, verb if verb != "fail" else f"fail ({body['error'].get('code')})")
        elif response is not None and response.status_code == 409:
            # The lease was lost (the node was presumed dead, or the run timed out or was cancelled
            # meanwhile): the database kept its own outcome; ours is dropped.
            self.counts["lease_lost"] += 1
            log.warning("invocation %s: %s refused, lease lost: %s", invocation_id, verb, describe(response))
        else:
            log.error("invocation %s: %s not recorded: %s", invocation_id, verb, describe(response))


    # --- successes, sent in batches -----------------------------------------------------

    async def complete(self, invocation_id: str, body: dict) -> httpx.Response | None:
        """Reports a success together with the others waiting then: one request and one commit for
        them all when many runs end at once (short runs), no wait when only one does."""
        answer = asyncio.get_running_loop().create_future()
        self.completions.append(({"invocation_id": invocation_id, **body}, answer))
        self.completion_queued.set()
        return await answer

    async def send_completions_forever(self) -> None:
        while True:
            await self.completion_queued.wait()
            self.completion_queued.clear()
            while self.completions:
                batch, self.completions = self.completions[:MAX_COMPLETIONS], self.completions[MAX_COMPLETIONS:]
                try:
                    await self.send_completions(batch)
                except Exception:  # noqa: BLE001 - the sender must outlive one bad batch
                    log.exception("sending %d completions failed", len(batch))
                    for _, answer in batch:
                        if not answer.done():
                            answer.set_result(None)

    async def send_completions(self, batch: list[tuple[dict, asyncio.Future]]) -> None:
        response = await self.request("POST", "/invocations/complete", {"completions": [item for item, _ in batch]},
                                      retry_for=REPORT_RETRY_S)
        if response is None or response.status_code == 200 or len(batch) == 1:
            for _, answer in batch:
                answer.set_result(response)
            return
        # All or nothing, and one item was refused (a lost lease, say): each is sent again on its
        # own, so that the others are recorded and the refused one gets its own answer.
        answers = await asyncio.gather(*(
            self.request("POST", f"/invocations/{item['invocation_id']}/complete",
                         {k: v for k, v in item.items() if k != "invocation_id"}, retry_for=REPORT_RETRY_S)
            for item, _ in batch))
        for (_, answer), one in zip(batch, answers):
            answer.set_result(one)


def describe(response: httpx.Response | None) -> str:
    if response is None:
        return "no answer"
    try:
        body = response.json()
        detail = body.get("detail") if isinstance(body, dict) else None
    except ValueError:
        detail = None
    return f"HTTP {response.status_code}" + (f" {detail}" if detail else "")
