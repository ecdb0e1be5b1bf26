"""News-search links: which aggregator an item comes from, Bing's url=, Google's title; and a Google News
host that keeps answering 429 (or cannot be reached) leaves its items for later, remembering nothing."""

from __future__ import annotations

import time

import httpx
import pytest

from services.crawler.links import Link
from services.crawler.newssearch import aggregator, bing_target, resolve_links, without_publisher
from tests.unit.crawler.fakes import make_deps, respond

GNEWS = "https://news.google.com/rss/articles/CBMiSGh0dHBzOi8vZXhhbXBsZQ?oc=5"
BING = (
    "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1&url=https%3a%2f%2fnews.example%2fa%2f1&c=2"
)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (GNEWS, "google"),
        ("https://news.google.com/read/CBMiSGh0", "google"),
        ("https://news.google.com/search?q=FM6SS", None),
        (BING, "bing"),
        ("https://www.bing.com/search?q=x", None),
        ("https://news.example/a/1", None),
        ("http://[::1", None),
    ],
)
def test_aggregator_of_a_link(url, kind):
    assert aggregator(url) == kind


def test_bing_links_give_their_url_parameter_when_it_is_a_publishers_url():
    assert bing_target(BING) == "https://news.example/a/1"
    assert bing_target("http://www.bing.com/news/apiclick.aspx?tid=1") is None
    assert bing_target("http://www.bing.com/news/apiclick.aspx?url=javascript%3aalert(1)") is None
    assert bing_target(f"http://www.bing.com/news/apiclick.aspx?url={GNEWS}") is None


def test_google_titles_lose_the_publisher_they_end_with():
    assert without_publisher("La FM6SS signe - un accord - Le Matin") == "La FM6SS signe - un accord"
    assert without_publisher("Sans éditeur") == "Sans éditeur"
    assert without_publisher(None) is None


def test_a_throttling_or_unreachable_google_news_leaves_its_items_for_the_next_discovery():
    calls: list[str] = []

    def throttled(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return respond(429, {"retry-after": "1"})

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    link = Link(url=GNEWS, title="La FM6SS signe une convention - Le Matin")
    for transport, tries in ((throttled, 3), (unreachable, 0)):
        deps = make_deps(lambda request: respond(404), news_retries=2, news_backoff_s=0.2)
        deps.sleep = time.sleep  # the host's back-off (a second at least) is really waited out
        deps.news_transport = httpx.MockTransport(transport)
        calls.clear()
        found = resolve_links([link, Link(url="https://news.example/a/2")], deps)
        assert [x.url for x in found.links] == ["https://news.example/a/2"]
        assert (found.unresolved, found.set_aside) == ([], 1)
        assert len(calls) == tries
        assert deps.resolved._items == {}  # nothing remembered: tried again at the next discovery


def test_at_most_news_max_decodes_items_are_decoded_a_discovery():
    asked: list[str] = []

    def google(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return respond(200, {"content-type": "text/html"}, b"<html><body>no signature</body></html>")

    deps = make_deps(lambda request: respond(404), news_max_decodes=2)
    deps.news_transport = httpx.MockTransport(google)
    links = [Link(url=f"{GNEWS[:-5]}{i}", title=f"FM6SS : convention {i} - Le Matin") for i in range(5)]
    found = resolve_links(links, deps)
    assert (len(found.unresolved), found.set_aside, len(asked)) == (2, 3, 2)
    again = resolve_links(links, deps)  # the two refused are remembered; two of the three others now
    assert (len(again.unresolved), again.set_aside, len(asked)) == (2, 1, 4)


def robots_site(text: str):  # type: ignore[no-untyped-def]
    """The crawler's own fetches: news.google.com's robots.txt says `text`; anything else is a 404."""

    def handler(request: httpx.Request) -> httpx.Response:
        if (request.url.host, request.url.path) == ("news.google.com", "/robots.txt"):
            return respond(200, {"content-type": "text/plain"}, text.encode())
        return respond(404)

    return handler


def no_signature(asked: list[str]):  # type: ignore[no-untyped-def]
    def google(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return respond(200, {"content-type": "text/html"}, b"<html><body>no signature</body></html>")

    return google


def test_google_news_decoding_keeps_to_robots_txt():
    asked: list[str] = []
    deps = make_deps(robots_site("User-agent: *\nDisallow: /rss/articles/\n"))
    deps.news_transport = httpx.MockTransport(no_signature(asked))
    found = resolve_links([Link(url=GNEWS, title="La FM6SS signe une convention - Le Matin")], deps)
    assert asked == []  # nothing asked of a path robots.txt forbids
    ((url, reason),) = found.unresolved
    assert url == GNEWS and "robots_disallowed" in reason


def test_google_news_decoding_waits_out_the_crawl_delay():
    asked: list[str] = []
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    deps = make_deps(robots_site("User-agent: *\nCrawl-delay: 1\n"))
    deps.sleep = sleep
    deps.news_transport = httpx.MockTransport(no_signature(asked))
    links = [Link(url=f"{GNEWS[:-5]}{i}", title=f"FM6SS : convention {i} - Le Matin") for i in range(2)]
    resolve_links(links, deps)
    assert len(asked) == 2
    assert sum(waits) >= 0.5  # the second item's page waited for the host's Crawl-delay


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (302, {"location": "https://www.google.com/sorry/index?continue=https://news.google.com/"}),
        (302, {"location": "/sorry/index"}),
        (403, {"content-type": "text/html"}),
    ],
)
def test_google_refusing_the_client_is_throttling_not_an_undecodable_item(status, headers):
    calls: list[str] = []

    def blocked(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return respond(status, headers, b"<html>unusual traffic</html>")

    deps = make_deps(lambda request: respond(404), news_backoff_s=0.2)
    deps.news_transport = httpx.MockTransport(blocked)
    link = Link(url=GNEWS, title="La FM6SS signe une convention - Le Matin")
    found = resolve_links([link], deps)
    assert (found.links, found.unresolved, found.set_aside) == ([], [], 1)
    assert len(calls) == 1  # a block page is not asked again at once
    assert deps.resolved._items == {}  # nothing remembered: tried again at the next discovery
