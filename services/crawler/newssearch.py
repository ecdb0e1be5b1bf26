"""Step 2 for news-search feeds: an aggregator's item resolved to the publisher's URL before anything is
fetched, or set down as unresolvable with its reason; never fetched as if the aggregator's page were the
article.

- Google News: an item's link (`news.google.com/rss/articles/CBMi…`) is an opaque token whose page is a
  script interstitial. The maintained `googlenewsdecoder` turns it into the publisher's URL (one GET of
  the item's page for a signature, then one `batchexecute` POST for a batch). That costs requests Google
  throttles, so only items whose title (`Title - Publisher`) passes the family prefilter are decoded, at
  most `news_max_decodes` a discovery (the rest at the next: a discovery ends within the task's time
  limit at the host's pace), and each answer (a URL, or why there is none) is remembered
  (`Deps.resolved`) so an item is decoded once.
  The library's requests go through `PoliteTransport`: the crawler's guard, robots.txt and User-Agent,
  the shared per-host limits (raised to the Crawl-delay), and on HTTP 429 a back-off for the host and a
  retry after a growing wait. Google turning the client away (a 403, or a redirect to its "sorry" page)
  is throttling too: the items wait for the next discovery, never remembered as undecodable.
- Bing News: an item's link carries the publisher's URL in its `url=` parameter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

import httpx

from services.crawler.errors import FetchError, Retryable, retry_after
from services.crawler.fetcher import TRANSIENT
from services.crawler.links import Link
from services.crawler.politeness import host_delay, polite_slot
from services.crawler.transport import guarded_transport

if TYPE_CHECKING:
    from googlenewsdecoder import GoogleDecoder

    from services.crawler.handlers import Deps

Aggregator = Literal["google", "bing"]
GOOGLE_HOST = "news.google.com"
RESOLVED_TTL_S = 90 * 24 * 3600  # an item's publisher URL does not change
UNRESOLVED_TTL_S = 30 * 24 * 3600  # an item that could not be decoded is tried again after this
BATCH = 10  # items decoded with one batchexecute POST
_REFUSED = "!"  # a remembered answer that is a reason, not a URL


@dataclass(frozen=True)
class Resolved:
    links: list[Link]  # the feed's direct links, then the items resolved to their publisher's URL
    unresolved: list[tuple[str, str]]  # (item link, reason): recorded once, never fetched
    set_aside: int = 0  # items not resolved now: title fails the prefilter, or decoding deferred


def aggregator(url: str) -> Aggregator | None:
    """Which news search an item link comes from (None: a link to an article itself)."""
    if GOOGLE_HOST not in url and "bing.com" not in url.lower():  # most links: not parsed (a feed of
        return None  # 50,000 items: 1.5 s parsed, 0.06 s looked at)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host == GOOGLE_HOST and ("/articles/" in parts.path or "/read/" in parts.path):
        return "google"
    if (host == "bing.com" or host.endswith(".bing.com")) and parts.path.lower().startswith("/news/"):
        return "bing"
    return None


def bing_target(url: str) -> str | None:
    """The publisher's URL a Bing News link carries in `url=`, when it is an absolute http(s) URL."""
    values = parse_qs(urlsplit(url).query).get("url") or []
    target = values[0].strip() if values else ""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname or aggregator(target) is not None:
        return None
    return target


def without_publisher(title: str | None) -> str | None:
    """A Google News title without the " - Publisher" it ends with."""
    if not title or " - " not in title:
        return title
    return title.rsplit(" - ", 1)[0].strip() or title


def resolve_links(links: Sequence[Link], deps: Deps) -> Resolved:
    """The feed's links with every aggregator item replaced by its publisher's URL, or set down."""
    if not any(aggregator(link.url) for link in links):
        return Resolved(list(links), [])
    from services.bus.prefilter import packaged  # the family's names: only for a news-search feed

    out: list[Link] = []
    unresolved: list[tuple[str, str]] = []
    pending: list[Link] = []
    set_aside = 0
    for link in links:
        kind = aggregator(link.url)
        if kind is None:
            out.append(link)
        elif kind == "bing":
            target = bing_target(link.url)
            if target is None:
                unresolved.append((link.url, "news_unresolved: the Bing News link carries no url= to follow"))
            else:
                out.append(replace(link, url=target))
        elif not packaged().may_concern_family(link.title):
            set_aside += 1
        else:
            known = deps.resolved.get(_key(link.url))
            if known is None:
                pending.append(link)
            elif not known.startswith(_REFUSED):
                out.append(replace(link, url=known, title=without_publisher(link.title)))
            # an item remembered as unresolvable was recorded when it was first tried
    if len(pending) > deps.settings.news_max_decodes:  # the rest wait: a discovery stays within its time
        set_aside += len(pending) - deps.settings.news_max_decodes
        pending = pending[: deps.settings.news_max_decodes]
    if pending:
        decoded, refused, deferred = _decode_google(pending, deps)
        out.extend(decoded)
        unresolved.extend(refused)
        set_aside += deferred
    return Resolved(out, unresolved, set_aside)


