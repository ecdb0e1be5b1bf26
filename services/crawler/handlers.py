"""Crawler handlers for steps 2 (discover a source) and 4 (fetch a page): plain functions over `Deps`.

Each request goes through the SSRF guard, robots.txt and the per-host limiter before the fetcher.
Permanent failures come back as events; transient ones raise Retryable for the task to retry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from services.bus.archive import Archive, ArchiveUnavailable
from services.bus.messages import (
    DiscoveredUrl,
    FetchFailed,
    FetchPage,
    PageFetched,
    SourceSpec,
    Unresolved,
    UrlsDiscovered,
)
from services.crawler.discovery import discover_links, select
from services.crawler.errors import FetchError, Retryable
from services.crawler.fetcher import Fetcher, Kind, Response
from services.crawler.gdelt import request_url
from services.crawler.links import DiscoveryError
from services.crawler.newssearch import Resolved, resolve_links
from services.crawler.politeness import HostLimiter, host_delay, polite_slot
from services.crawler.robots import MemoryRobotsCache, Robots, RobotsCache, RulesMemo
from services.crawler.settings import CrawlerSettings


@dataclass
class Deps:
    """What the handlers need, built once per worker process by bootstrap (or by a test)."""

    settings: CrawlerSettings
    fetcher: Fetcher
    archive: Archive
    robots_cache: RobotsCache
    limiter: HostLimiter
    sleep: Callable[[float], None] = field(default=time.sleep)
    robots_memo: RulesMemo = field(default_factory=RulesMemo)  # this process's copy, before robots_cache
    # news-search items' publisher URLs (or why none), shared like robots.txt answers (newssearch.py)
    resolved: RobotsCache = field(default_factory=MemoryRobotsCache)
    news_transport: httpx.BaseTransport | None = None  # a test's transport for the decoder; else guarded

    def close(self) -> None:
        """Give back the host slots still held; close the HTTP client's pooled connections."""
        try:
            self.limiter.settle()
        finally:
            self.fetcher.client.close()

    def robots(self) -> Robots:
        s = self.settings
        return Robots(
            self.robots_cache,
            self._robots_body,
            s.bot_name,
            s.robots_ttl_s,
            s.robots_error_ttl_s,
            self.robots_memo,
        )

    def _robots_body(self, url: str) -> bytes:
        return self.fetcher.get(url, kind="robots").body or b""


