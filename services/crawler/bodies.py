"""Bounded decompression of bodies (step 4, and gzipped sitemaps in step 2).

The cap counts decoded bytes and the decoder never inflates more than the cap, so a gzip bomb is
stopped after at most `cap` bytes of output whatever its ratio. A compressed body that stops before its
stream ends (a truncated gzip) is refused rather than read as a shorter page.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

GZIP_MAGIC = b"\x1f\x8b"


class TooLarge(ValueError):
    pass


class BadEncoding(ValueError):
    pass


class BoundedDecoder:
    """Decodes one Content-Encoding (identity, gzip, deflate) chunk by chunk, refusing past `cap` bytes."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.encoding = encoding.strip().lower() or "identity"
        if self.encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise BadEncoding(f"unsupported content-encoding {encoding!r}")
        self.cap = cap
        self.size = 0
        self._z = self._new()
        self._raw_deflate = False
        self._after_member = False  # a gzip member ended: what follows is another member or junk
        self._fed = False

    def _new(self) -> zlib._Decompress:
        # 32 + MAX_WBITS: zlib or gzip header, detected automatically.
        return zlib.decompressobj(32 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bytes:
        if self.encoding == "identity":
            return self._count(data)
        self._fed = self._fed or bool(data)
        out = bytearray()
        while data:
            try:
                piece = self._z.decompress(data, self.cap - self.size + 1)
            except zlib.error as exc:
                if self._after_member:
                    return bytes(out)  # trailing junk after a complete body: ignored, as browsers do
                data = self._retry_raw_deflate(data, exc)
                continue
            self._after_member = False
            out += self._count(piece)
            data = self._z.unconsumed_tail
            if self._z.eof:
                data = self._z.unused_data
                self._z = self._new()
                self._after_member = True
        return bytes(out)

    def finish(self) -> None:
        """The body is over: refuse a compressed stream that did not reach its end."""
        if self.encoding != "identity" and self._fed and not self._after_member:
            raise BadEncoding(f"truncated {self.encoding} body: the stream stops before its end")

    def _retry_raw_deflate(self, data: bytes, exc: zlib.error) -> bytes:
        # Some servers send "deflate" without the zlib header.
        if self.encoding == "deflate" and not self._raw_deflate and self.size == 0:
            self._raw_deflate = True
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            return data
        raise BadEncoding(f"corrupt {self.encoding} body: {exc}") from exc

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.cap:
            raise TooLarge(f"body larger than {self.cap} bytes once decoded")
        return data


def read_capped(chunks: Iterable[bytes], encoding: str, cap: int) -> bytes:
    decoder = BoundedDecoder(encoding, cap)
    body = b"".join(decoder.feed(chunk) for chunk in chunks)
    decoder.finish()
    return body


def gunzip_capped(body: bytes, cap: int) -> bytes:
    """A gzip file (a .xml.gz sitemap) inflated to at most `cap` bytes; other bodies unchanged."""
    if not body.startswith(GZIP_MAGIC):
        return body
    return read_capped(_pieces(body), "gzip", cap)


def _pieces(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]
