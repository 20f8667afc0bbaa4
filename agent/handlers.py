"""Handlers: how a tool's input becomes its output.

A handler is run with the invocation's input and an asyncio.Event `stop` that the agent sets when
the run must end early (cancellation, run deadline, shutdown). It returns an Outcome and never
raises for the tool's own failures.

Result convention (both kinds): a JSON object with an `output` key and nothing else but an
optional `artifacts` key is an envelope: `output` is the output and `artifacts` a list of artifact
bodies (as for POST /artifacts/: name, uri, size_bytes, mime_type, checksum, ...), recorded with
the completion. Any other result is the output itself, with no artifacts.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import os
import signal
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any

# How long a stopped handler gets to end by itself before the agent stops waiting (a callable) or
# kills its process group (a command).
STOP_GRACE_S = 5.0
TAIL_CHARS = 2000


@dataclass
class Outcome:
    output: Any = None
    artifacts: list = field(default_factory=list)
    error: dict | None = None  # set: the run failed
    retryable: bool = True
    stopped: bool = False  # the run was stopped before it ended (the agent knows why)


def from_result(result: Any) -> Outcome:
    if isinstance(result, dict) and "output" in result and set(result) <= {"output", "artifacts"}:
        return Outcome(output=result["output"], artifacts=list(result.get("artifacts") or []))
    return Outcome(output=result)


def tail(text: str) -> str:
    return text[-TAIL_CHARS:]


class PythonHandler:
    """`module:callable`, called as callable(input) -> result in a thread of its own. A callable that
    takes a `cancel` keyword gets a threading.Event that is set when the run must stop; one that does
    not cannot be interrupted: the agent stops waiting for it and ignores what it returns."""

    def __init__(self, spec: str):
        module_name, _, attr = spec.partition(":")
        if not module_name or not attr:
            raise ValueError(f"{spec!r}: expected module:callable")
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
        if not callable(target):
            raise ValueError(f"{spec!r} is not callable")
        self.fn = target
        try:
            self.takes_cancel = "cancel" in inspect.signature(target).parameters
        except (TypeError, ValueError):
            self.takes_cancel = False
        self.name = spec

    async def run(self, input: Any, stop: asyncio.Event) -> Outcome:
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        cancel = threading.Event()

        def settle(ok: bool, value: Any) -> None:
            if not done.done():
                (done.set_result if ok else done.set_exception)(value)

        def target() -> None:
            try:
                result = self.fn(input, cancel=cancel) if self.takes_cancel else self.fn(input)
                loop.call_soon_threadsafe(settle, True, result)
            except BaseException as exc:  # noqa: BLE001 - the tool's failure is reported, not raised here
                loop.call_soon_threadsafe(settle, False, exc)

        # A daemon thread: a callable that never returns does not keep the agent from exiting.
        threading.Thread(target=target, name=f"handler {self.name}", daemon=True).start()
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({done, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not done.done():
            cancel.set()
            if self.takes_cancel:
                await asyncio.wait({done}, timeout=STOP_GRACE_S)
            done.add_done_callback(lambda f: f.exception())  # a late failure is not "never retrieved"
            return Outcome(stopped=True)
        exc = done.exception()
        if exc is None:
            return from_result(done.result())
        return Outcome(error={"code": type(exc).__name__, "message": str(exc)[:1000],
                              "traceback": tail("".join(traceback.format_exception(exc)))},
                       retryable=getattr(exc, "retryable", True) is not False)


class CommandHandler:
    """A shell command: the input JSON on stdin, the result JSON on stdout. A non-zero exit fails
    the run with the tail of stderr; it is retried unless the exit status is one of
    `permanent_exit_codes` (64 EX_USAGE and 65 EX_DATAERR by default: the input is at fault).
    Stopping sends SIGTERM to the command's process group, then SIGKILL after STOP_GRACE_S."""

    def __init__(self, command: str, permanent_exit_codes: frozenset[int] = frozenset({64, 65})):
        self.command = command
        self.permanent_exit_codes = permanent_exit_codes

    async def run(self, input: Any, stop: asyncio.Event) -> Outcome:
        proc = await asyncio.create_subprocess_shell(
            self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True)  # its own group: stop reaches its children
        talk = asyncio.ensure_future(proc.communicate(json.dumps(input).encode()))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({talk, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not talk.done():
            self.signal(proc, signal.SIGTERM)
            done, _ = await asyncio.wait({talk}, timeout=STOP_GRACE_S)
            if not done:
                self.signal(proc, signal.SIGKILL)
                await talk
            return Outcome(stopped=True)
        out, err = talk.result()
        stderr = err.decode(errors="replace")
        if proc.returncode != 0:
            status = proc.returncode
            message = f"exit status {status}" if status > 0 else f"killed by signal {-status}"
            return Outcome(error={"code": "COMMAND_FAILED", "message": message, "exit_status": status,
                                  "stderr": tail(stderr)},
                           retryable=status not in self.permanent_exit_codes)
        try:
            result = json.loads(out)
        except ValueError as exc:
            return Outcome(error={"code": "OUTPUT_NOT_JSON", "message": f"stdout is not JSON: {exc}",
                                  "stdout": tail(out.decode(errors="replace")), "stderr": tail(stderr)},
                           retryable=False)
        return from_result(result)

    @staticmethod
    def signal(proc: asyncio.subprocess.Process, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
