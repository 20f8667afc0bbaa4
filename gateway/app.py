"""The Litestar application: every route in ROUTES runs one `api` function in one round trip."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import hashlib
import json
import logging
import random
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import msgspec
import psycopg
from litestar import Litestar, Request, Response, get, route
from litestar._parsers import parse_query_string
from litestar.config.cors import CORSConfig
from litestar.datastructures import MultiDict
from litestar.exceptions import HTTPException
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from . import auth, catalog, errors, longpoll, observability, openapi, wire
from .routes import ROUTES, Route
from .settings import Settings

log = logging.getLogger("gateway")

JSON = "application/json"
Headers = Mapping[str, str]  # a request's headers by lower-case name (Litestar's Headers, or a dict)
# Logs carry at most this much of a path: whatever a client puts there, a line stays a line.
LOGGED_PATH_CHARS = 300

# Which JSON values a body field may carry for each SQL argument type.
JSON_KINDS: dict[str, tuple[type, ...]] = {
    "jsonb": (dict, list, str, int, float, bool),
    "json": (dict, list, str, int, float, bool),
    "integer": (int,),
    "bigint": (int,),
    "smallint": (int,),
    "numeric": (int, float),
    "double precision": (int, float),
    "boolean": (bool,),
    "text[]": (list,),
}
JSON_KIND_NAMES = {dict: "object", list: "array", str: "string", int: "integer", float: "number", bool: "boolean"}


class BadRequest(Exception):
    def __init__(self, status: int, detail: str, field: str | None = None, code: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.field, self.code = status, detail, field, code


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Gateway:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.pool = AsyncConnectionPool(
            settings.database_url, min_size=settings.pool_min, max_size=settings.pool_max,
            timeout=settings.pool_timeout_s, open=False, name="gateway",
            # Autocommit: each request's statements travel pipelined up to one Sync and PostgreSQL
            # runs them as one implicit transaction; no BEGIN/COMMIT of our own, no reset on return.
            # psycopg prepares nothing itself: its cache fell out of step with the server among
            # failing pipelined requests (26000, prepared statement missing). The requests'
            # statements are prepared by gateway/wire.py, which counts a Parse only once it succeeded.
            kwargs={"autocommit": True, "prepare_threshold": None},
        )
        self.functions: dict[str, catalog.Function] | None = None
        self.index_columns: dict[str, str] = {}
        self._catalog_lock = asyncio.Lock()
        self._statements: dict[tuple[str, tuple[str, ...]], str] = {}
        self._pool_gauges: asyncio.Task | None = None
        self._key_use_writer: asyncio.Task | None = None
        # When each API key was last used by a request, by its hash, until the next write (flush_key_uses).
        self.key_uses: dict[bytes, float] = {}
        self._primary: psycopg.AsyncConnection | None = None  # AIO_PRIMARY_URL's, opened by the first write
        self.held = 0  # pool connections held by requests right now
        # At most pool_max requests hold or take a connection; the others wait here, not in the
        # pool's queue (a task and a condition per waiting request), and a connection given back
        # while some wait goes straight to the first of them: under load, a request costs no pool
        # operation (getconn and putconn with their locks were a fifth of the gateway's CPU at c=32).
        self._free_slots = settings.pool_max
        self._waiting: collections.deque[asyncio.Future] = collections.deque()
        # Connections given back while no request waited, the latest last: the next request takes
        # one without a pool operation (getconn and putconn were an eighth of a GET's CPU at c=1).
        # None is handed out once it left the pool HAND_OVER_S ago: it goes back to the pool then,
        # at the end of a request or with the sweep.
        self._idle: collections.deque[psycopg.AsyncConnection] = collections.deque()
        self.wakeups = longpoll.Wakeups(settings.database_url)
        self.sweeper = longpoll.Sweeper(self.sweep_once, settings.sweep_interval_s)

    async def start(self) -> None:
        await self.pool.open(wait=False)
        self._key_use_writer = asyncio.create_task(self.flush_key_uses_every(self.settings.key_use_flush_s))
        if observability.MULTIPROCESS:
            # /metrics is answered by one worker; the others' pool gauges must be fresh too.
            self._pool_gauges = asyncio.create_task(self.record_pool_every_second())
        self.wakeups.start()
        self.wakeups.answer_waiting_claims_on_exit()
        if self.settings.sweep_interval_s > 0:
            self.sweeper.start()

    async def stop(self) -> None:
        if self._pool_gauges:
            self._pool_gauges.cancel()
        if self._key_use_writer:
            self._key_use_writer.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush_key_uses(), timeout=2)
        if self._primary is not None:
            await self._primary.close()
        await self.sweeper.stop()
        await self.wakeups.stop()
        await self.return_idle()
        await self.pool.close()
        observability.flush_access_log()
        observability.worker_exit()

    async def record_pool_every_second(self) -> None:
        while True:
            observability.record_pool(self.pool_stats())
            await asyncio.sleep(1)

    async def flush_key_uses_every(self, seconds: float) -> None:
        failing = None  # the last write's error, logged when it first occurs, not on every try
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.flush_key_uses()
                failing = None
            except Exception as exc:  # e.g. a hot standby (25006) or the database down: kept for the next try
                sqlstate = getattr(exc, "sqlstate", None)
                if (type(exc), sqlstate) != failing:
                    log.warning("could not record the last use of API keys (retrying every %g s): %s", seconds, exc,
                                extra={"fields": {"sqlstate": sqlstate}})
                failing = (type(exc), sqlstate)

    async def flush_key_uses(self) -> None:
        """Writes the last use of the keys used since the last write (auth.record_key_uses), outside
        any request: a request that only reads writes nothing. Kept for the next try on failure."""
        if not self.key_uses:
            return
        uses, self.key_uses = self.key_uses, {}
        params = (list(uses), [dt.datetime.fromtimestamp(t, dt.timezone.utc) for t in uses.values()])
        try:
            if self.settings.primary_url:
                if self._primary is None or self._primary.closed:
                    self._primary = await psycopg.AsyncConnection.connect(self.settings.primary_url, autocommit=True)
                await self._primary.execute(RECORD_KEY_USES, params)
            else:
                async with self.connection() as conn:
                    await conn.execute(RECORD_KEY_USES, params)
        except BaseException:
            for h, t in uses.items():
                if self.key_uses.get(h, 0.0) < t:
                    self.key_uses[h] = t
            raise

    @contextlib.asynccontextmanager
    async def connection(self):
        conn = await self.acquire()
        try:
            yield conn
        finally:
            await self.release(conn)

    async def acquire(self) -> psycopg.AsyncConnection:
        """A pooled connection, to give back with release() (a request's path: no context managers).
        PoolTimeout when every connection is held (busy, 504); DatabaseUnreachable when some are
        not held by requests, yet none came: the pool cannot connect, the database is down (503)."""
        timeout = self.settings.pool_timeout_s
        conn = None
        if self._free_slots > 0:
            self._free_slots -= 1
        else:
            started = time.monotonic()
            loop = asyncio.get_running_loop()
            # A connection handed over, None (a free slot) or TIMED_OUT, whichever comes first.
            turn = loop.create_future()
            self._waiting.append(turn)
            expiry = loop.call_later(timeout, _time_out, turn)
            try:
                conn = await turn
            except BaseException:  # cancelled
                if turn.done() and not turn.cancelled():  # given just as the wait ended: pass it on
                    if turn.result() is None:
                        self._free_slot()
                    elif turn.result() is not TIMED_OUT:
                        await self._give_back(turn.result())
                else:
                    turn.cancel()
                raise
            finally:
                expiry.cancel()
            if conn is TIMED_OUT:
                message = f"couldn't get a connection after {timeout:.2f} sec"
                if self.held < self.pool.max_size:  # the slots' requests wait for the pool: it cannot connect
                    raise errors.DatabaseUnreachable(message)
                raise PoolTimeout(message)
            timeout = max(0.0, timeout - (time.monotonic() - started))
        while conn is None and self._idle:
            conn = self._idle.pop()
            if time.monotonic() - conn._aio_from_pool_at >= HAND_OVER_S:
                await self.pool.putconn(conn)  # the pool checks, expires and replaces it
                conn = None
        if conn is None:
            try:
                conn = await self.pool.getconn(timeout)
            except BaseException as exc:
                self._free_slot()
                if isinstance(exc, PoolTimeout) and self.held < self.pool.max_size:
                    raise errors.DatabaseUnreachable(str(exc)) from None
                raise
            conn._aio_from_pool_at = time.monotonic()
        self.held += 1
        return conn

    async def release(self, conn: psycopg.AsyncConnection) -> None:
        self.held -= 1
        await self._give_back(conn)

    async def _give_back(self, conn: psycopg.AsyncConnection) -> None:
        # To a waiting request, or else to the idle ones, when the connection is sound and left the
        # pool less than HAND_OVER_S ago: every connection still passes through the pool that often,
        # which checks, expires and replaces connections (and after a lost connection,
        # return_idle() and pool.check() see the rest).
        now = time.monotonic()
        if not conn.closed and conn.pgconn.transaction_status == IDLE and now - conn._aio_from_pool_at < HAND_OVER_S:
            while self._waiting:
                turn = self._waiting.popleft()
                if not turn.done():
                    turn.set_result(conn)
                    return
            self._idle.append(conn)
            self._free_slot()
        else:
            try:
                await self.pool.putconn(conn)
            finally:
                self._free_slot()
        await self.return_expired_idle(now)

    async def return_expired_idle(self, now: float) -> None:
        """Gives back to the pool the idle connections that left it HAND_OVER_S ago or more (unused
        since a burst): after each request, and each second with the sweep."""
        while self._idle and now - self._idle[0]._aio_from_pool_at >= HAND_OVER_S:
            await self.pool.putconn(self._idle.popleft())

    async def return_idle(self) -> None:
        """Gives the idle connections back to the pool."""
        idle, self._idle = self._idle, collections.deque()
        for conn in idle:
            await self.pool.putconn(conn)

    def _free_slot(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free_slots += 1

    def pool_stats(self) -> dict[str, int]:
        """The pool's figures, with the requests waiting for a connection in the gateway's queue."""
        stats = self.pool.get_stats()
        stats["pool_available"] = stats.get("pool_available", 0) + len(self._idle)
        stats["requests_waiting"] = stats.get("requests_waiting", 0) + sum(not t.done() for t in self._waiting)
        return stats

    async def sweep_once(self) -> None:
        """One bounded sweep of the invocations, as aio_admin, in one short implicit transaction.
        A down database costs at most a second's wait for a connection: the sweep is skipped."""
        await self.return_expired_idle(time.monotonic())
        setup = {**SWEEPER.params, "request_id": "sweep", "read_only": "off"}
        async with self.pool.connection(timeout=1) as conn:
            async with conn.pipeline():
                await conn.execute(SWEEPER.sql, setup)
                await conn.execute("SELECT api.invocations_sweep()")

    async def long_poll(self, request: Request, node_id: str, seconds: int, claim) -> tuple | None:
        """claim() until it answers something other than an empty list, or `seconds` pass. Between
        two claims no pooled connection is held: the request sleeps until a NOTIFY for its node (or
        for any node), the fallback interval (work whose retry wait or not_before passed is not
        notified) or the deadline. None when the client went away: nothing more is claimed for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        # The body is read, so the next ASGI message is the disconnect (or the end of our response).
        gone = asyncio.ensure_future(request.receive())
        try:
            while True:
                # Registered before the claim: a NOTIFY that lands during the claim is not missed.
                woken = self.wakeups.register(node_id)
                try:
                    row = await claim()
                    left = deadline - loop.time()
                    if row is None or row[0] != "[]" or left <= 0 or self.wakeups.closing:
                        return row
                    waiting = asyncio.ensure_future(woken.wait())
                    done, _ = await asyncio.wait({waiting, gone}, timeout=min(self.settings.claim_poll_s, left),
                                                 return_when=asyncio.FIRST_COMPLETED)
                    waiting.cancel()
                    if gone in done:
                        return None
                finally:
                    self.wakeups.unregister(node_id, woken)
        finally:
            gone.cancel()

    async def catalog(self) -> dict[str, catalog.Function]:
        if self.functions is None:
            async with self._catalog_lock:
                if self.functions is None:
                    async with self.connection() as conn:
                        self.functions = await catalog.load(conn)
                        self.index_columns = await catalog.index_columns(conn)
                    self._statements.clear()
        return self.functions

    async def function(self, name: str) -> catalog.Function:
        functions = self.functions
        if functions is not None and name in functions:
            return functions[name]
        functions = await self.catalog()
        if name not in functions:
            self.functions = None  # deployed schema may have changed: look again next time
            raise BadRequest(503, f"api.{name} is not deployed; run the sqitch deploy", code="42883")
        return functions[name]

    # --- request -> named arguments -------------------------------------------------

    async def arguments(self, fn: catalog.Function, request: Request, headers: Headers) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.path_params)
        for key in request.query_params:
            values = request.query_params.getall(key)
            if len(values) > 1:
                raise BadRequest(422, f"{key}: given more than once", key)
            if key in args:
                raise BadRequest(422, f"{key}: is a path parameter", key)
            args[key] = values[0]
        if request.method in ("POST", "PUT"):
            args.update(await self.body_arguments(fn, request, headers, args))
        if_match = headers.get("if-match")
        if if_match is not None and fn.arg("expected_revision"):
            revision = expected_revision(if_match)  # checked even when the query names a revision
            if "expected_revision" not in args:
                args["expected_revision"] = revision
        for name, value in args.items():
            arg = fn.arg(name)
            if arg is None:
                raise BadRequest(422, f"{name}: unknown parameter", name)
            if arg.type in ("jsonb", "json"):
                if isinstance(value, str) and JSON_NUL.search(value):
                    # jsonb cannot hold NUL either (PostgreSQL: "unsupported Unicode escape sequence").
                    raise BadRequest(422, f"{name}: JSON may not contain NUL (\\u0000) characters", name)
            elif has_nul(value):
                # PostgreSQL text cannot hold NUL; psycopg would refuse it before the call.
                raise BadRequest(422, f"{name}: text may not contain NUL (\\u0000) characters", name)
        for arg in fn.args:
            if arg.required and arg.name not in args:
                raise BadRequest(422, f"{arg.name}: is required", arg.name)
        return args

    async def body_arguments(self, fn: catalog.Function, request: Request, headers: Headers, taken: dict) -> dict[str, Any]:
        raw = await request.body()
        if not raw:  # no body at all; whitespace alone is not JSON (400)
            if fn.arg("patch"):
                raise BadRequest(400, "the request body must be a JSON object", "patch")
            return {}
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media and media != JSON and not media.endswith("+json"):
            raise BadRequest(415, f"content type {media!r} is not supported; send {JSON}")
        try:
            body = msgspec.json.decode(raw)  # 2-3x faster than json.loads on a batch (measured)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            raise BadRequest(400, f"the request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise BadRequest(422, f"the request body must be a JSON object, got {JSON_KIND_NAMES.get(type(body), 'null')}")
        if fn.arg("patch"):
            # A partial update takes the whole body; the SQL function checks every field.
            return {"patch": raw.decode()}
        values = {}
        for key, value in body.items():
            arg = fn.arg(key)
            if arg is None:
                raise BadRequest(422, f"{key}: unknown field", key)
            if key in taken:
                raise BadRequest(422, f"{key}: is already given in the path or query", key)
            values[key] = self.json_argument(arg, value)
        return values

    @staticmethod
    def json_argument(arg: catalog.Arg, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer() and int in JSON_KINDS.get(arg.type, ()):
            value = int(value)  # 3.0 is an integer in JSON Schema
        # An array type not listed takes a JSON array (uuid[]: of strings), any other type a string.
        check_json_kind(arg.name, value, JSON_KINDS.get(arg.type, (list,) if arg.type.endswith("[]") else (str,)), "")
        if arg.type.endswith("[]"):
            # One-dimensional arrays only, each item of the element type's JSON kind or null.
            items = JSON_KINDS.get(arg.type[:-2], (str,))
            for item in value:
                if item is not None:
                    check_json_kind(arg.name, item, items, "an array of ")
            return [sql_text(item) for item in value]
        if arg.type in ("jsonb", "json"):
            return msgspec.json.encode(value).decode()
        return sql_text(value)

    # --- one statement per call ------------------------------------------------------

    def statement(self, fn: catalog.Function, names: tuple[str, ...]) -> str:
        key = (fn.name, names)
        sql = self._statements.get(key)
        if sql is None:
            call = "api.{}({})".format(
                quote_ident(fn.name),
                ", ".join(f"{quote_ident(n)} => %s::{fn.arg(n).type}" for n in names),
            )
            if fn.returns_void:
                sql = f"SELECT {call}"
            elif fn.returns_set and fn.paged:
                sql = f"SELECT coalesce(json_agg(r), '[]')::text, count(*)::int, (array_agg(r.cursor))[count(*)::int] FROM {call} r"
            elif fn.returns_set:
                sql = f"SELECT coalesce(json_agg(r), '[]')::text FROM {call} r"
            elif fn.versioned:
                sql = f"SELECT to_json(r)::text, r.revision FROM {call} r"  # the revision is the ETag
            elif fn.columns:
                sql = f"SELECT to_json(r)::text FROM {call} r"
            else:
                sql = f"SELECT to_json({call})::text"
            self._statements[key] = sql
        return sql

    async def execute(self, who: auth.Credentials, request_id: str, read_only: bool,
                      statements: list[tuple[str, list]]) -> tuple | None:
        """One round trip: the caller's setup (role, identity, timeout) and the statements, pipelined
        up to one Sync, so PostgreSQL runs them as one implicit transaction: the setup's
        transaction-local settings hold for the call, and an error anywhere rolls back all of it.
        Each statement is prepared once per connection (gateway/wire.py). Values are bound
        parameters, never SQL text: PostgreSQL logs the text of a failing statement, and the
        setup carries the hash of the caller's API key."""
        setup = {"subject": "", **who.params, "request_id": request_id, "read_only": "on" if read_only else "off"}
        key_hash = who.key_hash
        conn = await self.acquire()
        try:
            # The last statement's first row is the answer.
            row = await wire.run(conn, [(who.sql, setup), *statements], prepare=self.settings.prepared_statements)
        except psycopg.Error as exc:
            # The key was good when the call itself failed (404, 409, ...); 28000 is a refused key.
            if key_hash is not None and exc.sqlstate and exc.sqlstate != "28000" and exc.sqlstate[:2] not in ("08", "57"):
                self.key_uses[key_hash] = time.time()
            raise
        finally:
            await self.release(conn)
        if key_hash is not None:
            self.key_uses[key_hash] = time.time()
        return row

    async def execute_retrying(self, who, request_id, read_only, statements, retry_safe: bool) -> tuple | None:
        """execute(), once more on a fresh connection when the pooled one was dead (PostgreSQL
        restarted) and running the request again is safe: a read, or a create with an
        Idempotency-Key (a repeat replays instead of writing twice)."""
        try:
            return await self.execute(who, request_id, read_only, statements)
        except psycopg.OperationalError as exc:
            if not connection_lost(exc):
                raise
            log.warning("database connection lost; checking the pool" + (" and retrying once" if retry_safe else ""),
                        extra={"fields": {"request_id": request_id, "sqlstate": exc.sqlstate}})
            # Every pooled connection died with the server: drop them all now, not one failed
            # request each (after a restart, agents' heartbeats failed for seconds and leases lapsed).
            await self.return_idle()
            await self.pool.check()
            if not retry_safe:
                raise
            return await self.execute(who, request_id, read_only, statements)

    async def call(self, r: Route, request: Request, headers: Headers | None = None) -> Answer:
        """The route's answer to the request; headers: the request's, by lower-case name (the first
        of a repeated one), when the caller has them at hand (else Litestar's)."""
        started = time.perf_counter()
        if headers is None:
            headers = request.headers
        request_id = request_id_of(headers)
        answer, sqlstate = await self.respond(r, request, request_id, headers)
        answer.headers["X-Request-ID"] = request_id
        elapsed = time.perf_counter() - started
        observability.observe(r.path, r.method, answer.status, elapsed, sqlstate)
        observability.access_log({
            "message": "request", "request_id": request_id, "method": r.method, "route": r.path,
            "path": request.url.path[:LOGGED_PATH_CHARS], "function": r.function, "status": answer.status,
            "duration_ms": round(elapsed * 1000, 2), "sqlstate": sqlstate})
        return answer

    async def respond(self, r: Route, request: Request, request_id: str, headers: Headers) -> tuple[Answer, str | None]:
        args: dict[str, Any] = {}
        answer_headers: dict[str, str] = {}
        who = fn = None
        reads = r.method == "GET" or r.reads
        try:
            who = auth.credentials(headers.get("authorization"), self.settings)
            fn = await self.function(r.function)
            if not who.present and not fn.public:
                # Refused before the body is read or the database sees the request.
                return problem_answer(*errors.problem(401, errors.AUTHENTICATION_REQUIRED, code=errors.UNAUTHORIZED)), None
            args = await self.arguments(fn, request, headers)
            names = tuple(args)
            call = (self.statement(fn, names), [args[n] for n in names])
            key = headers.get("idempotency-key")
            if key is not None and r.method == "POST" and r.status == 201:
                if who.nameless:
                    raise BadRequest(422, "Idempotency-Key: needs a token with a `sub` claim (keys belong to "
                                          "their caller; send the request without it, or use an API key)",
                                     "Idempotency-Key")
                # Claim the key, then store the response with the write, in the same transaction.
                digest = await request_digest(request)
                statements = [(IDEMPOTENCY_CLAIM, [key, digest]),
                              (IDEMPOTENCY_COMPLETE.format(call=call[0]), [key, r.status, *call[1]])]
            else:
                statements = [call]
            wait = min(wait_seconds(args), self.settings.claim_wait_max_s) if r.long_poll else 0
            if wait > 0:
                row = await self.long_poll(request, node_key(args.get("node_id")), wait,
                                           lambda: self.execute_retrying(who, request_id, reads, statements, False))
                if row is None:  # the client is gone; this answer goes nowhere
                    return Answer(r.status, b"[]", JSON, {}), None
            else:
                row = await self.execute_retrying(who, request_id, reads, statements, retry_safe=reads or key is not None)
        except auth.Unauthorized as exc:
            return problem_answer(*errors.problem(401, str(exc), code=errors.UNAUTHORIZED)), None
        except BadRequest as exc:
            return problem_answer(*errors.problem(exc.status, exc.detail, field=exc.field, code=exc.code)), exc.code
        except (psycopg.Error, PoolTimeout) as exc:
            if isinstance(exc, psycopg.errors.UndefinedFunction):
                self.functions = None
            sqlstate = getattr(exc, "sqlstate", None)
            if sqlstate == "PR200":  # the same request was answered before: replay that answer
                stored = json.loads(exc.diag.message_detail)
                return Answer(stored["status"], stored["body"].encode(), JSON, {"Idempotent-Replayed": "true"}), None
            return problem_answer(*errors.from_database(exc, args, authenticated=bool(who and who.present),
                                                          index_columns=self.index_columns,
                                                          writes=not reads)), sqlstate
        if fn.returns_void:
            return Answer(r.status, b"", None, answer_headers), None
        if fn.versioned and len(row) > 1 and row[1] is not None:
            answer_headers["ETag"] = f'"{row[1]}"'
        if fn.returns_set and fn.paged:
            limit = int(args["limit"]) if "limit" in args else fn.default_limit
            if row[1] and row[1] == limit:
                answer_headers["Link"] = next_link(request, r, row[2])
        return Answer(r.status, row[0].encode(), JSON, answer_headers), None


def check_json_kind(name: str, value: Any, allowed: tuple[type, ...], container: str) -> None:
    """A 422 naming the field when a JSON value is not of a kind its SQL type takes."""
    kind = bool if isinstance(value, bool) else type(value)
    if kind not in allowed:
        expected = " or ".join(dict.fromkeys(JSON_KIND_NAMES[t] for t in allowed))
        got = JSON_KIND_NAMES.get(kind, kind.__name__)
        if container:
            raise BadRequest(422, f"{name}: must be {container}{expected} items, got an item of type {got}", name)
        raise BadRequest(422, f"{name}: must be a JSON {expected}, got {got}", name)


def sql_text(value: Any) -> Any:
    """A JSON scalar as the text PostgreSQL casts to the argument's type (None stays NULL)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


# The escape of U+0000 in JSON text: \u0000 not itself escaped (\\u0000 is a backslash, then u0000).
JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, list) and any(isinstance(v, str) and "\x00" in v for v in value)


def expected_revision(if_match: str) -> str | None:
    """If-Match: "3" (or W/"3", or 3) -> "3"; * -> no condition. Anything else is not an ETag we issued."""
    value = if_match.strip()
    if not re.fullmatch(openapi.IF_MATCH, value):
        raise BadRequest(400, f"If-Match: {if_match!r} is not an ETag this API issued (a revision, e.g. \"3\")", "If-Match")
    return None if value == "*" else value.removeprefix("W/").strip('"')


def connection_lost(exc: psycopg.OperationalError) -> bool:
    if isinstance(exc, PoolTimeout):
        return False  # the wait for a connection has been waited; waiting again doubles it
    return exc.sqlstate is None or exc.sqlstate[:2] == "08" or exc.sqlstate in ("57P01", "57P02", "57P03")


IDLE = psycopg.pq.TransactionStatus.IDLE
TIMED_OUT = object()  # a wait for a connection that ran out of time


def _time_out(turn: asyncio.Future) -> None:
    if not turn.done():
        turn.set_result(TIMED_OUT)


HAND_OVER_S = 1.0
RECORD_KEY_USES = "SELECT auth.record_key_uses(%s::bytea[], %s::timestamptz[])"
# The sweep's identity: the admin role, no key; its subject names it in the audit log.
SWEEPER = auth.Credentials(auth.SETUP_TOKEN, {"role": "admin", "node_id": None, "subject": "gateway sweep"}, True)


def wait_seconds(args: dict[str, Any]) -> int:
    """How long a long-poll route may hold the request; the SQL function checks the range."""
    try:
        return max(0, int(args.get("wait_seconds") or 0))
    except (TypeError, ValueError):
        return 0  # not a number: the first call raises 22P02 naming it


def node_key(node_id: Any) -> str:
    """A node id as NOTIFY payloads spell it (uuid::text, lower case)."""
    try:
        return str(uuid.UUID(str(node_id)))
    except ValueError:
        return str(node_id)


IDEMPOTENCY_CLAIM = "SELECT auth.idempotency_claim(%s, %s)"
IDEMPOTENCY_COMPLETE = "SELECT auth.idempotency_complete(%s, %s, x.body) FROM ({call}) x(body)"


async def request_digest(request: Request) -> str:
    """What makes two requests the same: method, path, query (in any order) and the body as canonical JSON."""
    raw = await request.body()
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")) if raw.strip() else ""
    except ValueError:
        body = raw.decode(errors="replace")
    query = urlencode(sorted(request.query_params.multi_items()))
    return hashlib.sha256(f"{request.method} {request.url.path}?{query}\n{body}".encode()).hexdigest()


def request_id_of(headers: Headers) -> str:
    given = headers.get("x-request-id", "")
    # Accept a caller's id when it is short and printable; it ends up in logs and the audit log.
    if given and len(given) <= 200 and given.isprintable():
        return given
    return random_uuid()


# The version (4) and variant (RFC 4122) bits of a random UUID, as uuid.UUID(int=..., version=4) sets them.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def random_uuid() -> str:
    """A random UUID (version 4) from the process's PRNG: an id needs to be unique, not secret, and
    uuid.uuid4() reads os.urandom, a system call per request (uuid.UUID's own formatting costs
    more than this)."""
    h = "%032x" % (random.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def next_link(request: Request, r: Route, cursor: str) -> str:
    # The route's own path (request.url.path may lose a trailing slash), under the ASGI root_path.
    path = r.path.format(**{k: quote(str(v), safe="") for k, v in request.path_params.items()})
    query = {k: v for k, v in request.query_params.items() if k != "cursor"}
    query["cursor"] = cursor
    return f'<{request.scope.get("root_path", "")}{path}?{urlencode(query)}>; rel="next"'


class Answer(NamedTuple):
    """A route's response, before it is one: sent by Litestar (as_response) or directly (DirectGets)."""
    status: int
    body: bytes
    media_type: str | None  # None: Litestar's default, application/json
    headers: dict[str, str]

    def as_response(self) -> Response:
        return Response(content=self.body, status_code=self.status, media_type=self.media_type, headers=self.headers)


def problem_answer(status: int, body: bytes, headers: dict[str, str]) -> Answer:
    return Answer(status, body, errors.PROBLEM_JSON, headers)


def problem_response(status: int, body: bytes, headers: dict[str, str]) -> Response:
    return problem_answer(status, body, headers).as_response()


def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status, body, headers = errors.problem(exc.status_code, str(exc.detail))
    return problem_response(status, body, {**(exc.headers or {}), **headers})  # e.g. Allow on a 405


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path[:LOGGED_PATH_CHARS])
    return problem_response(*errors.problem(500, "internal error"))


