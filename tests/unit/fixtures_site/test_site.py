"""Tests of the fixture news site itself (tests/fixtures/site): a real server on 127.0.0.1, kept fast."""

from __future__ import annotations

import gzip
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from email.utils import format_datetime, parsedate_to_datetime
from urllib.robotparser import RobotFileParser

import httpx
import lxml.html
import pytest

from tests.fixtures.site import FAILURES, MANIFEST, OUTLETS, UPDATED_ARTICLE_ID, FixtureSite, serve, sources
from tests.fixtures.site.content import HUGE_PAGE_BYTES, SEED_AGREEMENTS, by_expected
from tests.fixtures.site.render import index_children

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(scope="module")
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=0.5) as running:
        yield running


@pytest.fixture
def client(site: FixtureSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.base_url, timeout=5) as c:
        yield c


def _all_discovery_bodies(client: httpx.Client) -> dict[str, bytes]:
    """Every feed and sitemap (nested ones decompressed), by path."""
    bodies: dict[str, bytes] = {}
    for source in sources():
        bodies[source.path] = client.get(source.path).content
    for outlet in OUTLETS.values():
        if outlet.sitemap_kind == "index":
            for path in index_children(outlet):
                body = client.get(path).content
                bodies[path] = gzip.decompress(body) if path.endswith(".gz") else body
    return bodies


def _paragraphs(html: str) -> list[str]:
    return [p.text_content() for p in lxml.html.fromstring(html).xpath("//p")]


# ------------------------------------------------------------------------------------------ manifest


def test_manifest_is_consistent() -> None:
    paths = [a.path for a in MANIFEST.values()]
    assert len(paths) == len(set(paths))
    kinds = {"irrelevant", "other_foundation"}
    for a in MANIFEST.values():
        assert a.outlet in OUTLETS and a.lang == OUTLETS[a.outlet].lang
        assert a.path.startswith(OUTLETS[a.outlet].prefix)
        head, _, rest = a.expected.partition(":")
        if head == "agreement":
            assert rest in SEED_AGREEMENTS.values()
        elif head == "duplicate_of":
            assert rest in MANIFEST
        elif head == "failure":
            assert rest == a.failure and rest in FAILURES
        else:
            assert a.expected in kinds
    assert {a.failure for a in by_expected("failure:")} == set(FAILURES)
    assert {a.lang for a in MANIFEST.values()} == {"fr", "ar", "en"}
    seeds = {a.seed: a for a in MANIFEST.values() if a.seed and a.rewrite is None}
    assert sorted(seeds) == sorted(SEED_AGREEMENTS)
    assert seeds["001"].published.date() >= date(2024, 3, 15)
    assert seeds["004"].published.date() in (date(2025, 4, 11), date(2025, 4, 12))
    assert OUTLETS[seeds["003"].outlet].template == "wordpress"


# ------------------------------------------------------------------------------- feeds and sitemaps


def test_feeds_and_sitemaps_parse_as_xml(client: httpx.Client) -> None:
    kinds = {s.path: s.kind for s in sources()}
    for path, body in _all_discovery_bodies(client).items():
        root = ET.fromstring(body)
        kind = kinds.get(path)
        if kind == "rss":
            assert root.tag == "rss" and root.get("version") == "2.0"
            assert root.findall("./channel/item")
        elif kind == "atom":
            assert root.tag == f"{ATOM}feed" and root.findall(f"{ATOM}entry")
        elif kind == "sitemap_index":
            locs = [e.text for e in root.iter(f"{SM}loc")]
            assert root.tag == f"{SM}sitemapindex" and any(loc and loc.endswith(".xml.gz") for loc in locs)
        elif kind == "news_sitemap":
            assert root.tag == f"{SM}urlset" and list(root.iter(f"{NEWS}publication_date"))
        else:
            assert root.tag == f"{SM}urlset" and list(root.iter(f"{SM}loc"))


def test_gzip_sitemap_is_served_compressed(client: httpx.Client) -> None:
    path = next(p for p in index_children(OUTLETS["quotidien-rabat"]) if p.endswith(".gz"))
    response = client.get(path)
    assert response.headers["content-type"] == "application/gzip"
    assert response.content[:2] == b"\x1f\x8b"
    assert MANIFEST["qr-fail-500"].path.encode() in gzip.decompress(response.content)


