"""What the hostile corpus (tests/faults/test_hostile.py) found in the crawler, each pinned without sockets:
a server trickling its headers, a truncated gzip body, entity declarations hidden after 1 MiB or in
UTF-16, NUL bytes and over-long links in feeds, and error details as long as a hostile URL."""

import gzip

import httpcore
import httpx
import pytest

from services.crawler.bodies import BadEncoding, BoundedDecoder, read_capped
from services.crawler.discovery import MAX_URL_CHARS, discover
from services.crawler.errors import FetchError, Retryable
from services.crawler.fetcher import Fetcher, make_client
from services.crawler.guard import Guard
from services.crawler.links import DiscoveryError, clean_text, refuse_entity_declarations
from services.crawler.transport import guarded_transport

from .fakes import crawler_settings, make_fetcher, respond

HTML = {"content-type": "text/html; charset=utf-8"}
LAUGHS = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TrickleStream(httpcore.NetworkStream):
    """A server that sends its status line and headers one byte a second, without end."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.timeouts = clock, []
        self.head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"z" * 10_000

    def read(self, max_bytes, timeout=None):
        self.timeouts.append(timeout)
        self.clock.now += 1.0
        byte, self.head = self.head[:1], self.head[1:]
        return byte

    def write(self, buffer, timeout=None):
        pass

    def close(self):
        pass

    def get_extra_info(self, info):
        return None


class TrickleBackend(httpcore.NetworkBackend):
    def __init__(self, stream: TrickleStream) -> None:
        self.stream = stream

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        return self.stream


def test_headers_trickled_byte_by_byte_time_out_at_the_fetch_deadline():
    # The read timeout restarts at each byte; only the deadline ends this exchange (it used to run until
    # the task's time limit, and a batch re-queued at its time limit looped on it).
    clock = Clock()
    settings = crawler_settings(read_timeout_s=30, total_timeout_s=5)
    guard = Guard((), resolver=lambda host, port: ["93.184.216.34"])
    stream = TrickleStream(clock)
    client = make_client(settings, guard, guarded_transport(guard, TrickleBackend(stream)))
    with pytest.raises(Retryable) as caught:
        Fetcher(client, guard, settings, clock=clock).get("http://news.example/a", kind="page")
    assert caught.value.reason == "timeout"
    assert 4 <= clock.now <= 6, "no read after the deadline"
    assert max(stream.timeouts) <= 5 and stream.timeouts[-1] <= 1, "each read waits at most what is left"


def test_a_truncated_gzip_body_is_refused_not_read_as_a_shorter_page():
    whole = gzip.compress(b"<html><body><p>" + b"texte " * 5000 + b"</p></body></html>")
    with pytest.raises(BadEncoding, match="truncated"):
        read_capped([whole[: len(whole) // 2]], "gzip", 10**6)
    fetcher = make_fetcher(
        lambda request: respond(200, {**HTML, "content-encoding": "gzip"}, whole[: len(whole) // 2])
    )
    with pytest.raises(FetchError) as caught:
        fetcher.get("https://news.example/a", kind="page")
    assert caught.value.reason == "bad_encoding" and "truncated" in caught.value.detail


def test_complete_and_empty_compressed_bodies_still_pass():
    assert read_capped([gzip.compress(b"ok")], "gzip", 100) == b"ok"
    decoder = BoundedDecoder("gzip", 100)
    decoder.finish()  # a 200 with Content-Encoding: gzip and no body at all
    assert read_capped([b"plain"], "identity", 100) == b"plain"


@pytest.mark.parametrize(
    "body",
    [
        ("<!--" + "x" * (1 << 20) + "-->" + LAUGHS + "<rss/>").encode(),  # past the first MiB
        ('<?xml version="1.0" encoding="utf-16"?>' + LAUGHS + "<rss/>").encode("utf-16"),
        ('<?xml version="1.0" encoding="utf-16"?>' + LAUGHS + "<rss/>").encode("utf-16-be"),
        (LAUGHS + "<rss/>").encode("utf-32-le"),
    ],
    ids=["padded", "utf-16", "utf-16-be", "utf-32"],
)
def test_entity_declarations_are_refused_wherever_and_however_encoded(body):
    with pytest.raises(DiscoveryError) as caught:
        refuse_entity_declarations(body)
    assert caught.value.reason == "unsafe_xml"


def test_feed_titles_lose_control_characters_and_links_with_nul_are_fetched_escaped():
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Titre\x00 nul</title><link>https://news.example/a\x00b</link></item>"
        b"<item><title>Titre &#0; ref</title><link>https://news.example/c</link></item>"
        b"</channel></rss>"
    )
    found = discover("rss", feed, "https://news.example/feed")
    assert [u.url for u in found.urls] == ["https://news.example/a%00b", "https://news.example/c"]
    assert found.urls[0].found_as == "https://news.example/a%00b"
    assert [u.hints.title for u in found.urls] == ["Titre nul", "Titre ref"]
    assert clean_text("a\x00b\x07c\td") == "abc d"


def test_links_longer_than_the_store_keeps_are_skipped():
    long = "https://news.example/" + "l" * MAX_URL_CHARS
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><link>{long}</link></item><item><link>https://news.example/ok</link></item>"
        "</channel></rss>"
    ).encode()
    assert [u.url for u in discover("rss", feed, "https://news.example/feed").urls] == [
        "https://news.example/ok"
    ]


def test_error_details_are_bounded_however_long_the_url():
    url = "https://news.example/" + "a" * 30_000
    assert len(str(Retryable("timeout", detail=f"{url}: ReadTimeout"))) < 320
    assert len(str(FetchError("redirect_loop", f"{url} -> {url}"))) < 320
    fetcher = make_fetcher(lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=request)))
    with pytest.raises(Retryable) as caught:
        fetcher.get(url, kind="page")
    assert len(f"retries_exhausted: {caught.value}") <= 500  # what the store keeps of a source's error
