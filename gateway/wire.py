"""One round trip per request: its statements pipelined up to one Sync, each prepared once per connection.

psycopg's pipeline() costs the gateway a wait on the socket per statement and one more per Sync,
and without prepared statements PostgreSQL parses and plans the setup statement (a view, seven
set_config calls) on every request, which cost more than the call itself (pgbench -M extended vs
-M prepared of the gateway's two statements: 1,745 vs 5,258 tps here). This module sends every
statement with libpq directly: Parse (the first time on a connection), Bind and Execute of each
statement, one Sync, one flush, then reads the results in one go.

Prepared statements are tracked per connection, and a name counts as prepared only once its
Parse succeeded: a Parse skipped because an earlier statement of the pipeline failed is sent
again next time (psycopg's own cache could fall out of step there: 26000). Parameters are sent
untyped, as text (bytes in binary), and take the types their SQL gives them (every call casts
its arguments; the setup's are set_config's text and key_hash's bytea).
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import errors as e
from psycopg import generators, pq

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")
_INT_OIDS = frozenset((20, 21, 23))  # int8, int2, int4
_BOOL_OID = 16
_ERRORS_THAT_FORGET = frozenset(("26000", "0A000", "42883", "42P01", "3F000"))
# Bounds: a route's statement depends on which arguments a request names, so clients choose how
# many texts there are. Past these, statements are sent unprepared (and their texts not kept).
MAX_PREPARED_PER_CONNECTION = 256
MAX_CONVERTED = 4096

# sql -> (query with $n, names of the %(name)s placeholders in $n order or None, statement name)
_converted: dict[str, tuple[bytes, tuple[str, ...] | None, int, bytes]] = {}
# connection -> names of its statements that PostgreSQL has prepared
_prepared: weakref.WeakKeyDictionary[psycopg.AsyncConnection, set[bytes]] = weakref.WeakKeyDictionary()


def convert(sql: str) -> tuple[bytes, tuple[str, ...] | None, int, bytes]:
    """%s / %(name)s placeholders to $n, once per statement text."""
    found = _converted.get(sql)
    if found is None:
        names: list[str] = []
        positional = 0

        def number(m: re.Match) -> str:
            nonlocal positional
            if m.group(0) == "%%":
                return "%"
            if m.group(1) is None:
                positional += 1
                return f"${positional}"
            if m.group(1) not in names:
                names.append(m.group(1))
            return f"${names.index(m.group(1)) + 1}"

        query = _PLACEHOLDER.sub(number, sql)
        if names and positional:
            raise ValueError("a statement mixes %s and %(name)s placeholders")
        found = (query.encode(), tuple(names) if names else None, len(names) or positional,
                 b"aio_%d" % len(_converted) if len(_converted) < MAX_CONVERTED else b"")
        if found[3]:
            _converted[sql] = found
    return found


def array_literal(items: Sequence[Any]) -> str:
    parts = []
    for item in items:
        if item is None:
            parts.append("NULL")
        else:
            text = item if isinstance(item, str) else str(item)
            parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(parts) + "}"


def encode(value: Any) -> tuple[bytes | None, int]:
    """A parameter as libpq sends it: (bytes, format), format 0 text, 1 binary."""
    if value is None:
        return None, 0
    if isinstance(value, str):
        return value.encode(), 0
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value), 1  # bytea, binary
    if isinstance(value, bool):
        return (b"true" if value else b"false"), 0
    if isinstance(value, (int, float)):
        return str(value).encode(), 0
    if isinstance(value, (list, tuple)):
        return array_literal(value).encode(), 0
    raise TypeError(f"cannot send a {type(value).__name__} as a parameter")


def load(result: pq.abc.PGresult, encoding: str) -> tuple | None:
    """The first row of a result: integers as int, booleans as bool, everything else as str."""
    if result.ntuples == 0:
        return None
    row = []
    for i in range(result.nfields):
        value = result.get_value(0, i)
        if value is None:
            row.append(None)
        elif (oid := result.ftype(i)) in _INT_OIDS:
            row.append(int(value))
        elif oid == _BOOL_OID:
            row.append(value == b"t")
        else:
            row.append(value.decode(encoding))
    return tuple(row)


TUPLES_OK = pq.ExecStatus.TUPLES_OK
COMMAND_OK = pq.ExecStatus.COMMAND_OK
FATAL_ERROR = pq.ExecStatus.FATAL_ERROR
PIPELINE_SYNC = pq.ExecStatus.PIPELINE_SYNC


async def _readable(pgconn: pq.abc.PGconn) -> None:
    """Until the connection's socket has data. One reader callback and one future: psycopg's
    conn.wait() costs a generator, two closures and a timer per wait, and reading a request's
    results took it one wait per statement."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = pgconn.socket
    loop.add_reader(fd, _wake, ready)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


