"""Settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


@dataclass(frozen=True)
class Settings:
    # The URL the gateway logs in with; the deploy URL (DATABASE_URL) when not given.
    database_url: str = field(
        default_factory=lambda: os.environ.get("GATEWAY_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    )
    host: str = field(default_factory=lambda: os.environ.get("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _int("PORT", 8000))
    # The role every request runs as (SET LOCAL ROLE); the login role only switches to it.
    api_role: str = field(default_factory=lambda: os.environ.get("AIO_API_ROLE", "aio_api"))
    pool_min: int = field(default_factory=lambda: _int("AIO_POOL_MIN", 2))
    pool_max: int = field(default_factory=lambda: _int("AIO_POOL_MAX", 10))
    pool_timeout_s: float = field(default_factory=lambda: float(os.environ.get("AIO_POOL_TIMEOUT", "5")))
    statement_timeout_ms: int = field(default_factory=lambda: _int("AIO_STATEMENT_TIMEOUT_MS", 30000))
    max_body_bytes: int = field(default_factory=lambda: _int("AIO_MAX_BODY_BYTES", 1024 * 1024))
