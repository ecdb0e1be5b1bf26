"""SSRF guard for step 4 (and step 2): only http(s) to public addresses, checked at every redirect hop.

Private, loopback, link-local, multicast, reserved and cloud-metadata addresses are refused unless the
host or address is allow-listed (tests and a local fixture site need loopback). An allow-list entry is a
host name, an address or network, or `host:port` for that one port only (`[v6]:port` for IPv6).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from services.bus.addresses import IPAddress, is_public
from services.crawler.errors import FetchError, Retryable

Resolver = Callable[[str, int], Sequence[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the socket layer may pick any of them)."""
    try:
        infos: list[Any] = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        if exc.errno == socket.EAI_AGAIN:
            raise Retryable("dns_error", detail=f"{host}: {exc}") from None
        raise FetchError("dns_error", f"{host}: {exc}") from None
    return [str(info[4][0]) for info in infos]


class Guard:
    def __init__(self, allow: Sequence[str] = (), resolver: Resolver = resolve) -> None:
        self.resolver = resolver
        ports = {a: _port_of(a) for a in allow}
        self.hosts = frozenset(a.lower() for a, port in ports.items() if port is None and not _is_network(a))
        self.host_ports = frozenset(
            (a.lower().rsplit(":", 1)[0].strip("[]"), port) for a, port in ports.items() if port is not None
        )
        self.networks = tuple(ipaddress.ip_network(a, strict=False) for a in allow if _is_network(a))

    def check(self, url: str) -> None:
        """Raise FetchError("ssrf_blocked" or "bad_url") unless `url` may be fetched."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError("bad_url", url[:200]) from None
        if parts.scheme not in ("http", "https"):
            raise FetchError("ssrf_blocked", f"scheme {parts.scheme!r} is not http(s)")
        host = (parts.hostname or "").lower()
        if not host:
            raise FetchError("bad_url", f"no host in {url[:200]!r}")
        self.vetted_address(host, port)

    def vetted_address(self, host: str, port: int) -> str:
        """The address to connect to: `host` resolved, every answer checked; allow-listed hosts as named."""
        host = host.lower().strip("[]")
        if host in self.hosts or (host, port) in self.host_ports:
            return host
        addresses = self.resolver(host, port)
        if not addresses:
            raise FetchError("dns_error", f"{host} has no address")
        for address in addresses:
            self._check_address(host, ipaddress.ip_address(address.split("%", 1)[0]))
        return addresses[0]

    def _check_address(self, host: str, ip: IPAddress) -> None:
        if any(ip in net for net in self.networks if net.version == ip.version):
            return
        if not is_public(ip):
            raise FetchError("ssrf_blocked", f"{host} resolves to the non-public address {ip}")


def _port_of(item: str) -> int | None:
    """The port of a `host:port` entry (`[v6]:port` for IPv6); None for a bare host, address or network."""
    host, sep, port = item.rpartition(":")
    if not sep or not port.isdigit() or _is_network(item) or (":" in host and not host.endswith("]")):
        return None
    return int(port)


def _is_network(item: str) -> bool:
    try:
        ipaddress.ip_network(item, strict=False)
    except ValueError:
        return False
    return True
