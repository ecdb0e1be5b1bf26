"""The socket-level half of the SSRF guard (steps 2 and 4): connect only to an address just vetted.

Checking a URL and then letting the client resolve the name again would leave a window for DNS
rebinding; this network backend resolves once, checks, and connects to that very address.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from services.crawler.guard import Guard


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
        return self.inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
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
