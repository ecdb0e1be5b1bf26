"""The socket-level half of the SSRF guard (steps 2 and 4): connect only to an address just vetted.

Checking a URL and then letting the client resolve the name again would leave a window for DNS
rebinding; this network backend resolves once, checks, and connects to that very address. Its streams
also keep the fetcher's deadline: httpx's read timeout restarts at every byte, so a server trickling its
status line and headers would otherwise hold a worker for ever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from services.crawler.guard import Guard

_deadline = threading.local()


@contextmanager
def read_deadline(seconds: float, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Within the block, a socket read of this thread fails with ReadTimeout once `seconds` have passed."""
    _deadline.until, _deadline.clock = clock() + seconds, clock
    try:
        yield
    finally:
        _deadline.until = None


class DeadlineStream(httpcore.NetworkStream):
    """A stream whose reads wait no longer than the current deadline (see `read_deadline`)."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        until = getattr(_deadline, "until", None)
        if until is not None:
            left = until - _deadline.clock()
            if left <= 0:
                raise httpcore.ReadTimeout("the response took longer than the fetch deadline")
            timeout = left if timeout is None else min(timeout, left)
        return self.inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, timeout)

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        return DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, guard: Guard, inner: httpcore.NetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        # TLS still verifies the certificate against the URL's host name, not against this address.
        address = self.guard.vetted_address(host, port)
        return DeadlineStream(
            self.inner.connect_tcp(
                address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
            )
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("the crawler does not connect to unix sockets")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def guarded_transport(guard: Guard, inner: httpcore.NetworkBackend | None = None) -> httpx.HTTPTransport:
    """httpx's own transport, its connection pool given the guarded backend (httpx has no option for it)."""
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=20,
        max_keepalive_connections=10,
        keepalive_expiry=5.0,
        network_backend=GuardedBackend(guard, inner),
    )
    return transport
