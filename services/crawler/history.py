"""A source's past, back to a date, for `fm6ss backfill`: the crawl discovers only what a source lists now.

Where a source keeps its history:
- a sitemap index: one child a month or a year, each with its <lastmod>; a child last modified before
  the date is not read (one without a date is), and in each urlset a link dated before the date
  (<lastmod>, or a news sitemap's publication date) is left out;
- a feed (RSS or Atom): WordPress serves older items at `paged=N` (its search feeds `?s=…&feed=rss2`
  too), so pages 2, 3, … are read in turn;
- a listing page: its "next" link (`rel="next"`, or a link whose class says `next`), likewise;
- a news-search feed (its links are Google or Bing News items) and a gdelt source keep no pages (an
  aggregator ignores `paged=`; GDELT's list reaches back as far as its query's `timespan`): read once,
  the news items resolved to their publisher's URL as a crawl's are (newssearch.py), so no aggregator
  token is ever queued as an article.
Pages are followed until one gives no new link on or after the date (empty, a 404, the same items
again from a site that ignores `paged`, or only older ones), or FM6SS_CRAWLER_MAX_HISTORY_PAGES.
Every request is the crawl's own polite GET (SSRF guard, robots.txt, the host's slot and delay).

Resuming is the store's part: a backfill run fetches only the pages it never fetched, so a second run
reads the index pages again but fetches none of the articles the first one got.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from services.bus.limits import published_date
from services.bus.messages import DiscoveredUrl, SourceSpec, Unresolved, UrlsDiscovered
from services.crawler.bodies import BadEncoding, TooLarge, gunzip_capped
from services.crawler.discovery import discover_links, select
from services.crawler.errors import FetchError, Retryable
from services.crawler.handlers import Deps, source_document
from services.crawler.links import DiscoveryError, Link, absolute
from services.crawler.newssearch import aggregator, resolve_links
from services.crawler.sitemaps import Sitemap, read_sitemap

# A date in an article's path: /2024/03/ or /2024/03/15/ (most news sites write one).
_PATH_DATE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?:(0[1-9]|[12]\d|3[01])/)?")
_NEXT = (
    "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
    " | //a[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"
    " | //a[contains(concat(' ', normalize-space(@class), ' '), ' next ')]/@href"
)


def backfill(
    source: SourceSpec,
    deps: Deps,
    since: date,
    run_id: int | None = None,
    found: list[DiscoveredUrl] | None = None,
) -> UrlsDiscovered:
    """The source's links dated on or after `since` (or undated), walking back through its history.

    `found` is filled as the walk goes, so that a caller cut short (a time limit) still has them. A
    failure of the source's own first document is the event's error (Retryable if transient); a later
    page that fails ends the walk with what it found."""
    found = [] if found is None else found
    walk = _Walk(source, deps, since, found)
    try:
        if source.kind in ("sitemap", "news_sitemap"):
            walk.sitemaps()
        else:
            walk.pages()
    except (FetchError, DiscoveryError) as exc:
        if not walk.read:
            detail = f"{exc.reason}: {exc.detail}" if exc.detail else exc.reason
            return UrlsDiscovered(source=source.name, run_id=run_id, error=detail[:500])
    except Retryable:
        if not walk.read:
            raise
    return UrlsDiscovered(
        source=source.name,
        run_id=run_id,
        urls=tuple(found),
        unresolved=tuple(Unresolved(url=url, reason=why) for url, why in walk.unresolved.items()),
        set_aside=walk.set_aside,
    )


class _Walk:
    def __init__(self, source: SourceSpec, deps: Deps, since: date, found: list[DiscoveredUrl]) -> None:
        self.source, self.deps, self.since, self.found = source, deps, since, found
        self.seen: set[str] = set()
        self.read = 0  # documents read so far
        self.unresolved: dict[str, str] = {}  # news-search items without a publisher's URL, and why
        self.set_aside = 0  # news-search items left for a later discovery
        self.budget = deps.settings.max_history_pages

    def _get(self, url: str) -> bytes:
        response = source_document(self.source, url, self.deps)  # a gdelt source's: its DOC API query
        self.read += 1
        return response.body or b""

    def _keep(self, links: list[Link]) -> int:
        """Add the links dated on or after the date (or undated) not seen before; how many were new."""
        recent = [link for link in links if not _older(link, self.since)]
        cap = self.deps.settings.max_history_urls - len(self.found)
        s = self.source
        urls = select(recent, pattern=s.link_pattern, outlet=s.outlet, lang=s.lang, cap=cap, seen=self.seen)
        self.found.extend(urls)
        return len(urls)

    def _resolved(self, links: list[Link]) -> list[Link]:
        """A news-search feed's items put to their publisher's URL, as a crawl's are (newssearch.py)."""
        news = resolve_links(links, self.deps)
        self.unresolved.update(news.unresolved)
        self.set_aside += news.set_aside
        return news.links

    def _full(self) -> bool:
        return self.read >= self.budget or len(self.found) >= self.deps.settings.max_history_urls

    def sitemaps(self) -> None:
        queue, done = [self.source.url], set[str]()
        while queue and not self._full():
            url = queue.pop(0)
            if url in done:
                continue
            done.add(url)
            try:
                sitemap = self._sitemap(self._get(url), url)
            except (FetchError, DiscoveryError, Retryable):
                if url == self.source.url:
                    raise
                continue  # one child that fails: the others still count
            self._keep(list(sitemap.links))
            for child, lastmod in zip(sitemap.nested, sitemap.nested_lastmod, strict=True):
                day = published_date(lastmod) if lastmod else None
                if day is None or day >= self.since:
                    queue.append(child)

    def _sitemap(self, body: bytes, url: str) -> Sitemap:
        try:
            body = gunzip_capped(body, self.deps.settings.max_feed_bytes)
        except TooLarge as exc:
            raise DiscoveryError("too_large", str(exc)) from None
        except BadEncoding as exc:
            raise DiscoveryError("bad_gzip", str(exc)) from None
        return read_sitemap(body, url)

    def pages(self) -> None:
        url: str | None = self.source.url
        number, visited = 1, set[str]()
        while url is not None and url not in visited and not self._full():
            visited.add(url)
            try:
                body = self._get(url)
            except FetchError as exc:
                if number > 1 and exc.status in (404, 410):
                    return  # past the last page
                raise
            links, _ = discover_links(
                self.source.kind,
                body,
                url,
                pattern=self.source.link_pattern,
                max_bytes=self.deps.settings.max_feed_bytes,
            )
            once = self.source.kind == "gdelt" or any(aggregator(link.url) for link in links)
            if self.source.kind in ("rss", "atom"):
                links = self._resolved(links)
            if not self._keep(links) or once:  # an aggregator's feed or GDELT's list has no pages to walk
                return
            number += 1
            url = paged(self.source.url, number) if self.source.kind != "listing" else next_link(body, url)