# The docs pages' assets, from the npm packages bootstrap installs (package-lock.json pins them).
NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
DOCS_ASSETS = {
    "swagger-ui.css": ("swagger-ui-dist/swagger-ui.css", "text/css"),
    "swagger-ui-bundle.js": ("swagger-ui-dist/swagger-ui-bundle.js", "text/javascript"),
    "redoc.standalone.js": ("redoc/bundles/redoc.standalone.js", "text/javascript"),
}


def docs_page(request: Request, html: str) -> Response:
    raw = request.scope.get("raw_path", b"").decode("latin-1")
    if raw.endswith("/"):
        # /docs/ would resolve the page's relative URLs one level too deep.
        return Response(content=b"", status_code=308, headers={"Location": "../" + raw.rstrip("/").rsplit("/", 1)[-1]})
    return Response(content=html, media_type="text/html")


def docs_asset(name: str) -> Response:
    if name not in DOCS_ASSETS:
        return problem_response(*errors.problem(404, f"no asset {name!r}"))
    relative, media_type = DOCS_ASSETS[name]
    try:
        content = (NODE_MODULES / relative).read_bytes()
    except OSError:
        return problem_response(*errors.problem(503, f"node_modules/{relative} is missing: run make bootstrap"))
    return Response(content=content, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})


