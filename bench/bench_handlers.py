"""The no-op tool of bench/invocations.py, run by `python -m agent --handler bench-noop=bench_handlers:noop`."""


def noop(input: dict) -> dict:
    return {}
