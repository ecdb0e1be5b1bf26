"""Crawler, step 2 of the data flow: a fetched source document in, candidate article URLs out.

Pure: bytes in, values out. Every URL is canonicalized (services.bus.urls), deduplicated and capped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from services.bus.limits import URL_CHARS, published_date
from services.bus.messages import DiscoveredUrl, PageHints, SourceKind
from services.bus.urls import canonical_url
from services.crawler.bodies import BadEncoding, TooLarge, gunzip_capped
from services.crawler.feeds import read_feed
from services.crawler.gdelt import read_gdelt
from services.crawler.links import DiscoveryError, Link, without_controls
from services.crawler.listings import read_listing
from services.crawler.sitemaps import read_sitemap

# The store keeps URLs of up to 2,000 characters (the sitemap protocol allows 2,048); a longer link is
# skipped like one that is not a URL, instead of failing the transaction that records the whole source.
MAX_URL_CHARS = URL_CHARS


@dataclass(frozen=True)
class Discovery:
    urls: tuple[DiscoveredUrl, ...] = ()
    nested: tuple[str, ...] = ()  # sitemaps to fetch next


def discover_links(
    kind: SourceKind,
    body: bytes,
    base_url: str,
    *,
    pattern: str | None = None,
    max_bytes: int = 50 * 1024 * 1024,
) -> tuple[list[Link], tuple[str, ...]]:
    """The links a document lists, and the nested sitemaps it points to (sitemap indexes only)."""
    try:
        body = gunzip_capped(body, max_bytes)
    except TooLarge as exc:
        raise DiscoveryError("too_large", str(exc)) from None
    except BadEncoding as exc:
        raise DiscoveryError("bad_gzip", str(exc)) from None
    if kind in ("rss", "atom"):
        return read_feed(body, base_url), ()
    if kind == "gdelt":
        return read_gdelt(body), ()
    if kind in ("sitemap", "news_sitemap"):
        sitemap = read_sitemap(body, base_url)
        return list(sitemap.links), sitemap.nested
    return read_listing(body, base_url, re.compile(pattern) if pattern else None), ()


def select(
    links: Iterable[Link],
    *,
    pattern: str | None = None,
    outlet: str | None = None,
    lang: str | None = None,
    cap: int = 5000,
    seen: set[str] | None = None,
) -> tuple[DiscoveredUrl, ...]:
    """Canonical, unique (also against `seen`, which is updated), matching `pattern`, at most `cap`."""
    regex = re.compile(pattern) if pattern else None
    seen = set() if seen is None else seen
    out: list[DiscoveredUrl] = []
    for link in links:
        if len(out) >= cap:
            break
        if regex is not None and not regex.search(link.url):
            continue
        if len(link.url) > MAX_URL_CHARS:
            continue
        try:
            key = canonical_url(link.url)
        except ValueError:  # InvalidUrl, or a URL urlsplit cannot read
            continue
        if key in seen or len(key) > MAX_URL_CHARS:
            continue
        seen.add(key)
        # a date a sitemap writes its own way is left to the page, which says it again
        published = link.published if link.published and published_date(link.published) else None
        hints = PageHints(title=link.title, published=published, outlet=outlet, lang=lang)
        # A control character (a NUL) cannot be stored: such a link is fetched by its escaped, canonical form.
        found_as = link.url if without_controls(link.url) == link.url else key
        out.append(DiscoveredUrl(url=key, found_as=found_as, hints=hints))
    return tuple(out)


def discover(
    kind: SourceKind,
    body: bytes,
    base_url: str,
    *,
    link_pattern: str | None = None,
    outlet: str | None = None,
    lang: str | None = None,
    cap: int = 5000,
) -> Discovery:
    """One document of a source, start to end: links, filtered by the source's pattern when it has one."""
    links, nested = discover_links(kind, body, base_url, pattern=link_pattern)
    return Discovery(select(links, pattern=link_pattern, outlet=outlet, lang=lang, cap=cap), nested)
