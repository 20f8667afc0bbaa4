"""Prometheus metrics and structured JSON logs, one line per request.

With several worker processes (AIO_WORKERS > 1) the metrics live in files under
PROMETHEUS_MULTIPROC_DIR, which `serve` empties at start; /metrics adds up every worker's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import tempfile
import time

import msgspec
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401  (re-exported for the /metrics route)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# In multiprocess mode the values go to files whatever the registry; this one serves single mode.
REGISTRY = CollectorRegistry()
REQUESTS = Counter("aio_http_requests", "HTTP requests by route, method and status",
                   ["route", "method", "status"], registry=REGISTRY)
LATENCY = Histogram("aio_http_request_duration_seconds", "HTTP request latency by route", ["route"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
                    registry=REGISTRY)
DB_ERRORS = Counter("aio_db_errors", "database errors by SQLSTATE class", ["sqlstate_class"], registry=REGISTRY)
POOL = Gauge("aio_db_pool_connections", "gateway pool connections (summed over worker processes)", ["state"],
             registry=REGISTRY, multiprocess_mode="livesum")


def prepare_multiprocess_metrics() -> None:
    """Called by `serve` before it starts the workers, which inherit the directory."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="aio-metrics-")
    shutil.rmtree(directory, ignore_errors=True)  # counts from an earlier run are not this run's
    os.makedirs(directory)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory


_CHILDREN: dict[tuple[str, str, int], tuple] = {}  # the labelled metrics of each (route, method, status)


def observe(route: str, method: str, status: int, seconds: float, sqlstate: str | None) -> None:
    children = _CHILDREN.get((route, method, status))
    if children is None:
        children = _CHILDREN[route, method, status] = (REQUESTS.labels(route, method, str(status)), LATENCY.labels(route))
    children[0].inc()
    children[1].observe(seconds)
    if sqlstate:
        DB_ERRORS.labels(sqlstate[:2]).inc()


def record_pool(pool_stats: dict[str, int]) -> None:
    POOL.labels("size").set(pool_stats.get("pool_size", 0))
    POOL.labels("idle").set(pool_stats.get("pool_available", 0))
    POOL.labels("in_use").set(pool_stats.get("pool_size", 0) - pool_stats.get("pool_available", 0))
    POOL.labels("waiting").set(pool_stats.get("requests_waiting", 0))
    POOL.labels("max").set(pool_stats.get("pool_max", 0))


def render(pool_stats: dict[str, int]) -> bytes:
    record_pool(pool_stats)
    if not MULTIPROCESS:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


def worker_exit() -> None:
    if MULTIPROCESS:
        multiprocess.mark_process_dead(os.getpid())  # its pool gauges no longer count


# Compact JSON, faster than json.dumps (a fifth of access_log's cost); anything else as str().
_encode = msgspec.json.Encoder(enc_hook=str).encode
_pending_lines: list[str] = []
_second: tuple[int, str] = (0, "")


def access_log(fields: dict) -> None:
    """One JSON line per request on stderr. Written directly: the logging module cost a fifth of
    the gateway's CPU per request (measured with py-spy); AIO_ACCESS_LOG=0 turns it off. The lines
    of one event-loop turn leave in one write, at the end of that turn (a write is a system call)."""
    global _second
    if ACCESS_LOG:
        now = time.time()
        whole = int(now)
        if _second[0] != whole:
            _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
        entry = {"ts": f"{_second[1]}.{int(now % 1 * 1000):03d}Z", "level": "info", "logger": "gateway.access", **fields}
        try:
            line = _encode(entry).decode()
        except (msgspec.EncodeError, UnicodeError):  # e.g. a lone surrogate: escaped by the json module
            line = json.dumps(entry, default=str)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            sys.stderr.write(line + "\n")
            return
        if not _pending_lines:
            loop.call_soon(flush_access_log)
        _pending_lines.append(line)


def flush_access_log() -> None:
    if _pending_lines:
        text = "\n".join(_pending_lines) + "\n"
        _pending_lines.clear()
        sys.stderr.write(text)


ACCESS_LOG = os.environ.get("AIO_ACCESS_LOG", "1") not in ("0", "false", "off")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name, logger_level in (("gateway", level), ("uvicorn", level), ("uvicorn.error", level),
                               ("psycopg.pool", "WARNING")):  # the pool logs every checkout at INFO
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(logger_level)
