"""A large input file by path or by http(s) URL, read as a stream: a WARC of 1 GB is never held whole.

A URL is read with httpx as the bytes arrive (what `iter_bytes` gives, so a server that adds its own
Content-Encoding is undone); the reader above it sees one buffered binary file either way.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

BUFFER_BYTES = 1 << 20
TIMEOUT_S = 60.0


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

    try:
        with (
            httpx.Client(
                follow_redirects=True, timeout=TIMEOUT_S, headers={"User-Agent": user_agent}
            ) as client,
            client.stream("GET", location) as response,
        ):
            if response.status_code != 200:
                raise StreamError(f"cannot read {location}: HTTP {response.status_code}")
            raw = _Chunks(response.iter_bytes(BUFFER_BYTES))
            yield io.BufferedReader(raw, BUFFER_BYTES)
    except httpx.HTTPError as exc:
        raise StreamError(f"cannot read {location}: {type(exc).__name__}: {exc}") from None