def _wake(ready: asyncio.Future) -> None:
    if not ready.done():
        ready.set_result(None)


async def _until_not_busy(pgconn: pq.abc.PGconn) -> None:
    """Reads from the socket until libpq has a whole result (as psycopg's fetch waits)."""
    try:
        while pgconn.is_busy():
            await _readable(pgconn)
            pgconn.consume_input()
    except OSError as exc:  # the socket went away under the loop (psycopg says the same)
        raise e.OperationalError("connection socket closed") from exc


async def _flush(conn: psycopg.AsyncConnection) -> None:
    await conn.wait(generators.send(conn.pgconn))


async def run(conn: psycopg.AsyncConnection, statements: Sequence[tuple[str, Sequence[Any] | Mapping[str, Any]]],
              prepare: bool = True) -> tuple | None:
    """Runs the statements pipelined up to one Sync (one implicit transaction in autocommit) and
    returns the first row of the last one; raises the first error (psycopg.Error) otherwise."""
    pgconn = conn.pgconn
    if prepare:
        prepared = _prepared.get(conn)
        if prepared is None:
            prepared = _prepared[conn] = set()
    else:
        prepared = set()
    expected: list[bytes | None] = []  # per result: the statement name a Parse prepares, else None
    done = False
    pgconn.enter_pipeline_mode()
    try:
        for sql, values in statements:
            query, names, count, name = convert(sql)
            if names is not None:
                values = [values[n] for n in names]  # type: ignore[index]
            if len(values) != count:
                raise ValueError(f"{count} parameters expected, {len(values)} given")
            params, formats = [], []
            for value in values:
                if type(value) is str:  # nearly every value: the rest as encode() says
                    params.append(value.encode())
                    formats.append(0)
                else:
                    data, fmt = encode(value)
                    params.append(data)
                    formats.append(fmt)
            if prepare and name and (name in prepared or len(prepared) < MAX_PREPARED_PER_CONNECTION):
                if name not in prepared:
                    pgconn.send_prepare(name, query)
                    expected.append(name)
                pgconn.send_query_prepared(name, params, param_formats=formats)
            else:
                pgconn.send_query_params(query, params, param_formats=formats)
            expected.append(None)
        pgconn.pipeline_sync()  # flushes too; what a full socket buffer kept back is sent below
        if pgconn.flush():
            await _flush(conn)
        error: psycopg.Error | None = None
        last = None
        encoding = conn.info.encoding
        # One result list per statement, each ended by a NULL result, then the Sync's own result.
        for parsed in expected:
            while True:
                if pgconn.is_busy():
                    await _until_not_busy(pgconn)
                result = pgconn.get_result()
                if result is None:
                    break
                status = result.status
                if status == TUPLES_OK:
                    last = result
                elif status == FATAL_ERROR:
                    if error is None:
                        error = e.error_from_result(result, encoding=encoding)
                elif status == COMMAND_OK and parsed is not None:
                    prepared.add(parsed)
        if pgconn.is_busy():
            await _until_not_busy(pgconn)
        sync = pgconn.get_result()
        if sync is None or sync.status != PIPELINE_SYNC:
            raise e.InternalError("the pipeline ended without its Sync")
        pgconn.exit_pipeline_mode()
        done = True
    finally:
        if not done:
            # Half a pipeline is left on this connection: the pool must not hand it out again.
            await conn.close()
    if error is not None:
        if error.sqlstate in _ERRORS_THAT_FORGET:
            # A prepared statement may name what is no longer there: prepare afresh on this connection.
            prepared.clear()
            await conn.execute("DEALLOCATE ALL")
        raise error
    return load(last, encoding) if last is not None else None
