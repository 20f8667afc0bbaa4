"""Transport for the invocation queue: waking long-poll claims, and the sweep every second.

No business rule lives here. PostgreSQL decides what a claim returns and what a sweep ends; this
module only decides *when* to ask again:

- `Wakeups` keeps one dedicated connection (not from the pool) LISTENing on `aio_invocations`.
  SQL notifies with the target node id, or '' for work any node may run, when work becomes
  claimable (submit, requeue), transactionally. A waiting claim sleeps on an asyncio.Event and
  holds no pooled connection while it sleeps.
- `Sweeper` runs `api.invocations_sweep()` as aio_admin in one short transaction every second, so
  that an expired lease or a timeout is ended even when no claim comes (claims sweep too, in SQL).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time

import psycopg

log = logging.getLogger("gateway.longpoll")

CHANNEL = "aio_invocations"
# How the LISTEN connection shows in pg_stat_activity: beside the pool, one per gateway process.
LISTEN_APPLICATION = "aio gateway listen"


class Wakeups:
    def __init__(self, database_url: str):
        self.database_url = database_url
        self.waiters: dict[str, set[asyncio.Event]] = {}
        self.task: asyncio.Task | None = None
        self.closing = False  # the server is stopping: waiting claims answer now

    def close(self) -> None:
        self.closing = True
        self.wake("")

    def answer_waiting_claims_on_exit(self) -> None:
        """uvicorn waits for open requests before it shuts the app down, and a claim may wait 60 s:
        on SIGTERM/SIGINT, waiting claims answer at once (then uvicorn's own handler runs)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(signum, frame, previous=previous):
                loop.call_soon_threadsafe(self.close)
                previous(signum, frame)
            try:
                signal.signal(sig, handler)
            except ValueError:
                return  # not the main thread (an embedded server): claims answer at their deadline

    def start(self) -> None:
        self.task = asyncio.create_task(self.listen_forever())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        self.wake("")  # nobody sleeps past the shutdown

    def register(self, node_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self.waiters.setdefault(node_id, set()).add(event)
        return event

    def unregister(self, node_id: str, event: asyncio.Event) -> None:
        events = self.waiters.get(node_id)
        if events is not None:
            events.discard(event)
            if not events:
                del self.waiters[node_id]

    def wake(self, payload: str) -> None:
        """'' : work for any node, wake every waiter; a node id: wake that node's waiters."""
        groups = self.waiters.values() if payload == "" else [self.waiters.get(payload, ())]
        for events in groups:
            for event in events:
                event.set()

    async def listen_forever(self) -> None:
        failing_since = None
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True,
                                                                 application_name=LISTEN_APPLICATION) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if failing_since is not None:
                        log.info("listening on %s again", CHANNEL)
                        failing_since = None
                    # Whatever was notified while we were not listening is lost: everyone claims again.
                    self.wake("")
                    async for note in conn.notifies():
                        self.wake(note.payload.lower())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the listener must outlive any database trouble
                if failing_since is None:
                    failing_since = time.monotonic()
                    log.warning("LISTEN %s connection lost (%s); reconnecting every second; "
                                "waiting claims poll meanwhile", CHANNEL, type(exc).__name__)
            await asyncio.sleep(1)


class Sweeper:
    """Calls `run_sweep` (one short transaction) every `interval` seconds; never fatal."""

    def __init__(self, run_sweep, interval: float = 1.0):
        self.run_sweep = run_sweep
        self.interval = interval
        self.task: asyncio.Task | None = None
        self.failing: str | None = None  # the last error logged, so a down database logs once

    def start(self) -> None:
        self.task = asyncio.create_task(self.sweep_forever())

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def sweep_forever(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.run_sweep()
                if self.failing:
                    log.info("invocation sweep works again")
                    self.failing = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a sweep that fails is retried next second
                sqlstate = getattr(exc, "sqlstate", None)
                what = type(exc).__name__ + (f" {sqlstate}" if sqlstate else "")
                if what != self.failing:
                    first_line = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
                    log.warning("invocation sweep failed (%s: %s); retrying every %g s", what, first_line, self.interval)
                    self.failing = what
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))
