import gzip
import zlib

import pytest

from services.crawler.bodies import BadEncoding, BoundedDecoder, TooLarge, gunzip_capped, read_capped


def _chunks(data: bytes, size: int = 4096):
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_gzip_bomb_stops_at_the_cap_without_inflating_it_all():
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))  # ~64 KiB on the wire
    decoder = BoundedDecoder("gzip", cap=1024 * 1024)
    with pytest.raises(TooLarge):
        for chunk in _chunks(bomb):
            decoder.feed(chunk)
    assert decoder.size <= 1024 * 1024 + 1


def test_multi_member_gzip_deflate_and_raw_deflate():
    body = b"<html>" + "é".encode() * 1000 + b"</html>"
    assert (
        read_capped(_chunks(gzip.compress(body[:500]) + gzip.compress(body[500:]), 7), "gzip", 10**6) == body
    )
    assert read_capped(_chunks(zlib.compress(body)), "deflate", 10**6) == body
    raw = zlib.compressobj(wbits=-15)
    assert read_capped([raw.compress(body) + raw.flush()], "deflate", 10**6) == body
    assert read_capped(_chunks(body), "identity", 10**6) == body


def test_identity_cap_and_bad_encodings():
    with pytest.raises(TooLarge):
        read_capped([b"x" * 10], "", cap=9)
    with pytest.raises(BadEncoding):
        BoundedDecoder("br", cap=10)
    with pytest.raises(BadEncoding):
        read_capped([b"\x1f\x8bnot gzip at all"], "gzip", cap=100)


def test_trailing_junk_after_gzip_is_ignored():
    assert read_capped([gzip.compress(b"ok") + b"\n\n"], "gzip", 100) == b"ok"


def test_gunzip_capped_leaves_plain_bodies_alone():
    assert gunzip_capped(b"<urlset/>", 10) == b"<urlset/>"
    assert gunzip_capped(gzip.compress(b"<urlset/>"), 100) == b"<urlset/>"
