"""Webhook receivers for tests: real HTTP servers on loopback that record what they were sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next status of `statuses` (the last one repeats); `during` runs while
    a request is being answered, before the answer is sent."""

    statuses: list[int] = field(default_factory=lambda: [204])
    during: Callable[[Delivery], None] | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    url: str = ""

    def answer(self, delivery: Delivery) -> int:
        self.deliveries.append(delivery)
        if self.during is not None:
            try:
                self.during(delivery)
            except BaseException as exc:  # kept for the test to assert on
                self.errors.append(exc)
        n = len(self.deliveries)
        return self.statuses[min(n, len(self.statuses)) - 1]


@contextmanager
def serving(receiver: Receiver, path: str = "/hook") -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = receiver.answer(Delivery(self.path, headers, body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url(path: str = "/hook") -> str:
    """A loopback URL where nothing listens: every connection is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
