"""Handlers that tests/test_agent.py and tests/test_chaos.py run in real agents (python -m agent)."""

import os
import time

from agent import PermanentError


def echo(input: dict) -> dict:
    """The input back, with the process that ran it."""
    return {"echo": input, "pid": os.getpid()}


def with_artifact(input: dict) -> dict:
    """An output and one artifact, in the envelope form."""
    name = input.get("name", "result.txt")
    return {"output": {"written": name},
            "artifacts": [{"name": name, "uri": f"s3://results/{name}", "size_bytes": 12, "mime_type": "text/plain"}]}


def sleepy(input: dict, cancel) -> dict:
    """Sleeps input.seconds, stopping early when cancelled (the `cancel` keyword is a threading.Event)."""
    if cancel.wait(float(input.get("seconds", 1))):
        return {"interrupted": True}
    return {"slept": input.get("seconds", 1)}


def broken(input: dict) -> dict:
    if input.get("permanent"):
        raise PermanentError("this input can never work")
    raise RuntimeError("a transient failure")


def stubborn(input: dict) -> dict:
    """Ignores cancellation (takes no `cancel`): the agent stops waiting for it."""
    time.sleep(float(input.get("seconds", 1)))
    return {"done": True}
