"""Settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def _file_or_value(raw: str) -> str:
    """A PEM given inline, or @path to read it from."""
    if raw.startswith("@"):
        with open(raw[1:]) as f:
            return f.read()
    return raw


@dataclass(frozen=True)
class Settings:
    # The URL the gateway logs in with; the deploy URL (DATABASE_URL) when not given.
    database_url: str = field(
        default_factory=lambda: os.environ.get("GATEWAY_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    )
    host: str = field(default_factory=lambda: os.environ.get("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _int("PORT", 8000))
    # Worker processes, each with its own pool: PostgreSQL sees up to workers x pool_max connections.
    workers: int = field(default_factory=lambda: _int("AIO_WORKERS", 1))
    pool_min: int = field(default_factory=lambda: _int("AIO_POOL_MIN", 2))
    pool_max: int = field(default_factory=lambda: _int("AIO_POOL_MAX", 10))
    pool_timeout_s: float = field(default_factory=lambda: float(os.environ.get("AIO_POOL_TIMEOUT", "5")))
    max_body_bytes: int = field(default_factory=lambda: _int("AIO_MAX_BODY_BYTES", 1024 * 1024))
    # Before a request reaches the app (gateway/server.py): the size of its head (request line and
    # headers), the number of header fields, the time to send the head and then the body.
    max_header_bytes: int = field(default_factory=lambda: _int("AIO_MAX_HEADER_BYTES", 32 * 1024))
    max_headers: int = field(default_factory=lambda: _int("AIO_MAX_HEADERS", 100))
    header_timeout_s: float = field(default_factory=lambda: float(os.environ.get("AIO_HEADER_TIMEOUT_S", "10")))
    body_timeout_s: float = field(default_factory=lambda: float(os.environ.get("AIO_BODY_TIMEOUT_S", "30")))
    # GETs of the API answered without Litestar's router and middleware (gateway/app.py, DirectGets);
    # 0: every request through Litestar.
    direct_gets: bool = field(
        default_factory=lambda: os.environ.get("AIO_DIRECT_GETS", "1") not in ("0", "false", "off"))
    # Server-side prepared statements, once per connection (0 behind a pooler in transaction mode).
    prepared_statements: bool = field(
        default_factory=lambda: os.environ.get("AIO_PREPARED_STATEMENTS", "1") not in ("0", "false", "off"))
    # How often the gateway writes the last use of the API keys its requests used (requests write nothing).
    key_use_flush_s: float = field(default_factory=lambda: float(os.environ.get("AIO_KEY_USE_FLUSH_S", "5")))
    # A gateway reading from a hot standby writes the last use of keys to this primary instead
    # (none: to its own database, which a standby refuses).
    primary_url: str = field(default_factory=lambda: os.environ.get("AIO_PRIMARY_URL", ""))
    # Invocations: a waiting claim asks again at least this often even without a NOTIFY (work whose
    # retry wait or not_before has passed is not notified); the gateway sweeps this often (0: never).
    claim_poll_s: float = field(default_factory=lambda: float(os.environ.get("AIO_CLAIM_POLL_S", "1")))
    # The longest a claim is held, whatever its wait_seconds asks (60 at most): below the idle
    # timeout of a proxy in front of the gateway, say.
    claim_wait_max_s: float = field(default_factory=lambda: float(os.environ.get("AIO_CLAIM_WAIT_MAX_S", "60")))
    sweep_interval_s: float = field(default_factory=lambda: float(os.environ.get("AIO_SWEEP_INTERVAL_S", "1")))
    # JWT, for teams with an identity provider: an HS256 secret, or a PEM public key (RS256/ES256).
    jwt_secret: str = field(default_factory=lambda: os.environ.get("AIO_JWT_SECRET", ""))
    jwt_public_key: str = field(default_factory=lambda: _file_or_value(os.environ.get("AIO_JWT_PUBLIC_KEY", "")))
    jwt_audience: str = field(default_factory=lambda: os.environ.get("AIO_JWT_AUDIENCE", ""))
    jwt_role_claim: str = field(default_factory=lambda: os.environ.get("AIO_JWT_ROLE_CLAIM", "role"))
    jwt_node_claim: str = field(default_factory=lambda: os.environ.get("AIO_JWT_NODE_CLAIM", "node_id"))
    jwt_leeway_s: int = field(default_factory=lambda: _int("AIO_JWT_LEEWAY_S", 0))
    # CORS stays off unless origins are configured (comma separated).
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(o.strip() for o in os.environ.get("AIO_CORS_ORIGINS", "").split(",") if o.strip())
    )

    @property
    def jwt_key(self) -> str:
        return self.jwt_public_key or self.jwt_secret

    @property
    def jwt_algorithms(self) -> list[str]:
        return ["RS256", "ES256"] if self.jwt_public_key else ["HS256"]
