"""Operator routes refuse a body over FM6SS_API_MAX_BODY_BYTES with 413 before reading it whole: a real
uvicorn server on loopback, a raw socket as the client. (A 30 MB PATCH with the token was read whole and
answered 200.)"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn

from services.bus.settings import Settings
from services.store.api.main import create_api
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.servers import free_port

TOKEN = "operator-token-for-tests-0123"
MIB = 1024 * 1024
THIRTY_MB = 30 * MIB


@dataclass
class Counted:
    """The app, counting the body bytes the server hands it."""

    app: Any
    read: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counting() -> Any:
            message = await receive()
            with self.lock:
                self.read += len(message.get("body", b""))
            return message

        await self.app(scope, counting, send)


@pytest.fixture
def served(sqlite_url: str, env) -> Iterator[tuple[int, Counted]]:
    counted = Counted(create_api(Settings(), engine(sqlite_url), StoreSettings(api_token=TOKEN)))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(counted, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield port, counted
    server.should_exit = True
    thread.join(timeout=10)


def _head(port: int, extra: str) -> bytes:
    return (
        f"PATCH /agreements/1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\n{extra}\r\n"
    ).encode()


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_the_default_is_one_mebibyte():
    assert StoreSettings().api_max_body_bytes == MIB


def test_a_declared_30_mb_body_is_refused_before_it_is_sent(served):
    port, counted = served
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_head(port, f"Content-Length: {THIRTY_MB}\r\n") + b'{"place": "' + b"x" * 65536)
        answer = _answer(sock)  # without the cap the server waits for the other 29.9 MB: a timeout
    assert _status(answer) == 413, answer[:300]
    assert b"FM6SS_API_MAX_BODY_BYTES" in answer or b"413" in answer
    assert counted.read == 0


def test_a_chunked_body_is_read_up_to_the_cap_only(served):
    port, counted = served
    chunk = b"x" * 65536
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_head(port, "Transfer-Encoding: chunked\r\n"))
        while sent < THIRTY_MB and not select.select([sock], [], [], 0)[0]:  # until an answer comes
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += len(chunk)
        answer = _answer(sock)  # without the cap the server waits for the body's last chunk: a timeout
    assert _status(answer) == 413, answer[:300]
    # the cap, and what the server had read of the socket at once when the cap was crossed
    assert counted.read <= 2 * MIB, counted.read
    assert sent < THIRTY_MB


def test_a_body_under_the_cap_is_read(served):
    port, _ = served
    body = b'{"place": "' + "ف".encode() * 50 + b'"}'
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_head(port, f"Content-Length: {len(body)}\r\n") + body)
        answer = _answer(sock)
    assert _status(answer) == 404, answer[:300]  # read and validated: there is no agreement 1
