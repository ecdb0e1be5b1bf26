"""A large input file by path or by http(s) URL, read as a stream: a WARC of 1 GB is never held whole.

A URL is read with httpx as the bytes arrive (what `iter_bytes` gives, so a server that adds its own
Content-Encoding is undone); the reader above it sees one buffered binary file either way. Redirects are
followed one hop at a time: a URL on a public address never leads a worker to a private, loopback or
link-local one (a cloud's metadata service, the broker, the database), nor off http(s).
"""

from __future__ import annotations

import io
import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from services.bus.addresses import is_public

BUFFER_BYTES = 1 << 20
TIMEOUT_S = 60.0
MAX_REDIRECTS = 5


class StreamError(OSError):
    """The file or URL cannot be opened: says which, and why."""


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


class _Chunks(io.RawIOBase):
    """An iterator of byte chunks as a readable raw stream."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._left = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = chunk
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


@contextmanager
def open_stream(location: str, user_agent: str = "fm6ss") -> Iterator[BinaryIO]:
    if not is_url(location):
        try:
            with Path(location).open("rb", buffering=BUFFER_BYTES) as file:
                yield file
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise StreamError(f"cannot read {location}: {exc.strerror}") from None
        return
    import httpx

    public = _all_public(location)
    try:
        with httpx.Client(
            follow_redirects=False, timeout=TIMEOUT_S, headers={"User-Agent": user_agent}
        ) as client:
            url = location
            for _ in range(MAX_REDIRECTS + 1):
                with client.stream("GET", url) as response:
                    if response.is_redirect:
                        url = _next_hop(
                            location, str(response.url.join(response.headers["location"])), public
                        )
                        continue
                    if response.status_code != 200:
                        raise StreamError(f"cannot read {location}: HTTP {response.status_code}")
                    raw = _Chunks(response.iter_bytes(BUFFER_BYTES))
                    yield io.BufferedReader(raw, BUFFER_BYTES)
                    return
            raise StreamError(f"cannot read {location}: more than {MAX_REDIRECTS} redirects")
    except httpx.HTTPError as exc:
        raise StreamError(f"cannot read {location}: {type(exc).__name__}: {exc}") from None


def _next_hop(location: str, target: str, public: bool) -> str:
    """The redirect's target, refused off http(s), or on a non-public address when the URL was public."""
    if not is_url(target):
        raise StreamError(f"cannot read {location}: a redirect leaves http(s)")
    if public and not _all_public(target):
        raise StreamError(f"cannot read {location}: a redirect leads to a non-public address")
    return target


def _all_public(url: str) -> bool:
    """Every address the URL's host resolves to is a public one (an unresolvable host: not public)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname or "", parts.port or 80, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos}
    return bool(addresses) and all(is_public(a) for a in addresses)
