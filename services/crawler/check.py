"""`fm6ss sources check`: fetch a source once, as the crawl would (guard, robots.txt, host limits, the
User-Agent, the size caps), and say what it really is, what it lists and what to change when it fails.

A source is configured from what an outlet is believed to publish; this is where belief meets the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import lxml.html
from lxml import etree

from services.bus.checks import FoundKind, Problem, SourceCheck
from services.bus.messages import SourceKind, SourceSpec
from services.crawler.bodies import BadEncoding, TooLarge, gunzip_capped
from services.crawler.discovery import discover_links, select
from services.crawler.errors import FetchError, Retryable
from services.crawler.handlers import Deps, source_document
from services.crawler.links import DiscoveryError, Link
from services.crawler.sitemaps import parse_xml

# What each configured kind can read: RSS and Atom go through one feed reader, sitemaps through one too.
READABLE: dict[str, frozenset[str]] = {
    "rss": frozenset({"rss", "atom"}),
    "atom": frozenset({"rss", "atom"}),
    "sitemap": frozenset({"sitemap", "sitemap_index", "news_sitemap"}),
    "news_sitemap": frozenset({"sitemap", "sitemap_index", "news_sitemap"}),
    "listing": frozenset({"html"}),
    "gdelt": frozenset({"gdelt"}),
}
# The kind to configure for a document found to be of this kind.
KIND_FOR: dict[str, SourceKind] = {
    "rss": "rss",
    "atom": "atom",
    "sitemap": "sitemap",
    "sitemap_index": "sitemap",
    "news_sitemap": "news_sitemap",
    "html": "listing",
    "gdelt": "gdelt",
}
_NEWS_NS = b"google.com/schemas/sitemap-news"
_FEED_TYPES = ("application/rss+xml", "application/atom+xml")
ELSEWHERE = "reach the outlet through a news-search source (Google News, Bing News) or GDELT instead"


def check_source(
    source: SourceSpec, deps: Deps, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> SourceCheck:
    """One source, one polite GET (a gdelt source: one query); never raises for what the source does."""
    checked_at = now()

    def result(ok: bool, **fields: Any) -> SourceCheck:
        if isinstance(fields.get("advice"), str):
            fields["advice"] = fields["advice"][:500]
        return SourceCheck(name=source.name, checked_at=checked_at, ok=ok, **fields)

    try:
        response = source_document(source, source.url, deps, kind="probe")
    except DiscoveryError as exc:  # a gdelt source without a query
        return result(False, problem="unreadable", advice=str(exc))
    except FetchError as exc:
        problem, advice = _refused(exc, deps.settings.bot_name)
        return result(False, status=exc.status, problem=problem, advice=advice)
    except Retryable as exc:
        advice = f"no answer now ({exc}); check again later"
        if exc.status == 429:
            advice = "the site throttles (HTTP 429): raise the source's delay_s and check again later"
        return result(False, status=exc.status, problem="unreachable", advice=advice)
    status = response.status
    try:
        body = gunzip_capped(response.body or b"", deps.settings.max_feed_bytes)
    except (TooLarge, BadEncoding) as exc:
        return result(False, status=status, problem="unreadable", advice=f"the body cannot be read: {exc}")
    found = "gdelt" if source.kind == "gdelt" else sniff(body, response.content_type)
    if found not in READABLE[source.kind]:
        problem, advice = _mismatch(source, found, body, response.final_url)
        return result(False, status=status, found_kind=found, problem=problem, advice=advice)
    try:
        links, nested = discover_links(
            KIND_FOR[found], body, response.final_url, pattern=source.link_pattern, max_bytes=len(body) + 1
        )
    except DiscoveryError as exc:
        advice = f"not readable as {found}: {exc}"
        return result(False, status=status, found_kind=found, problem="unreadable", advice=advice)
    kept = select(links, pattern=source.link_pattern, cap=deps.settings.max_urls_per_source)
    items = len(nested) if found == "sitemap_index" else len(kept)
    seen = {"status": status, "found_kind": found, "newest": newest_date(links)}
    if not items:
        return result(False, **seen, problem="empty", advice=_empty_advice(source))
    note = None
    if KIND_FOR[found] != source.kind and found != "sitemap_index":
        note = f"the source says {source.kind}, the document is {found} (read alike): set kind: {found}"
    return result(True, **seen, items=items, advice=note)


def sniff(body: bytes, content_type: str | None) -> FoundKind:
    """What a document is, from its root element (an HTML page from its type or its first tag)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if media in ("text/html", "application/xhtml+xml") or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    try:
        root = parse_xml(body)
    except DiscoveryError:
        return "other"
    name = etree.QName(root.tag).localname.lower() if isinstance(root.tag, str) else ""
    if name in ("rss", "rdf"):
        return "rss"
    if name == "feed":
        return "atom"
    if name == "sitemapindex":
        return "sitemap_index"
    if name == "urlset":
        return "news_sitemap" if _NEWS_NS in body[:4096] else "sitemap"
    if name == "html":
        return "html"
    return "other"