def paged(url: str, number: int) -> str:
    """The URL of a WordPress feed's page `number` (`paged=N`, in place of any given)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "paged"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("paged", str(number))])))


def next_link(body: bytes, base_url: str) -> str | None:
    """A listing page's next page: `<link rel="next">`, `<a rel="next">` or `<a class="next …">`."""
    if not body.strip():
        return None
    parser = lxml.html.HTMLParser(no_network=True, huge_tree=False, remove_comments=True)
    try:
        doc = lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    for href in doc.xpath(_NEXT):
        url = absolute(base_url, str(href))
        if url and url.split("#", 1)[0] != base_url.split("#", 1)[0]:
            return url
    return None


def _older(link: Link, since: date) -> bool:
    """Dated (by its source, or by its path) before `since`; an undated link is never older, and a path
    whose date cannot be (/2024/04/31/) counts as undated rather than ending the walk."""
    for text in (link.published, link.modified):
        day = published_date(text) if text else None
        if day is not None:
            return day < since
    found = _PATH_DATE.search(urlsplit(link.url).path)
    if found is None:
        return False
    year, month, day_text = (int(x) if x else None for x in found.groups())
    assert year is not None and month is not None
    last = day_text or calendar.monthrange(year, month)[1]  # a month is older when its last day is
    try:
        return date(year, month, last) < since
    except ValueError:
        return False
