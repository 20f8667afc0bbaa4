"""What a client may cost the gateway before its request reaches the app: a head (request line and
headers) of bounded size and field count, sent within a time limit, and a body within another;
answers 431, 408 and 400 as problem+json, while other clients keep being served. On a gateway of
its own with short time limits; the figures are printed."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import GATEWAY_PIDS, raw_exchange, running_gateway

HEADER_TIMEOUT_S = BODY_TIMEOUT_S = 2
MAX_HEADER_BYTES = 32 * 1024


@pytest.fixture(scope="module")
def limited(db_url):
    with running_gateway(db_url, "gateway-limits", AIO_HEADER_TIMEOUT_S=str(HEADER_TIMEOUT_S),
                         AIO_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S), AIO_MAX_HEADER_BYTES=str(MAX_HEADER_BYTES)) as base:
        yield base


def rss_mb(base: str) -> float:
    status = Path(f"/proc/{GATEWAY_PIDS[base]}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def read_answer(s: socket.socket, wait_s: float) -> bytes:
    s.settimeout(wait_s)
    received = b""
    try:
        while chunk := s.recv(65536):
            received += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return received


def assert_problem(answer: bytes, status: int) -> None:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), answer[:300]
    assert b"content-type: application/problem+json" in head.lower(), head
    assert f'"status": {status}'.encode() in body, body


class Others:
    """A normal client asking GET / (one database call) over and over, timing each answer."""

    def __init__(self, base: str):
        self.base, self.latencies, self.failures = base, [], []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as c:
            while not self.done.is_set():
                started = time.monotonic()
                r = c.get("/")
                self.latencies.append(time.monotonic() - started)
                if r.status_code != 200:
                    self.failures.append(r.status_code)
                time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.latencies and time.monotonic() < deadline:  # serving before the test starts
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        deadline = time.monotonic() + 10
        while len(self.latencies) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.done.set()
        self.thread.join()
        print(f"other client: {len(self.latencies)} requests, slowest {max(self.latencies) * 1000:.0f} ms")
        assert self.latencies and not self.failures, self.failures
        assert max(self.latencies) < 1.0  # milliseconds when idle: a generous margin for a loaded machine


def test_a_client_trickling_its_headers_gets_408_and_others_are_served(limited):
    with Others(limited), connect(limited) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ")
        started, answer = time.monotonic(), b""
        while time.monotonic() - started < HEADER_TIMEOUT_S + 3:
            try:
                slow.sendall(b"a")
            except OSError:
                break
            slow.settimeout(0.25)
            try:
                answer += slow.recv(65536)
            except socket.timeout:
                continue
            if answer:
                break
        answer += read_answer(slow, 1)
        elapsed = time.monotonic() - started
    print(f"trickling client answered after {elapsed:.2f} s: {answer[:40]!r}")
    assert_problem(answer, 408)
    assert HEADER_TIMEOUT_S - 0.5 < elapsed < HEADER_TIMEOUT_S + 2


def test_a_huge_header_is_refused_without_stalling_others_or_growing_memory(limited):
    total, chunk = 20 * 1024 * 1024, b"h" * 256 * 1024
    rss_before = rss_mb(limited)
    sent, answer = 0, b""
    with Others(limited), connect(limited) as huge:
        started = time.monotonic()
        try:
            huge.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nX-Huge: ")
            while sent < total:
                huge.sendall(chunk)
                sent += len(chunk)
            huge.sendall(b"\r\n\r\n")
        except OSError:
            pass  # the gateway stopped reading: refused
        answer = read_answer(huge, 5)
        elapsed = time.monotonic() - started
    rss_after = rss_mb(limited)
    print(f"huge header: {sent / 2**20:.1f} of {total / 2**20:.0f} MB sent in {elapsed:.2f} s, answer {answer[:40]!r}; "
          f"gateway RSS {rss_before:.0f} -> {rss_after:.0f} MB")
    if answer or sent == total:
        assert_problem(answer, 431)
    assert rss_after - rss_before < 100


def test_too_many_header_fields_is_431(limited):
    fields = b"".join(b"X-Field-%d: v\r\n" % i for i in range(150))
    assert_problem(raw_exchange(limited, b"GET / HTTP/1.1\r\nHost: test\r\n" + fields + b"\r\n"), 431)


def test_what_is_not_http_is_a_400_problem(limited):
    assert_problem(raw_exchange(limited, b"HELLO THERE\r\n\r\n"), 400)


def test_a_body_that_does_not_arrive_in_time_is_408(limited, api_keys):
    head = (f"POST /nodes/ HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {api_keys['writer']}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n").encode()
    started = time.monotonic()
    answer = raw_exchange(limited, head + b'{"node_type": ', wait_s=BODY_TIMEOUT_S + 3)
    elapsed = time.monotonic() - started
    print(f"slow body answered after {elapsed:.2f} s")
    assert_problem(answer, 408)
    assert BODY_TIMEOUT_S - 0.5 < elapsed < BODY_TIMEOUT_S + 2