def litestar_path(path: str) -> str:
    # Litestar wants typed path parameters; every value goes to PostgreSQL as text and is
    # cast there to the argument's type, so its errors name the bad value.
    return path.replace("}", ":str}")


def make_handler(gateway: Gateway, path: str, by_method: dict[str, Route]):
    """One handler per path, so that OPTIONS and 405 answer with every method the path has."""
    async def handler(request: Request) -> Response:
        return (await gateway.call(by_method[request.method], request)).as_response()

    return route(
        litestar_path(path), http_method=list(by_method), name=path, status_code=200, include_in_schema=False,
    )(handler)


def handlers(gateway: Gateway) -> list:
    paths: dict[str, dict[str, Route]] = {}
    for r in ROUTES:
        paths.setdefault(r.path, {})[r.method] = r
    return [make_handler(gateway, path, by_method) for path, by_method in paths.items()]


class DirectGets:
    """The GET routes of ROUTES, matched without Litestar's router: a GET of a route answers without
    Litestar's middleware stack, handler signature and response classes, which cost more CPU than
    the gateway's own work on the get-by-id routes (cProfile on CPU time). The response is encoded
    as Litestar encodes an Answer (tests/test_gateway_direct.py compares both). Only a path that
    exactly one template matches, among every path Litestar serves (any method: /artifacts/batch
    is POST only, and a GET of it is Litestar's 405, not /artifacts/{artifact_id}), and whose
    template has a GET, is answered here; the rest (a trailing slash Litestar would forgive, a root
    path, two templates) goes to Litestar."""

    def __init__(self, routes: list[Route], other_paths: tuple[str, ...] = ()):
        # (first segment, number of segments) -> [(static segments after the first, parameters,
        # the path's GET route or None)], segments by position in path.split("/")
        self.table: dict[tuple[str, int], list[tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...], Route | None]]] = {}
        gets: dict[str, Route | None] = dict.fromkeys(other_paths)
        for r in routes:
            if r.method == "GET":
                gets[r.path] = r
            else:
                gets.setdefault(r.path, None)
        for path, r in gets.items():
            segments = path.split("/")
            params = tuple((i, seg.split(":")[0][1:].rstrip("}")) for i, seg in enumerate(segments)
                           if seg.startswith("{") and seg.endswith("}"))
            named = {i for i, _ in params}
            statics = tuple((i, seg) for i, seg in enumerate(segments) if i > 1 and i not in named)
            self.table.setdefault((segments[1], len(segments)), []).append((statics, params, r))

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        parts = path.split("/")
        if len(parts) < 2:
            return None
        found = None
        for statics, params, r in self.table.get((parts[1], len(parts)), ()):
            for i, seg in statics:
                if parts[i] != seg:
                    break
            else:
                values = {}
                for i, name in params:
                    if not parts[i]:
                        break
                    values[name] = parts[i]
                else:
                    if found is not None:
                        return None  # two templates match: Litestar's router decides
                    found = (r, values)
        if found is None or found[0] is None:
            return None  # no template, or one without a GET: Litestar answers (404, 405)
        return found  # type: ignore[return-value]


