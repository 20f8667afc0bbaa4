"""SQLSTATE to HTTP, in one table, and problem+json bodies."""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus

import psycopg
from psycopg_pool import PoolTimeout

log = logging.getLogger("gateway")

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_S = "1"

# Exact SQLSTATEs first, then two-character classes. 'PTxyz' is handled in status_for().
SQLSTATE_STATUS: dict[str, int] = {
    "P0002": 404,  # no_data_found
    "23505": 409,  # unique_violation
    "23503": 409,  # foreign_key_violation
    "23514": 422,  # check_violation
    "23502": 422,  # not_null_violation
    "42501": 403,  # insufficient_privilege (401 when the caller sent no credentials)
    "28000": 401,  # invalid_authorization_specification: unknown, revoked or expired key
    "25006": 405,  # read_only_sql_transaction: a write attempted through GET (any other method: 503)
    "40001": 503,  # serialization_failure: the client may retry
    "40P01": 503,  # deadlock_detected: the client may retry
    "57014": 504,  # query_canceled (statement timeout)
    "57P01": 503,  # admin_shutdown
    "57P02": 503,  # crash_shutdown
    "57P03": 503,  # cannot_connect_now
    "42883": 503,  # undefined_function: the api schema is not deployed
    "3F000": 503,  # invalid_schema_name: likewise
    "55P03": 503,  # lock_not_available: the client may retry
    "22": 422,     # data exceptions: bad uuid, number, date, parameter value
    "23": 409,     # other integrity violations (restrict, exclusion): a conflict with stored data
    "54": 422,     # program limits: a value too large to index, nesting too deep
    "40": 503,     # other transaction rollbacks: the client may retry
    "53": 503,     # insufficient resources (memory, disk, connections): the client may retry
    "57": 503,     # operator intervention: the server is going away
    "08": 503,     # connection exceptions
}
RETRYABLE = {503}
AUTHENTICATION_REQUIRED = "authentication required: send Authorization: Bearer <API key or token>"
# The code of every 401 (missing, malformed, unknown, revoked or expired credentials): the SQLSTATE
# invalid_authorization_specification, which auth.key_refused raises for a bad key too.
UNAUTHORIZED = "28000"


class DatabaseUnreachable(PoolTimeout):
    """No pooled connection came in time although the pool was not full: it cannot connect (503)."""


def status_for(sqlstate: str | None) -> int:
    if not sqlstate:
        return 503  # no SQLSTATE: the connection itself failed
    if sqlstate.startswith("PT") and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    return SQLSTATE_STATUS.get(sqlstate) or SQLSTATE_STATUS.get(sqlstate[:2]) or 500


def problem(status: int, detail: str, **extra) -> tuple[int, bytes, dict[str, str]]:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v not in (None, "")})
    headers = {"Retry-After": RETRY_AFTER_S} if status in RETRYABLE else {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="ai-orchestrator"'
    return status, json.dumps(body).encode(), headers


def from_database(exc: Exception, args: dict[str, str] | None = None, authenticated: bool = True,
                  index_columns: dict[str, str] | None = None, writes: bool = False) -> tuple[int, bytes, dict[str, str]]:
    """A problem for an exception raised while talking to PostgreSQL; writes: the request was not
    a read, so its transaction was not made read-only by the gateway."""
    if isinstance(exc, DatabaseUnreachable):
        return problem(503, "the database is unavailable; retry later")
    if isinstance(exc, PoolTimeout):
        return problem(504, "no database connection became free in time; retry later")
    if not isinstance(exc, psycopg.Error):
        raise exc
    sqlstate = exc.sqlstate
    if sqlstate is None and isinstance(exc, psycopg.DataError):
        # Raised by psycopg itself while adapting a request's values: the client's mistake, not an outage.
        return problem(422, f"a value cannot be sent to PostgreSQL: {exc}")
    if sqlstate == "25006" and writes:
        return problem(503, "the database accepts no writes (a hot standby, or a read-only database): "
                            "send writes to the primary", code=sqlstate)
    status = status_for(sqlstate)
    if status == 403 and not authenticated:
        return problem(401, AUTHENTICATION_REQUIRED, code=UNAUTHORIZED)
    if sqlstate is None or sqlstate[:2] == "08" or sqlstate in ("57P01", "57P02", "57P03"):
        return problem(503, "the database is unavailable; retry later", code=sqlstate)
    if status >= 500 and status not in (503, 504):
        log.error("database error %s: %s", sqlstate, exc)
        return problem(status, "internal error", code=sqlstate)
    diag = exc.diag
    if sqlstate == "54000":
        return _too_large(diag, args or {}, index_columns or {})
    return problem(
        status,
        diag.message_primary or str(exc),
        code=sqlstate,
        field=diag.column_name or _field_by_value(diag.message_primary or "", args or {}),
        hint=diag.message_hint,
        conflict=diag.message_detail if status == 409 else None,
        errors=_errors(diag.message_detail) if status == 422 else None,
    )


def _errors(detail: str | None) -> list | None:
    """The itemised errors a function put in DETAIL as a JSON array (a JSON Schema validator's, as
    api.invocation_submit raises them): passed on as they are, so a client reads every one."""
    if not detail or not detail.startswith("["):
        return None
    try:
        errors = json.loads(detail)
    except ValueError:
        return None
    return errors if isinstance(errors, list) and errors else None


def _too_large(diag, args: dict, index_columns: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    """54000: a value over a PostgreSQL limit, e.g. "index row size 5136 exceeds maximum 2712 for index
    "tools_input_properties_idx"". The field is the indexed column (btree names the index in
    constraint_name, GIN only in the message); without an index, the largest argument."""
    message = diag.message_primary or "a value exceeds a PostgreSQL limit"
    named = re.search(r'for index "([^"]+)"', message)
    index = diag.constraint_name or (named[1] if named else "")
    field = index_columns.get(index) or max(args, key=lambda n: len(str(args[n] or "")), default=None)
    if not index:
        return problem(422, f"{field}: a value is too large ({message})", code="54000", field=field)
    return problem(422, f"{field}: a value is too large to be indexed ({message})", code="54000", field=field,
                   hint="Shorten it: an indexed entry (a name, a JSON Schema property name) must stay under about 2 kB.")


def _field_by_value(message: str, args: dict[str, str]) -> str | None:
    # A bad cast of a parameter ("invalid input syntax for type uuid: "x"") names the value,
    # not the parameter; find the parameter that carried that value.
    for name, value in args.items():
        items = value if isinstance(value, (list, tuple)) else (value,)  # or an item of an array
        if any(isinstance(item, str) and f'"{item}"' in message for item in items):
            return name
    return None
