"""`check_source` on answers the fixture site does not give: a throttling host, an RSS 1.0 feed, a gzip
sitemap, a feed whose kind is read alike, a document that is nothing known."""

from __future__ import annotations

import gzip

import httpx

from services.bus.messages import SourceSpec
from services.crawler.check import check_source, sniff
from services.crawler.handlers import Deps
from tests.unit.crawler.fakes import make_deps, respond

ROBOTS = b"User-agent: *\nAllow: /\n"
RDF = (
    b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://news.example/a/1"><title>Un</title>'
    b"<link>https://news.example/a/1</link></item></rdf:RDF>"
)
ATOM = (
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
    b'<entry><title>Deux</title><link href="https://news.example/a/2"/>'
    b"<updated>2026-11-30T08:00:00Z</updated></entry></feed>"
)
URLSET = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://news.example/a/3</loc></url></urlset>"
)


def deps_for(routes: dict[str, httpx.Response]) -> Deps:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return respond(200, {"content-type": "text/plain"}, ROBOTS)
        return routes[request.url.path]

    return make_deps(handler)


def spec(kind: str, path: str) -> SourceSpec:
    return SourceSpec.model_validate({"name": "s", "kind": kind, "url": f"https://news.example{path}"})


def test_a_throttling_host_is_unreachable_with_advice_to_slow_down():
    deps = deps_for({"/feed": respond(429, {"retry-after": "30"})})
    found = check_source(spec("rss", "/feed"), deps)
    assert (found.ok, found.status, found.problem) == (False, 429, "unreachable")
    assert "delay_s" in (found.advice or "")


def test_rss_1_and_a_gzip_sitemap_are_read_and_counted():
    deps = deps_for(
        {
            "/rdf": respond(200, {"content-type": "application/rdf+xml"}, RDF),
            "/map.xml.gz": respond(200, {"content-type": "application/gzip"}, gzip.compress(URLSET)),
        }
    )
    rdf = check_source(spec("rss", "/rdf"), deps)
    assert (rdf.ok, rdf.found_kind, rdf.items, rdf.advice) == (True, "rss", 1, None)
    sitemap = check_source(spec("news_sitemap", "/map.xml.gz"), deps)
    assert (sitemap.ok, sitemap.found_kind, sitemap.items) == (True, "sitemap", 1)
    assert "set kind: sitemap" in (sitemap.advice or "")


def test_an_atom_feed_configured_as_rss_works_and_says_its_kind():
    deps = deps_for({"/feed": respond(200, {"content-type": "application/atom+xml"}, ATOM)})
    found = check_source(spec("rss", "/feed"), deps)
    assert (found.ok, found.found_kind, found.items) == (True, "atom", 1)
    assert found.newest is not None and found.newest.isoformat() == "2026-11-30T08:00:00+00:00"
    assert "set kind: atom" in (found.advice or "")


def test_what_is_neither_feed_sitemap_nor_page_is_unreadable():
    deps = deps_for({"/data": respond(200, {"content-type": "application/json"}, b'{"items": []}')})
    found = check_source(spec("rss", "/data"), deps)
    assert (found.ok, found.found_kind, found.problem) == (False, "other", "unreadable")


def test_sniff_reads_the_root_element_and_html_by_type_or_tag():
    assert sniff(b"\xef\xbb\xbf  <?xml version='1.0'?><rss version='2.0'/>", "text/xml") == "rss"
    assert sniff(b"<!DOCTYPE html><html><body>x</body></html>", "application/xml") == "html"
    assert sniff(b"<p>x</p>", "text/html; charset=utf-8") == "html"
    index = b"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>"
    assert sniff(index, None) == "sitemap_index"
    news = b"<urlset xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'/>"
    assert sniff(news, None) == "news_sitemap"
