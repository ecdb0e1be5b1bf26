"""A source's history back to a date (`fm6ss backfill`), walked over the fixture site's archive pages
served by a MockTransport: which documents are read, which links come back."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from services.bus.messages import SourceSpec
from services.crawler.history import backfill, next_link, paged
from tests.fixtures.site import history as archive
from tests.unit.crawler.fakes import make_deps, respond

BASE = "http://news.example"


class Site:
    """The archive's answers, and every path (with query) asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        self.asked.append(path)
        if request.url.path == "/robots.txt":
            return respond(200, {"content-type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n")
        found = archive.answer(request.url.path, request.url.query.decode(), BASE)
        if found is None:
            return respond(404, {"content-type": "text/html"}, b"<html>404</html>")
        status, body, ctype = found
        return respond(status, {"content-type": ctype}, body.encode())


def spec(name: str) -> SourceSpec:
    return next(s for s in archive.history_specs(BASE) if s.name == name)


def paths(event_urls: tuple) -> set[str]:  # type: ignore[type-arg]
    return {u.found_as.removeprefix(BASE) for u in event_urls}


def expected(since: date, way: str) -> set[str]:
    return {a.page.url for a in archive.ARTICLES.values() if a.day >= since and getattr(a, way) is not None}


def test_sitemaps_skip_the_children_last_modified_before_the_date():
    site = Site()
    event = backfill(spec("archives-sitemap"), make_deps(site), archive.SINCE)
    assert event.error is None
    assert paths(event.urls) == expected(archive.SINCE, "sitemap")
    assert "/archives/sitemap-2024.xml" in site.asked and "/archives/sitemap-2023.xml" in site.asked
    assert "/archives/sitemap-2019.xml" not in site.asked


def test_a_paged_feed_is_read_until_a_page_has_nothing_on_or_after_the_date():
    site = Site()
    event = backfill(spec("archives-search"), make_deps(site), archive.SINCE)
    assert paths(event.urls) == expected(archive.SINCE, "feed_page")
    asked = [p for p in site.asked if p.startswith("/archives/?")]
    assert asked == [archive.SEARCH_FEED, *(f"{archive.SEARCH_FEED}&paged={n}" for n in (2, 3))]


def test_a_paged_feed_ends_at_its_404():
    site = Site()
    event = backfill(spec("archives-search"), make_deps(site), date(2010, 1, 1))
    assert event.error is None
    assert paths(event.urls) == expected(date(2010, 1, 1), "feed_page")  # 2019's item too
    assert site.asked[-1] == f"{archive.SEARCH_FEED}&paged=4"


def test_a_listing_is_followed_by_its_next_links():
    site = Site()
    event = backfill(spec("archives-listing"), make_deps(site), archive.SINCE)
    assert paths(event.urls) == expected(archive.SINCE, "listing_page")
    assert f"{archive.LISTING}page/3/" in site.asked and f"{archive.LISTING}page/4/" not in site.asked


def test_the_walk_is_bounded_by_its_page_budget():
    site = Site()
    event = backfill(spec("archives-search"), make_deps(site, max_history_pages=2), date(2010, 1, 1))
    assert len([p for p in site.asked if p.startswith("/archives/?")]) == 2
    assert paths(event.urls) == {a.page.url for a in archive.ARTICLES.values() if a.feed_page in (1, 2)}


def test_a_source_whose_first_document_fails_reports_why():
    def gone(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return respond(404)
        return respond(404, {"content-type": "text/html"}, b"no")

    event = backfill(spec("archives-search"), make_deps(gone), archive.SINCE)
    assert event.error is not None and event.error.startswith("http_404") and not event.urls


@pytest.mark.parametrize(
    ("url", "number", "wanted"),
    [
        ("https://a.ma/?s=fm6ss&feed=rss2", 2, "https://a.ma/?s=fm6ss&feed=rss2&paged=2"),
        ("https://a.ma/feed/?paged=2", 3, "https://a.ma/feed/?paged=3"),
        ("https://a.ma/feed/", 2, "https://a.ma/feed/?paged=2"),
    ],
)
def test_paged(url: str, number: int, wanted: str):
    assert paged(url, number) == wanted


def test_next_link_forms():
    assert next_link(b'<html><head><link rel="next" href="/p/2"></head></html>', "https://a.ma/p/1") == (
        "https://a.ma/p/2"
    )
    assert next_link(b'<a class="nav next" href="?page=3">Next</a>', "https://a.ma/l?page=2") == (
        "https://a.ma/l?page=3"
    )
    assert next_link(b'<a href="/p/2">2</a>', "https://a.ma/p/1") is None
    assert next_link(b'<a rel="next" href="#">more</a>', "https://a.ma/p/1") is None


def feed_site(items: list[str]):  # type: ignore[no-untyped-def]
    """A site whose feed at /feed/ lists `items` (paths) on its first page and nothing after."""
    entries = "".join(f"<item><title>t</title><link>{BASE}{path}</link></item>" for path in items)
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{entries}</channel></rss>'

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return respond(404)
        if request.url.path == "/feed/" and not request.url.params.get("paged"):
            return respond(200, {"content-type": "application/rss+xml"}, body.encode())
        return respond(404, {"content-type": "text/html"}, b"no")

    return handler


def test_an_impossible_date_in_a_path_counts_as_undated():
    source = SourceSpec(name="dates", kind="rss", url=f"{BASE}/feed/")
    items = ["/2024/04/31/fm6ss-convention/", "/2023/02/29/fm6ss-accord/", "/2019/02/28/ancien/"]
    event = backfill(source, make_deps(feed_site(items)), archive.SINCE)
    assert event.error is None
    assert paths(event.urls) == {"/2024/04/31/fm6ss-convention/", "/2023/02/29/fm6ss-accord/"}
