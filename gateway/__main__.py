"""python -m gateway serve | openapi | docs | libpq-env URL (make doctor checks prerequisites)"""

from __future__ import annotations

import asyncio
import shlex
import sys
from pathlib import Path

from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def serve() -> int:
    import uvicorn

    settings = Settings()
    if not settings.database_url:
        print("DATABASE_URL is not set; `make run` sets it for the project-local cluster", file=sys.stderr)
        return 2
    from .observability import configure_logging

    configure_logging()
    if settings.workers > 1:
        # Each worker counts its own requests; /metrics, served by any one of them, adds up all.
        from .observability import prepare_multiprocess_metrics

        prepare_multiprocess_metrics()
    # httptools, with the limits on request heads and bodies that uvicorn lacks (gateway/server.py).
    # No proxy-headers middleware: nothing here reads the client's address or scheme, and it
    # scanned every request's headers. No Server header: it names the software to every client,
    # and uvicorn checks each header it sends.
    uvicorn.run("gateway.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, log_level="info", access_log=False, log_config=None,
                http="gateway.server:LimitedHttpToolsProtocol", proxy_headers=False, server_header=False)
    return 0


def openapi() -> int:
    import psycopg

    from . import catalog
    from .openapi import document
    from .routes import ROUTES

    async def main() -> bytes:
        async with await psycopg.AsyncConnection.connect(Settings().database_url) as conn:
            return document(await catalog.load(conn), ROUTES)

    sys.stdout.write(asyncio.run(main()).decode() + "\n")
    return 0


def docs() -> int:
    import psycopg

    from .dbdocs import generate

    with psycopg.connect(Settings().database_url) as conn:
        sys.stdout.write(generate(conn))
    return 0


def libpq_env(url: str) -> int:
    """Shell exports of PG* variables for a libpq URL: how sqitch and psql are pointed at it."""
    from psycopg.conninfo import conninfo_to_dict

    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
             "dbname": "PGDATABASE", "sslmode": "PGSSLMODE", "options": "PGOPTIONS"}
    for key, value in conninfo_to_dict(url).items():
        if key in names and value is not None:
            print(f"export {names[key]}={shlex.quote(str(value))}")
    return 0


def main(argv: list[str]) -> int:
    commands = {"serve": serve, "openapi": openapi, "docs": docs}
    if argv[:1] == ["libpq-env"] and len(argv) == 2:
        return libpq_env(argv[1])
    if len(argv) == 1 and argv[0] in commands:
        return commands[argv[0]]()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
