"""The gateway's connections between requests: a connection given back is kept for the next
request (no pool operation), and each one still goes back through the pool within HAND_OVER_S of
leaving it, so that the pool checks, expires and replaces it."""

from __future__ import annotations

import asyncio
import dataclasses

from gateway import app
from gateway.settings import Settings
from test_identity import gateway_login


def run_gateway(db_url: str, test) -> None:
    settings = dataclasses.replace(Settings(), database_url=gateway_login(db_url), pool_min=0, pool_max=3,
                                   sweep_interval_s=0)

    async def main() -> None:
        gateway = app.Gateway(settings)
        await gateway.pool.open(wait=True)
        try:
            await test(gateway)
        finally:
            await gateway.return_idle()
            await gateway.pool.close()

    asyncio.run(main())


def test_a_connection_given_back_serves_the_next_request_without_the_pool(db_url):
    async def test(gateway: app.Gateway) -> None:
        first = await gateway.acquire()
        await gateway.release(first)
        stats = gateway.pool_stats()
        assert stats["pool_available"] == stats["pool_size"] == 1, "kept idle by the gateway, counted available"
        taken = gateway.pool.get_stats().get("requests_num", 0)
        again = await gateway.acquire()
        assert again is first, "the idle connection is taken again"
        assert gateway.pool.get_stats().get("requests_num", 0) == taken, "without a getconn from the pool"
        await gateway.release(again)

    run_gateway(db_url, test)


def test_idle_connections_go_back_through_the_pool_within_the_hand_over_time(db_url, monkeypatch):
    monkeypatch.setattr(app, "HAND_OVER_S", 0.2)

    async def test(gateway: app.Gateway) -> None:
        # A burst leaves three idle connections.
        held = [await gateway.acquire() for _ in range(3)]
        for conn in held:
            await gateway.release(conn)
        assert len(gateway._idle) == 3
        await asyncio.sleep(0.3)
        # The next request gets a connection that left the pool less than HAND_OVER_S ago, and
        # giving it back returns the expired ones to the pool.
        taken = gateway.pool.get_stats().get("requests_num", 0)
        conn = await gateway.acquire()
        assert gateway.pool.get_stats().get("requests_num", 0) == taken + 1, "a fresh connection from the pool"
        await gateway.release(conn)
        assert list(gateway._idle) == [conn], "the expired idle ones are back in the pool"
        assert gateway.pool.get_stats()["pool_available"] == gateway.pool.get_stats()["pool_size"] - 1

    run_gateway(db_url, test)


def test_a_broken_connection_is_not_kept(db_url):
    async def test(gateway: app.Gateway) -> None:
        conn = await gateway.acquire()
        await conn.close()
        await gateway.release(conn)
        assert not gateway._idle, "a closed connection goes back to the pool, which replaces it"
        fresh = await gateway.acquire()
        assert not fresh.closed
        await gateway.release(fresh)

    run_gateway(db_url, test)


def test_requests_beyond_the_pool_still_get_a_connection_handed_over(db_url):
    async def test(gateway: app.Gateway) -> None:
        conns = [await gateway.acquire() for _ in range(3)]
        waiting = asyncio.ensure_future(gateway.acquire())
        await asyncio.sleep(0.05)
        assert not waiting.done(), "every connection is held: the fourth request waits"
        await gateway.release(conns[0])
        assert await asyncio.wait_for(waiting, 1) is conns[0], "handed over to the waiting request"
        for conn in (*conns[1:], waiting.result()):
            await gateway.release(conn)
        assert len(gateway._idle) == 3

    run_gateway(db_url, test)


def test_the_sweep_gives_back_idle_connections_that_expired(db_url, monkeypatch):
    """An idle gateway still returns its kept connections to the pool, each second with the sweep."""
    monkeypatch.setattr(app, "HAND_OVER_S", 0.2)

    async def test(gateway: app.Gateway) -> None:
        conn = await gateway.acquire()
        await gateway.release(conn)
        assert list(gateway._idle) == [conn]
        await asyncio.sleep(0.3)
        await gateway.sweep_once()
        assert not gateway._idle
        stats = gateway.pool.get_stats()
        assert stats["pool_available"] == stats["pool_size"], "every connection is back in the pool"

    run_gateway(db_url, test)