class DirectRequest:
    """What the gateway reads of a GET's Request (gateway.call), as Litestar's Request gives it: the
    query parsed by Litestar's own parser, the URL's path (no root path on this path). Litestar's
    Request, its URL and its connection state cost a tenth of a direct GET."""

    __slots__ = ("scope", "receive", "send", "path_params", "_query_params", "_url")
    method = "GET"

    def __init__(self, scope, receive, send, path_params: dict[str, str]):
        self.scope, self.receive, self.send, self.path_params = scope, receive, send, path_params
        self._query_params: MultiDict | None = None
        self._url: SimpleNamespace | None = None

    @property
    def query_params(self) -> MultiDict:
        if self._query_params is None:
            self._query_params = MultiDict(parse_query_string(self.scope.get("query_string", b"")))
        return self._query_params

    @property
    def url(self) -> SimpleNamespace:
        if self._url is None:
            self._url = SimpleNamespace(path=self.scope["path"])
        return self._url

    async def body(self) -> bytes:
        return b""  # a GET's body is not read (gateway.arguments reads bodies of POST and PUT only)


class GatewayApp(Litestar):
    """Litestar, with the GETs of ROUTES answered directly (DirectGets) unless CORS is configured."""

    direct: DirectGets | None = None
    gateway: Gateway

    async def __call__(self, scope, receive, send) -> None:
        if self.direct is not None and scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            found = self.direct.match(scope["path"])
            if found is not None:
                await self.answer_directly(scope, receive, send, *found)
                return
        await super().__call__(scope, receive, send)

    async def answer_directly(self, scope, receive, send, r: Route, path_params: dict[str, str]) -> None:
        scope["app"] = scope["litestar_app"] = self
        scope.setdefault("state", {})
        scope["path_params"] = path_params
        request = DirectRequest(scope, receive, send, path_params)
        # As Litestar's Headers: names in lower case (as ASGI gives them), the first of a repeated one.
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            key = name.decode("latin-1").lower()
            if key not in headers:
                headers[key] = value.decode("latin-1")
        try:
            answer = await self.gateway.call(r, request, headers)
        except HTTPException as exc:
            answer = answer_of(http_exception_handler(request, exc))
        except Exception as exc:
            answer = answer_of(internal_error_handler(request, exc))
        status, body, media_type, headers = answer
        encoded = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        # As Litestar's ASGIResponse: content-type and content-length unless given, none on a 204 or 304.
        if status in (204, 304) or status < 200:
            body = b""
        else:
            given = {name.lower() for name in headers}
            if "content-type" not in given:
                media_type = media_type or JSON
                encoded.append((b"content-type", (f"{media_type}; charset=utf-8" if media_type.startswith("text/")
                                                  else media_type).encode("latin-1")))
            if "content-length" not in given:
                encoded.append((b"content-length", str(len(body)).encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": encoded})
        await send({"type": "http.response.body", "body": body, "more_body": False})


def answer_of(response: Response) -> Answer:
    return Answer(response.status_code, response.content, response.media_type, dict(response.headers))


# The paths of create_app's own handlers: a path they serve is not an API route's.
LITESTAR_PATHS = ("/openapi.json", "/health", "/metrics", "/docs", "/redoc", "/assets/{name:str}")


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()
    observability.configure_logging()  # here, not only in `serve`: each worker process calls this
    gateway = Gateway(settings)

    @get("/openapi.json", include_in_schema=False)
    async def openapi_json() -> Response:
        try:
            functions = await gateway.catalog()
        except (psycopg.Error, PoolTimeout) as exc:
            return problem_response(*errors.from_database(exc))
        return Response(content=openapi.document(functions, ROUTES), media_type=JSON)

    @get("/health", include_in_schema=False)
    async def liveness() -> Response:
        # Liveness: the process answers. Readiness (database and schema) is GET /ready.
        return Response(content=b'{"status":"ok"}', media_type=JSON)

    @get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body = observability.render(gateway.pool_stats())
        return Response(content=body, media_type=observability.CONTENT_TYPE_LATEST)

    @get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> Response:
        return docs_page(request, openapi.SWAGGER_HTML)

    @get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> Response:
        return docs_page(request, openapi.REDOC_HTML)

    @get("/assets/{name:str}", include_in_schema=False)
    async def asset(name: str) -> Response:
        return docs_asset(name)

    app = GatewayApp(
        route_handlers=[*handlers(gateway), openapi_json, liveness, metrics, swagger_ui, redoc, asset],
        on_startup=[gateway.start],
        on_shutdown=[gateway.stop],
        openapi_config=None,
        exception_handlers={HTTPException: http_exception_handler, Exception: internal_error_handler},
        request_max_body_size=settings.max_body_bytes,
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins)) if settings.cors_origins else None,
    )
    app.state.gateway = gateway
    app.gateway = gateway
    if settings.direct_gets and not settings.cors_origins:
        app.direct = DirectGets(ROUTES, LITESTAR_PATHS)
    return app
