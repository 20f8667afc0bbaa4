"""The reference node agent: `python -m agent --gateway URL --node-id ID --handler NAME=module:callable`.

It heartbeats, long-poll claims invocations for its node, runs a handler per tool name, and
reports each run's outcome with the lease token of its attempt (see README, Invocations).
"""


class PermanentError(Exception):
    """Raised by a handler when running the same input again cannot succeed (bad input, a missing
    resource): the invocation fails without a retry. Any other exception is retried."""

    retryable = False