def test_every_article_is_linked_where_the_manifest_says(client: httpx.Client) -> None:
    bodies = _all_discovery_bodies(client)
    feeds = b"".join(bodies[o.feed_path] for o in OUTLETS.values())
    maps = b"".join(body for path, body in bodies.items() if "sitemap" in path)
    for a in MANIFEST.values():
        assert (a.path.encode() in feeds) == a.in_feed, a.id
        assert (a.path.encode() in maps) == a.in_sitemap, a.id


def test_private_page_is_linked_once_and_disallowed(site: FixtureSite, client: httpx.Client) -> None:
    private = MANIFEST["qr-private-draft"].path
    everything = b"".join(_all_discovery_bodies(client).values())
    assert everything.count(private.encode()) == 1
    robots = client.get("/robots.txt")
    assert robots.headers["content-type"].startswith("text/plain")
    assert "Disallow: /quotidien-rabat/private/" in robots.text
    assert f"Sitemap: {site.base_url}/quotidien-rabat/sitemap.xml" in robots.text
    parser = RobotFileParser()
    parser.parse(robots.text.splitlines())
    assert not parser.can_fetch("fm6ss-watch", site.url(private))
    assert parser.can_fetch("fm6ss-watch", site.url("qr-sothema"))
    assert not parser.can_fetch("GPTBot", site.url("qr-sothema"))


# ---------------------------------------------------------------------------------------- pages


def test_article_pages_carry_canonical_and_dates(client: httpx.Client) -> None:
    for a in MANIFEST.values():
        if not a.is_page:
            continue
        html = client.get(a.path).text
        doc = lxml.html.fromstring(html)
        canonical = doc.xpath("//link[@rel='canonical']/@href")
        assert canonical and canonical[0].endswith(a.path), a.id
        assert doc.xpath("//meta[@property='og:url']/@content") == canonical
        if OUTLETS[a.outlet].date_markup == "jsonld":
            assert (
                '"@type": "NewsArticle"' in html and f'"datePublished": "{a.published.isoformat()}"' in html
            )
        else:
            assert doc.xpath("//meta[@property='article:published_time']/@content") == [
                a.published.isoformat()
            ]
        if a.lang == "ar":
            assert doc.get("dir") == "rtl" and doc.get("lang") == "ar"


def test_seed_articles_carry_the_seed_text(site: FixtureSite, client: httpx.Client) -> None:
    sothema = client.get(MANIFEST["qr-sothema"].path).text
    assert "Laboratoires Sothema ont signé un nouvel accord stratégique" in sothema
    for boilerplate in (
        "Previous Post",
        "Next Post",
        "Related Posts",
        "Laisser un commentaire",
        "Newsletter",
    ):
        assert boilerplate in sothema
    assert "L'Iran exige des garanties américaines" in sothema
    assert "15 tonnes de haschisch" in sothema
    astrazeneca = client.get(MANIFEST["qr-astrazeneca-2024"].path).text
    assert "<figcaption>Lors de la signature de la convention" in astrazeneca
    assert "<h2>Renforcer les capacités du système de santé</h2>" in astrazeneca


def test_wire_copy_is_a_near_duplicate(client: httpx.Client) -> None:
    def shingles(html: str) -> set[tuple[str, ...]]:
        words = " ".join(_paragraphs(html)).lower().split()
        return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}

    original = client.get(MANIFEST["qr-plasma"].path).text
    copy = client.get(MANIFEST["ampt-plasma-syndication"].path).text
    assert "Casablanca, 11 avril (AMPT) - Le ministère" in copy
    a, b = shingles(original), shingles(copy)
    assert len(a & b) / len(a | b) > 0.6
    assert original != copy


def test_amp_copy_and_shortlink(client: httpx.Client) -> None:
    article = MANIFEST["qr-gsk"]
    amp_path, shortlink = article.aliases
    amp = lxml.html.fromstring(client.get(amp_path).text)
    assert amp.xpath("//link[@rel='canonical']/@href")[0].endswith(article.path)
    response = client.get(shortlink)
    assert response.status_code == 301 and response.headers["location"].endswith(article.path)


# ---------------------------------------------------------------------------- conditional requests


