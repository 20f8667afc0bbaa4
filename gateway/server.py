"""What a connection may cost before a request reaches the app.

uvicorn's httptools protocol bounds neither the size of a request head nor the time taken to send
it: a client trickling header bytes held its connection forever, and one sending hundreds of MB of
header stalled every other request (httptools joins a header value chunk by chunk) and grew memory.
This protocol adds the bounds (settings AIO_MAX_HEADER_BYTES, AIO_MAX_HEADERS, AIO_HEADER_TIMEOUT_S,
AIO_BODY_TIMEOUT_S) and answers 431, 408 or 400 as problem+json, then closes the connection.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from . import errors
from .settings import Settings

LIMITS = Settings()  # read once per worker process
# After a refusal, what the client is still sending is read and dropped for this long before the
# connection closes: closing with unread data resets the connection, and the answer may be lost.
LINGER_S = 2.0


class CoalescingTransport:
    """A transport whose writes of one event-loop turn leave in one send: uvicorn writes a
    response's head and its body separately, each a system call (and on loopback the receiver's
    work too); joined, a response costs one. Flushed at the end of the turn, before close and EOF."""

    __slots__ = ("_transport", "_loop", "_pending")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_head = True  # between requests or inside a request head
        self.head_bytes = 0
        self.header_count = 0
        self.refusal: tuple[int, str] | None = None  # set in a parser callback, sent by send_400_response
        self.refused = False
        # The current limit (loop time, and what it is about) and the timer that checks it. Arming and
        # disarming only set the limit: the timer is moved only when a limit comes before it, and when
        # it fires early it sets itself again for the limit. A kept-alive connection's requests then
        # cost no timer operation each (uvloop's call_later and cancel, four per request before).
        self.deadline_at: float | None = None
        self.deadline_about: tuple[str, float] = ("", 0.0)
        self.deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(CoalescingTransport(transport, self.loop))
        self._arm(LIMITS.header_timeout_s, "the request head")

    def connection_lost(self, exc) -> None:
        self._disarm()
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # dropped: the answer is sent, the connection is about to close
        if self.in_head:
            self.head_bytes += len(data)
        super().data_received(data)
        # Still inside the head after this chunk: every byte counted belongs to it.
        if self.in_head and self.head_bytes > LIMITS.max_header_bytes:
            self._refuse(431, f"the request line and headers exceed {LIMITS.max_header_bytes} bytes")

    def on_message_begin(self) -> None:
        if self.deadline_at is None:  # the next request on a kept-alive connection
            self._arm(LIMITS.header_timeout_s, "the request head")
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_count += 1
        if self.header_count > LIMITS.max_headers:
            self.refusal = (431, f"more than {LIMITS.max_headers} header fields")
            raise ValueError(self.refusal[1])  # stops the parser; uvicorn then calls send_400_response
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.in_head = False
        self._arm(LIMITS.body_timeout_s, "the request body")
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self.in_head, self.head_bytes, self.header_count = True, 0, 0
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        self._refuse(*(self.refusal or (400, f"the request is not valid HTTP/1.1: {msg}")))

    def _arm(self, seconds: float, what: str) -> None:
        self.deadline_at = at = self.loop.time() + seconds
        self.deadline_about = (what, seconds)
        if self.deadline is not None and self.deadline.when() > at:
            self.deadline.cancel()
            self.deadline = None
        if self.deadline is None:
            self.deadline = self.loop.call_at(at, self._check_deadline)

    def _disarm(self) -> None:
        self.deadline_at = None  # the timer, if set, finds no limit and stops

    def _check_deadline(self) -> None:
        self.deadline = None
        if self.deadline_at is None:
            return
        if self.loop.time() < self.deadline_at:  # armed again since the timer was set
            self.deadline = self.loop.call_at(self.deadline_at, self._check_deadline)
            return
        what, seconds = self.deadline_about
        self.deadline_at = None
        self._timed_out(f"{what} did not arrive within {seconds:g} s")

    def _timed_out(self, detail: str) -> None:
        if self.in_head and self.head_bytes == 0 and self.cycle is None:
            self.transport.close()  # a connection that never sent a byte gets no answer
        else:
            self._refuse(408, detail)

    def _refuse(self, status: int, detail: str) -> None:
        if self.refused or self.transport.is_closing():
            return
        self.refused = True
        self._disarm()
        # Answer only where no response is under way: not after the current request's own answer
        # (e.g. a 401 sent before its body arrived), nor into a previous request's.
        if self.in_head:
            answering = self.cycle is None or self.cycle.response_complete
        else:
            answering = not self.cycle.response_started
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app, if it still runs, sends nothing more
            self.cycle.message_event.set()
        if answering:
            _, body, _ = errors.problem(status, detail)
            self.transport.write(
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\ncontent-type: {errors.PROBLEM_JSON}\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode() + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()
        self.loop.call_later(LINGER_S, self.transport.close)