def newest_date(links: list[Link]) -> datetime | None:
    """The latest date the items carry (a date alone counts as its midnight, UTC)."""
    dates = [when for link in links if link.published and (when := _moment(link.published)) is not None]
    return max(dates, default=None)


def _moment(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _refused(exc: FetchError, bot: str) -> tuple[Problem, str]:
    problem: Problem
    if exc.status in (401, 403):
        problem = "forbidden"
        advice = f"the site refuses bots (HTTP {exc.status}): disable the source and {ELSEWHERE}"
    elif exc.status in (404, 410):
        problem = "not_found"
        advice = (
            f"no such document (HTTP {exc.status}): find the outlet's feed (its pages' <link rel=alternate>) "
            "or sitemap (robots.txt's Sitemap: lines) and set url to it"
        )
    elif exc.reason == "robots_disallowed":
        problem = "robots_disallowed"
        advice = f"robots.txt forbids this URL to {bot}: disable the source and {ELSEWHERE}"
    elif exc.status is not None:
        problem = "http_error"
        advice = f"the site answers HTTP {exc.status}: check the URL in a browser, or disable the source"
    else:
        problem = "fetch_error"
        advice = f"not fetched ({exc}): check the URL"
    return problem, advice


def _mismatch(source: SourceSpec, found: FoundKind, body: bytes, url: str) -> tuple[Problem, str]:
    if found == "html":
        feeds = alternate_feeds(body, url)
        advice = "the URL answers a web page, not a feed or sitemap: "
        if feeds:
            advice += f"the page names its feed {feeds[0]}: set url to it"
        else:
            advice += "set url to the outlet's feed or sitemap, or make it a listing with a link_pattern"
        return "html_not_feed", advice
    if found == "other":
        return "unreadable", "the document is neither a feed, a sitemap nor a page"
    return (
        "wrong_kind",
        f"the source says {source.kind}, the document is {found}: set kind: {KIND_FOR[found]}",
    )


def alternate_feeds(body: bytes, url: str) -> list[str]:
    """The feeds a page names in its head (<link rel="alternate" type="application/rss+xml" href=...>)."""
    try:
        doc = lxml.html.document_fromstring(body, base_url=url)
    except (etree.ParserError, ValueError):
        return []
    doc.make_links_absolute(url, handle_failures="discard")
    found = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").lower() in _FEED_TYPES and link.get("href"):
            found.append(str(link.get("href")))
    return list(dict.fromkeys(found))


def _empty_advice(source: SourceSpec) -> str:
    if source.kind == "gdelt":
        return "GDELT lists no article for this query in its window: widen the query or its filters"
    if source.link_pattern:
        return "no link matches the source's link_pattern: check the pattern against the page's links"
    if "feed=rss2" in source.url or "?s=" in source.url:
        return "the search feed finds nothing now: widen its query, or check it again after news"
    return "the document lists no items: check the URL, or disable the source"
