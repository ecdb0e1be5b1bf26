import gzip

import httpx
import pytest

from services.bus.messages import FetchFailed, FetchPage, PageFetched, PageHints, SourceSpec
from services.crawler.errors import Retryable
from services.crawler.handlers import discover, fetch

from .fakes import make_deps, respond

HTML = {"content-type": "text/html; charset=utf-8"}
XML = {"content-type": "application/xml"}
ROBOTS = (200, {"content-type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")


def site(routes, seen=None):
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(str(request.url))
        return respond(*routes.get(str(request.url), (404, {}, b"")))

    return handle


def test_fetch_archives_the_raw_body():
    routes = {
        "https://news.example/robots.txt": ROBOTS,
        "https://news.example/a": (200, {**HTML, "etag": '"v2"'}, "<p>é</p>".encode("latin-1")),
    }
    deps = make_deps(site(routes))
    command = FetchPage(url="https://news.example/a", source="news", run_id=7, hints=PageHints(title="T"))
    event = fetch(command, deps)
    assert isinstance(event, PageFetched)
    assert deps.archive.get(event.archive_key) == "<p>é</p>".encode("latin-1")
    assert (event.status, event.etag, event.run_id, event.source, event.hints.title) == (
        200,
        '"v2"',
        7,
        "news",
        "T",
    )


def test_not_modified_gives_no_archive_key():
    routes = {"https://news.example/robots.txt": ROBOTS, "https://news.example/a": (304, {}, b"")}
    event = fetch(FetchPage(url="https://news.example/a", etag='"v1"'), make_deps(site(routes)))
    assert isinstance(event, PageFetched) and event.archive_key is None and event.status == 304


def test_a_batch_of_one_host_reads_the_shared_robots_cache_once():
    routes = {"https://news.example/robots.txt": ROBOTS}
    routes |= {f"https://news.example/{i}": (200, HTML, b"<p>x</p>") for i in range(5)}
    deps = make_deps(site(routes))
    reads: list[str] = []
    shared_get = deps.robots_cache.get
    deps.robots_cache.get = lambda key: reads.append(key) or shared_get(key)  # type: ignore[method-assign]
    for i in range(5):
        assert isinstance(fetch(FetchPage(url=f"https://news.example/{i}"), deps), PageFetched)
    assert reads == ["https://news.example:443"]


def test_robots_disallowed_is_a_permanent_failure_and_the_page_is_not_requested():
    seen: list[str] = []
    routes = {"https://news.example/robots.txt": ROBOTS}
    event = fetch(FetchPage(url="https://news.example/private/x", run_id=3), make_deps(site(routes, seen)))
    assert isinstance(event, FetchFailed)
    assert (event.reason, event.transient, event.run_id) == ("robots_disallowed", False, 3)
    assert seen == ["https://news.example/robots.txt"]


def test_robots_of_a_redirect_target_is_honoured():
    routes = {
        "https://news.example/robots.txt": (404, {}, b""),
        "https://news.example/a": (301, {"location": "https://other.example/private/a"}, b""),
        "https://other.example/robots.txt": ROBOTS,
    }
    event = fetch(FetchPage(url="https://news.example/a"), make_deps(site(routes)))
    assert isinstance(event, FetchFailed) and event.reason == "robots_disallowed"


@pytest.mark.parametrize(
    ("url", "reason"),
    [("http://10.0.0.7/a", "ssrf_blocked"), ("https://news.example/gone", "http_404")],
)
def test_permanent_failures(url, reason):
    seen: list[str] = []
    event = fetch(FetchPage(url=url), make_deps(site({}, seen)))
    assert isinstance(event, FetchFailed) and event.reason == reason
    if reason == "ssrf_blocked":
        assert seen == []  # not even robots.txt


def test_429_raises_retryable_and_backs_the_host_off():
    routes = {"https://news.example/a": (429, {"retry-after": "90"}, b"")}
    deps = make_deps(site(routes))
    with pytest.raises(Retryable) as caught:
        fetch(FetchPage(url="https://news.example/a"), deps)
    assert caught.value.delay_s == 90
    assert deps.limiter.acquire("news.example", 0, 5) > 60


def test_robots_5xx_defers_the_page():
    routes = {"https://news.example/robots.txt": (503, {}, b"")}
    with pytest.raises(Retryable) as caught:
        fetch(FetchPage(url="https://news.example/a"), make_deps(site(routes)))
    assert caught.value.reason == "robots_unreachable"


SITEMAP_INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/s1.xml.gz</loc><lastmod>2025-04-11</lastmod></sitemap>
<sitemap><loc>https://news.example/s-broken.xml</loc><lastmod>2025-04-10</lastmod></sitemap>
<sitemap><loc>https://news.example/s2.xml</loc><lastmod>2025-04-09</lastmod></sitemap>
<sitemap><loc>https://news.example/s3.xml</loc><lastmod>2025-04-08</lastmod></sitemap>
</sitemapindex>"""


def urlset(*paths: str) -> bytes:
    urls = "".join(f"<url><loc>https://news.example{p}</loc></url>" for p in paths)
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()


def test_discover_follows_nested_sitemaps_within_bounds():
    routes = {
        "https://news.example/robots.txt": (404, {}, b""),
        "https://news.example/sitemap.xml": (200, XML, SITEMAP_INDEX),
        "https://news.example/s1.xml.gz": (
            200,
            {"content-type": "application/x-gzip"},
            gzip.compress(urlset("/a", "/b")),
        ),
        "https://news.example/s-broken.xml": (500, {}, b""),
        "https://news.example/s2.xml": (200, XML, urlset("/b", "/c", "/skip")),
        "https://news.example/s3.xml": (200, XML, urlset("/never")),
    }
    source = SourceSpec(name="news", kind="sitemap", url="https://news.example/sitemap.xml", outlet="News")
    event = discover(source, make_deps(site(routes), max_sitemaps_per_source=3), run_id=5)
    assert event.error is None and event.run_id == 5
    assert [u.url for u in event.urls] == [f"https://news.example/{p}" for p in ("a", "b", "c", "skip")]
    assert event.urls[0].hints.outlet == "News"
    capped = discover(source, make_deps(site(routes), max_urls_per_source=2))
    assert len(capped.urls) == 2


def test_discover_reports_a_failing_source_as_an_error():
    source = SourceSpec(name="news", kind="rss", url="https://news.example/feed")
    routes = {"https://news.example/feed": (200, {"content-type": "image/png"}, b"")}
    event = discover(source, make_deps(site(routes)))
    assert event.urls == () and event.error.startswith("unexpected_content_type")
    routes = {"https://news.example/feed": (200, XML, b"<html>nope")}
    assert discover(source, make_deps(site(routes))).error.startswith("bad_feed")


def test_discover_retries_a_transient_failure_of_the_source():
    source = SourceSpec(name="news", kind="rss", url="https://news.example/feed")
    with pytest.raises(Retryable):
        discover(source, make_deps(site({"https://news.example/feed": (502, {}, b"")})))


def test_discover_listing_page():
    page = b'<a href="/fr/actualites/convention-fm6ss">FM6SS</a><a href="/fr/contact">Contact</a>'
    routes = {"https://fm6ss.example/fr/actualites": (200, HTML, page)}
    source = SourceSpec(
        name="fm6ss",
        kind="listing",
        url="https://fm6ss.example/fr/actualites",
        link_pattern=r"/fr/actualites/.+",
        lang="fr",
    )
    event = discover(source, make_deps(site(routes)))
    assert [u.url for u in event.urls] == ["https://fm6ss.example/fr/actualites/convention-fm6ss"]


def test_an_archive_that_does_not_answer_is_a_transient_failure_not_a_missing_body():
    from services.bus.archive import ArchiveUnavailable, MemoryArchive

    class Down(MemoryArchive):
        def put(self, body: bytes) -> str:
            raise ArchiveUnavailable("cannot ask s3://b/p at http://127.0.0.1:9: connection refused")

    routes = {"https://news.example/robots.txt": ROBOTS, "https://news.example/a": (200, HTML, b"<p>a</p>")}
    deps = make_deps(site(routes))
    deps.archive = Down()
    with pytest.raises(Retryable, match="archive_unavailable: cannot ask s3://b/p") as caught:
        fetch(FetchPage(url="https://news.example/a", source="news"), deps)
    assert caught.value.reason == "archive_unavailable" and caught.value.delay_s is None