def test_etag_and_last_modified_answer_304(client: httpx.Client) -> None:
    for path in (MANIFEST["qr-sothema"].path, "/amp-test/atom.xml", "/robots.txt"):
        first = client.get(path)
        etag, last_modified = first.headers["etag"], first.headers["last-modified"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
        assert client.get(path, headers={"If-Modified-Since": last_modified}).status_code == 304
        older = format_datetime(parsedate_to_datetime(last_modified).replace(year=2020), usegmt=True)
        assert client.get(path, headers={"If-Modified-Since": older}).status_code == 200
        assert client.head(path).headers["etag"] == etag


def test_bump_changes_body_etag_and_last_modified() -> None:
    with serve(slow_delay=0.5) as site, httpx.Client(base_url=site.base_url, timeout=5) as client:
        article = MANIFEST[UPDATED_ARTICLE_ID]
        before = client.get(article.path)
        assert site.bump(UPDATED_ARTICLE_ID) == 1
        after = client.get(article.path, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        assert parsedate_to_datetime(after.headers["last-modified"]) > parsedate_to_datetime(
            before.headers["last-modified"]
        )
        assert "Update," in after.text and "Update," not in before.text
        assert site.bump(UPDATED_ARTICLE_ID) == 2
        assert client.get(article.path).headers["etag"] != after.headers["etag"]
        with pytest.raises(KeyError):
            site.bump("no-such-article")


# ----------------------------------------------------------------------------------- request log


def test_request_log_records_method_path_and_headers(site: FixtureSite, client: httpx.Client) -> None:
    site.clear_requests()
    client.get("/quotidien-rabat/feed/", headers={"User-Agent": "fm6ss-test/1"})
    client.head("/robots.txt")
    client.get(MANIFEST["qr-gsk"].path + "?utm_source=rss")
    log = site.requests
    assert [(m, p) for m, p, _ in log[:2]] == [("GET", "/quotidien-rabat/feed/"), ("HEAD", "/robots.txt")]
    assert log[0][2]["User-Agent"] == "fm6ss-test/1"
    assert site.was_requested(MANIFEST["qr-gsk"].path)
    assert not site.was_requested(MANIFEST["qr-private-draft"].path)


# ------------------------------------------------------------------------------------- failures


def test_failure_pages_answer_as_designed(client: httpx.Client) -> None:
    assert client.get(MANIFEST["qr-fail-500"].path).status_code == 500
    assert client.get(MANIFEST["ampt-fail-404"].path).status_code == 404
    assert client.get("/no/such/page").status_code == 404

    loop = MANIFEST["sabah-loop"].path
    first = client.get(loop)
    assert first.status_code == 302
    second = client.get(first.headers["location"])
    assert second.status_code == 302 and second.headers["location"] == loop
    with pytest.raises(httpx.TooManyRedirects):
        client.get(loop, follow_redirects=True)

    huge = MANIFEST["qr-huge"].path
    assert int(client.head(huge).headers["content-length"]) == HUGE_PAGE_BYTES
    with client.stream("GET", huge) as response:
        assert int(response.headers["content-length"]) == HUGE_PAGE_BYTES
        assert next(response.iter_bytes()).startswith(b"<!DOCTYPE html>")

    binary = client.get(MANIFEST["atlas-binary"].path)
    assert binary.headers["content-type"] == "text/html; charset=utf-8"
    assert binary.content.startswith(b"\x89PNG\r\n\x1a\n")

    wrong = client.get(MANIFEST["sabah-wrong-charset"].path)
    assert wrong.headers["content-type"] == "text/html; charset=utf-8"
    assert b'<meta charset="utf-8">' in wrong.content
    with pytest.raises(UnicodeDecodeError):
        wrong.content.decode("utf-8")
    assert MANIFEST["sabah-wrong-charset"].title in wrong.content.decode("cp1256")


def test_slow_page_times_out_then_answers(site: FixtureSite) -> None:
    slow = MANIFEST["ampt-slow"].path
    with httpx.Client(base_url=site.base_url, timeout=0.1) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get(slow)
    with httpx.Client(base_url=site.base_url, timeout=5) as patient:
        start = time.monotonic()
        assert patient.get(slow).status_code == 200
        assert time.monotonic() - start >= 0.5


def test_stop_does_not_wait_for_a_slow_page() -> None:
    site = serve(slow_delay=60)
    outcome: list[str] = []

    def fetch() -> None:
        with httpx.Client(timeout=30) as c:
            try:
                c.get(site.url("ampt-slow"))
                outcome.append("answered")
            except httpx.HTTPError as exc:
                outcome.append(type(exc).__name__)

    thread = threading.Thread(target=fetch)
    thread.start()
    deadline = time.monotonic() + 5
    while not site.was_requested(MANIFEST["ampt-slow"].path) and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    site.stop()
    thread.join(timeout=5)
    assert time.monotonic() - start < 3
    assert outcome and outcome[0] != "answered"