def get(
    deps: Deps,
    url: str,
    kind: Kind,
    *,
    delay_s: float | None = None,
    concurrency: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Response:
    """One polite GET: guard, robots.txt, the host's slot, then the fetcher (which guards every hop)."""
    s = deps.settings
    deps.fetcher.guard.check(url)
    robots = deps.robots()
    rules = robots.check(url)
    host = (urlsplit(url).hostname or "").lower()
    delay = host_delay(s.default_delay_s, delay_s, rules.delay(s.bot_name), s.max_delay_s)
    slots = concurrency or s.max_concurrency_per_host
    with polite_slot(deps.limiter, host, delay, slots, s.max_inline_wait_s, deps.sleep):
        try:
            return deps.fetcher.get(
                url, kind=kind, etag=etag, last_modified=last_modified, on_redirect=robots.check
            )
        except Retryable as exc:
            if exc.delay_s and exc.status in (429, 503):
                deps.limiter.back_off(host, exc.delay_s)
            raise


def fetch(command: FetchPage, deps: Deps) -> PageFetched | FetchFailed:
    """Step 4: fetch one page conditionally; archive its body; 304 gives a PageFetched without a key."""
    try:
        response = get(deps, command.url, "page", etag=command.etag, last_modified=command.last_modified)
    except FetchError as exc:
        return failure(command, exc.reason, exc.detail, exc.status)
    try:  # the body is stored before the event that names it is sent
        key = deps.archive.put(response.body) if response.body is not None else None
    except ArchiveUnavailable as exc:  # the page is fetched again on the retry: nothing is recorded missing
        raise Retryable("archive_unavailable", detail=str(exc)) from exc
    return PageFetched(
        url=command.url,
        final_url=response.final_url,
        status=response.status,
        archive_key=key,
        content_type=response.content_type,
        etag=response.etag,
        last_modified=response.last_modified,
        source=command.source,
        run_id=command.run_id,
        hints=command.hints,
    )


def failure(
    command: FetchPage, reason: str, detail: str = "", status: int | None = None, transient: bool = False
) -> FetchFailed:
    return FetchFailed(
        url=command.url,
        reason=reason,
        detail=detail[:500],
        status=status,
        transient=transient,
        source=command.source,
        run_id=command.run_id,
    )


def discover(source: SourceSpec, deps: Deps, run_id: int | None = None) -> UrlsDiscovered:
    """Step 2: read the source and the sitemaps it nests (up to a bound); report the URLs it lists.

    A failure of the source's own document is the event's error (Retryable if transient); a failing
    nested sitemap is skipped so the others still count.
    """
    s = deps.settings
    queue, done, seen = [source.url], set[str](), set[str]()
    found: list[DiscoveredUrl] = []
    unresolved: dict[str, Unresolved] = {}
    set_aside = 0
    while queue and len(done) <= s.max_sitemaps_per_source and len(found) < s.max_urls_per_source:
        url = queue.pop(0)
        if url in done:
            continue
        done.add(url)
        try:
            read = _read(source, url, deps, seen, s.max_urls_per_source - len(found))
        except (FetchError, DiscoveryError) as exc:
            if url == source.url:
                return UrlsDiscovered(source=source.name, run_id=run_id, error=_error(exc))
            continue
        except Retryable:
            if url == source.url:
                raise
            continue
        found.extend(read.urls)
        queue.extend(read.nested)
        unresolved.update((link, Unresolved(url=link, reason=why)) for link, why in read.unresolved)
        set_aside += read.set_aside
    return UrlsDiscovered(
        source=source.name,
        run_id=run_id,
        urls=tuple(found),
        unresolved=tuple(unresolved.values()),
        set_aside=set_aside,
    )


@dataclass(frozen=True)
class _Read:
    urls: tuple[DiscoveredUrl, ...]
    nested: tuple[str, ...]
    unresolved: list[tuple[str, str]]
    set_aside: int


def source_document(source: SourceSpec, url: str, deps: Deps, kind: Kind | None = None) -> Response:
    """One document of a source, fetched politely; a gdelt source's is its query on the GDELT endpoint,
    never more often than `gdelt_interval_s` (the shared per-host limit), one request at a time."""
    s = deps.settings
    if source.kind == "gdelt":
        delay = max(source.delay_s or 0.0, s.gdelt_interval_s)
        return get(deps, request_url(url, s.gdelt_url), "probe", delay_s=delay, concurrency=1)
    kind = kind or ("page" if source.kind == "listing" else "feed")
    return get(deps, url, kind, delay_s=source.delay_s, concurrency=source.max_concurrency)


def _read(source: SourceSpec, url: str, deps: Deps, seen: set[str], cap: int) -> _Read:
    response = source_document(source, url, deps)
    links, nested = discover_links(
        source.kind,
        response.body or b"",
        response.final_url,
        pattern=source.link_pattern,
        max_bytes=deps.settings.max_feed_bytes,
    )
    news = resolve_links(links, deps) if source.kind in ("rss", "atom") else Resolved(links, [])
    urls = select(
        news.links, pattern=source.link_pattern, outlet=source.outlet, lang=source.lang, cap=cap, seen=seen
    )
    return _Read(urls, nested, news.unresolved, news.set_aside)


def _error(exc: FetchError | DiscoveryError) -> str:
    return f"{exc.reason}: {exc.detail}"[:500] if exc.detail else exc.reason