def _decode_google(pending: list[Link], deps: Deps) -> tuple[list[Link], list[tuple[str, str]], int]:
    """Decoded items, refused items with their reason, and how many were left for the next discovery
    (the aggregator throttled or could not be reached: nothing is remembered for those)."""
    decoder = google_decoder(deps)
    decoded: list[Link] = []
    refused: list[tuple[str, str]] = []
    try:
        for start in range(0, len(pending), BATCH):
            batch = pending[start : start + BATCH]
            try:
                answers = decoder.decode_google_news_urls([link.url for link in batch])
            except Retryable:
                return decoded, refused, len(pending) - start
            except FetchError as exc:
                answers = [{"success": False, "message": str(exc)}] * len(batch)
            for link, answer in zip(batch, answers, strict=True):
                target = answer.get("decoded_url") if answer.get("success") else None
                if isinstance(target, str) and _publisher_url(target):
                    deps.resolved.set(_key(link.url), target, RESOLVED_TTL_S)
                    decoded.append(replace(link, url=target, title=without_publisher(link.title)))
                else:
                    why = answer.get("message") or f"not a publisher's URL: {str(target)[:200]}"
                    reason = f"news_unresolved: Google News item not decoded: {why}"[:500]
                    deps.resolved.set(_key(link.url), _REFUSED + reason, UNRESOLVED_TTL_S)
                    refused.append((link.url, reason))
    finally:
        decoder.close()
    return decoded, refused, 0


def _publisher_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and aggregator(url) is None


def _key(url: str) -> str:
    return "gnews:" + hashlib.sha256(url.encode()).hexdigest()[:32]


def google_decoder(deps: Deps) -> GoogleDecoder:
    """The library's decoder, its HTTP client replaced by one that goes through `PoliteTransport`."""
    from googlenewsdecoder import GoogleDecoder  # pinned; only when a Google News item is decoded

    s = deps.settings
    decoder = GoogleDecoder(timeout=s.read_timeout_s)
    decoder.client.close()
    decoder.client = httpx.Client(
        transport=PoliteTransport(deps, deps.news_transport or guarded_transport(deps.fetcher.guard)),
        timeout=httpx.Timeout(s.read_timeout_s, connect=s.connect_timeout_s),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": s.user_agent},
    )
    return decoder


def _blocked(request: httpx.Request, response: httpx.Response) -> str | None:
    """Why an answer is Google refusing the client rather than answering about the item: a 403, or a
    redirect to its "sorry" page or off its own host (the decoder follows only news.google.com's own
    hops). Told apart so that throttling is never remembered as an undecodable item."""
    if response.status_code == 403:
        return "news_blocked: http_403"
    if not response.is_redirect:
        return None
    target = urlsplit(urljoin(str(request.url), response.headers.get("location", "")))
    host = (target.hostname or "").lower()
    if target.path.startswith("/sorry") or host not in (GOOGLE_HOST, (request.url.host or "").lower()):
        return f"news_blocked: redirect to {host}{target.path}"[:200]
    return None


class PoliteTransport(httpx.BaseTransport):
    """A library's requests made as the crawler's own are: to `google_news_url` for Google's host (the
    tests' local server), through the SSRF guard and robots.txt (a disallowed path is a FetchError), one
    host slot at a time with the host's delay (raised to its Crawl-delay), a body capped like a page's;
    HTTP 429 (and the other transient statuses) backs the host off and is retried after a growing wait;
    a 403 or a redirect to Google's "sorry" page (or off its host) backs the host off at once; Retryable
    when the tries are spent, the client is turned away or the host cannot be reached, which the
    library does not catch, so the caller leaves the items for the next discovery instead of calling
    them undecodable."""

    def __init__(self, deps: Deps, inner: httpx.BaseTransport) -> None:
        self.deps, self.inner = deps, inner
        base = urlsplit(deps.settings.google_news_url)
        self.base = (base.scheme, base.netloc)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        s, deps = self.deps.settings, self.deps
        if request.url.host == GOOGLE_HOST:
            parts = urlsplit(str(request.url))
            request.url = httpx.URL(urlunsplit((*self.base, parts.path, parts.query, "")))
            request.headers["Host"] = self.base[1]
        url = str(request.url)
        deps.fetcher.guard.check(url)
        rules = deps.robots().check(url)  # FetchError("robots_disallowed"), or Retryable if unreachable
        host = (request.url.host or "").lower()
        delay = host_delay(s.default_delay_s, None, rules.delay(s.bot_name), s.max_delay_s)
        wait = 0.0
        for attempt in range(s.news_retries + 1):
            with polite_slot(
                deps.limiter, host, delay, s.max_concurrency_per_host, s.max_inline_wait_s, deps.sleep
            ):
                try:
                    response = self.inner.handle_request(request)
                except httpx.TransportError as exc:  # the library would call it a failed item: it is not
                    raise Retryable("connection_error", detail=f"{host}: {type(exc).__name__}") from None
                body = self._body(response)
            blocked = _blocked(request, response)
            if blocked:  # Google turning the client away says nothing of the item: not asked again now
                wait = max(retry_after(response.headers.get("retry-after")) or 0.0, s.news_backoff_s)
                deps.limiter.back_off(host, wait)
                raise Retryable(blocked, delay_s=wait, status=response.status_code, detail=host)
            if response.status_code not in TRANSIENT:
                return httpx.Response(response.status_code, headers=response.headers, content=body)
            wait = max(retry_after(response.headers.get("retry-after")) or 0.0, s.news_backoff_s * 2**attempt)
            deps.limiter.back_off(host, wait)
            if attempt == s.news_retries or wait > s.max_inline_wait_s:
                break
            deps.sleep(wait)
        status = response.status_code
        raise Retryable(f"http_{status}", delay_s=wait, status=status, detail=f"{host}: {attempt + 1} tries")

    def _body(self, response: httpx.Response) -> bytes:
        cap, parts, size = self.deps.settings.max_page_bytes, [], 0
        try:
            for chunk in response.iter_raw():
                size += len(chunk)
                if size > cap:
                    raise FetchError("too_large", f"more than {cap} bytes from the news aggregator")
                parts.append(chunk)
        finally:
            response.close()
        return b"".join(parts)

    def close(self) -> None:
        self.inner.close()
