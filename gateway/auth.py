"""Who a request is: the SQL that authenticates it and switches to its role.

API keys are checked by PostgreSQL (the view auth.key_identities) from their SHA-256, computed here:
the statement text (which the server logs on any error) never holds a secret, and a logged hash
cannot be presented as a key. JWTs are verified here, then their
role claim is mapped by auth.identity_for. Either way the request's statement runs after
SET LOCAL ROLE to that role, so what a caller may do is decided by GRANTs.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

import jwt

from .settings import Settings

KEY_PREFIX = "aio_"
# The shape of every key api.api_key_create makes: checked before the database sees a request.
KEY_SHAPE = re.compile(r"aio_[0-9a-f]{64}")
# A larger token is refused before it is decoded (identity providers keep theirs to a few kB).
MAX_TOKEN_BYTES = 8192

# Runs first in every request's transaction, pipelined with the call itself; a key's hash is a bound value.
# transaction_read_only comes first: a GET's transaction is read-only before anything else runs. Any
# other request keeps the transaction's own mode: on a hot standby (read-only) asking for read-write
# fails with 25001 before the call could say what it wanted to write.
_SETUP = (
    "SELECT pg_catalog.set_config('transaction_read_only',"
    " CASE %(read_only)s WHEN 'on' THEN 'on' ELSE pg_catalog.current_setting('transaction_read_only') END, true),"
    " pg_catalog.set_config('role', {role}, true),"
    " pg_catalog.set_config('statement_timeout', i.statement_timeout, true),"
    " pg_catalog.set_config('aio.key_id', coalesce(i.key_id::text, ''), true),"
    " pg_catalog.set_config('aio.node_id', coalesce(i.node_id::text, ''), true),"
    " pg_catalog.set_config('aio.subject', %(subject)s, true),"
    " pg_catalog.set_config('aio.request_id', %(request_id)s, true)"
    " FROM {source}"
)
SETUP_ANONYMOUS = _SETUP.format(role="i.db_role", source="auth.identity_for('anon') i")
# An API key is an index probe of the view auth.key_identities, joined into the setup statement: no
# PL/pgSQL, no write. Without a row (unknown, revoked or expired key) auth.key_refused raises 28000.
# Nothing is cached: a revocation holds for the next request that starts after it commits.
SETUP_API_KEY = _SETUP.format(
    role="coalesce(i.db_role, auth.key_refused(%(key_hash)s))",
    source="(VALUES (1)) one (x) LEFT JOIN auth.key_identities i ON i.key_hash = %(key_hash)s",
)
SETUP_TOKEN = _SETUP.format(role="i.db_role", source="auth.identity_for(%(role)s, %(node_id)s::uuid) i")


def key_hash(key: str) -> bytes:
    """What orchestrator.api_keys stores for a key (orchestrator.key_hash)."""
    return hashlib.sha256(key.encode()).digest()


class Unauthorized(Exception):
    """Missing or invalid credentials: 401."""


@dataclass(frozen=True)
class Credentials:
    sql: str
    params: dict
    present: bool  # whether the caller sent credentials (401 vs 403 on a privilege error)

    @property
    def key_hash(self) -> bytes | None:
        """The SHA-256 of the caller's API key, if it sent one (whose use the gateway records)."""
        return self.params.get("key_hash") if self.sql == SETUP_API_KEY else None

    @property
    def nameless(self) -> bool:
        """A token without `sub`: nothing tells its callers apart (e.g. to give each its idempotency keys)."""
        return self.sql == SETUP_TOKEN and not self.params.get("subject")


def credentials(authorization: str | None, settings: Settings) -> Credentials:
    if not authorization:
        return Credentials(SETUP_ANONYMOUS, {}, False)
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use Authorization: Bearer <API key or token>")
    if token.startswith(KEY_PREFIX):
        if not KEY_SHAPE.fullmatch(token):
            raise Unauthorized("invalid API key: not of the form aio_ and 64 hex digits")
        return Credentials(SETUP_API_KEY, {"key_hash": key_hash(token)}, True)
    if len(token) > MAX_TOKEN_BYTES:
        raise Unauthorized(f"invalid token: longer than {MAX_TOKEN_BYTES} bytes")
    claims = verify_jwt(token, settings)
    role = claims.get(settings.jwt_role_claim)
    node_id = claims.get(settings.jwt_node_claim)
    if node_id:
        try:
            node_id = str(uuid.UUID(str(node_id)))
        except ValueError:
            # A signed token that names no node is a bad credential (401), not a bad request (422).
            raise Unauthorized(f"invalid token: claim {settings.jwt_node_claim} is not a UUID") from None
    return Credentials(
        SETUP_TOKEN,
        {"role": str(role) if role is not None else None, "node_id": node_id or None,
         "subject": str(claims.get("sub", ""))},
        True,
    )


def verify_jwt(token: str, settings: Settings) -> dict:
    if not settings.jwt_key:
        raise Unauthorized("token authentication is not configured; use an API key")
    try:
        return jwt.decode(
            token, settings.jwt_key, algorithms=settings.jwt_algorithms,
            audience=settings.jwt_audience or None,
            options={"require": ["exp"], "verify_aud": bool(settings.jwt_audience)},
            leeway=settings.jwt_leeway_s,
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {exc}") from None
