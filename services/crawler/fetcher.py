"""The crawler's one HTTP client (steps 2 and 4): polite, bounded, guarded, and tested without sockets.

Redirects are followed here, one hop at a time, so the SSRF guard (and robots.txt) see every hop.
Failures come out classified: Retryable (transient) or FetchError (permanent, with a reason code).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from http.cookiejar import Cookie, DefaultCookiePolicy
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from services.crawler.bodies import BadEncoding, BoundedDecoder, TooLarge
from services.crawler.errors import FetchError, Retryable, retry_after
from services.crawler.guard import Guard
from services.crawler.settings import CrawlerSettings
from services.crawler.transport import guarded_transport, read_deadline

Kind = Literal["page", "feed", "robots", "probe"]
REDIRECTS = frozenset({301, 302, 303, 307, 308})
TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
CREDENTIALS = ("authorization", "proxy-authorization", "cookie")
ACCEPTED: dict[Kind, tuple[str, ...]] = {
    "page": ("text/html", "application/xhtml+xml"),
    "feed": (
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/gzip",
        "application/x-gzip",
        "application/octet-stream",
        "text/plain",
    ),
    "robots": (),  # anything: robots.txt is often served with a wrong type
    "probe": (),  # anything: `fm6ss sources check` wants to see what a source really answers
}
ACCEPT: dict[Kind, str] = {
    "page": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
    "robots": "text/plain,*/*;q=0.1",
    "probe": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
}


@dataclass(frozen=True)
class Response:
    url: str
    final_url: str
    status: int
    body: bytes | None  # None on 304 Not Modified; otherwise decoded from any Content-Encoding
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class _Redirect:
    location: str


class _NoCookies(DefaultCookiePolicy):
    """The crawler keeps no cookies, so none can follow it to another host."""

    def set_ok(self, cookie: Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Cookie, request: Any) -> bool:
        return False


def make_client(
    settings: CrawlerSettings, guard: Guard, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The client; without a test transport, its sockets only ever reach addresses the guard vetted."""
    timeout = httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s)
    client = httpx.Client(
        transport=transport or guarded_transport(guard),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
    )
    client.cookies.jar.set_policy(_NoCookies())
    return client


class Fetcher:
    def __init__(
        self,
        client: httpx.Client,
        guard: Guard,
        settings: CrawlerSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.guard, self.settings, self.clock = client, guard, settings, clock

    def get(
        self,
        url: str,
        *,
        kind: Kind,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
        on_redirect: Callable[[str], object] | None = None,
    ) -> Response:
        """GET `url`, following at most `max_redirects` redirects; `on_redirect` vets each new hop."""
        sent = {"Accept": ACCEPT[kind], **(headers or {})}
        if etag:
            sent["If-None-Match"] = etag
        if last_modified:
            sent["If-Modified-Since"] = last_modified
        visited: set[str] = set()
        current = url
        for hop in range(self.settings.max_redirects + 1):
            self.guard.check(current)
            if hop and on_redirect is not None:
                on_redirect(current)
            visited.add(current)
            outcome = self._request(current, sent, kind)
            if isinstance(outcome, Response):
                return replace(outcome, url=url)
            try:
                target = urljoin(current, outcome.location.strip())
            except ValueError:
                raise FetchError("bad_redirect", f"{current} -> {outcome.location[:200]!r}") from None
            if target in visited:
                raise FetchError("redirect_loop", f"{current} -> {target}", status=None)
            target, sent = _forwardable(current, target, sent)
            current = target
        raise FetchError("too_many_redirects", f"more than {self.settings.max_redirects} from {url}")

    def _request(self, url: str, headers: dict[str, str], kind: Kind) -> Response | _Redirect:
        try:
            request = self.client.build_request("GET", url, headers=headers)
        except httpx.InvalidURL as exc:
            raise FetchError("bad_url", f"{url}: {exc}") from None
        try:
            with read_deadline(self.settings.total_timeout_s, self.clock):
                resp = self.client.send(request, stream=True)
                try:
                    return self._handle(url, resp, kind)
                finally:
                    resp.close()
        except httpx.TimeoutException as exc:
            raise Retryable("timeout", detail=f"{url}: {type(exc).__name__}") from None
        except httpx.InvalidURL as exc:
            # the request's own URL was read above: httpx read a redirect's Location (e.g. "javascript:")
            raise FetchError("bad_redirect", f"{url}: Location not followed: {exc}") from None
        except httpx.UnsupportedProtocol as exc:
            raise FetchError("bad_url", f"{url}: {exc}") from None
        except httpx.RemoteProtocolError as exc:
            # httpx reads a redirect's Location even when not following it; a broken one is the page's fault
            if "location header" in str(exc):
                raise FetchError("bad_redirect", f"{url}: {exc}") from None
            raise Retryable("connection_error", detail=f"{url}: {type(exc).__name__}: {exc}") from None
        except httpx.TransportError as exc:
            raise Retryable("connection_error", detail=f"{url}: {type(exc).__name__}: {exc}") from None

    def _handle(self, url: str, resp: httpx.Response, kind: Kind) -> Response | _Redirect:
        status = resp.status_code
        if status in REDIRECTS:
            location = resp.headers.get("location")
            if not location:
                raise FetchError("bad_redirect", f"{status} without Location", status=status)
            return _Redirect(location)
        if status == 304:
            return self._response(url, resp, None)
        _classify(status, resp.headers)
        content_type = _media_type(resp.headers.get("content-type"))
        accepted = ACCEPTED[kind]
        if accepted and content_type and content_type not in accepted:
            reason = "not_html" if kind == "page" else "unexpected_content_type"
            raise FetchError(reason, content_type, status=status)
        return self._response(url, resp, self._read(resp, kind))

    def _read(self, resp: httpx.Response, kind: Kind) -> bytes:
        cap = {
            "page": self.settings.max_page_bytes,
            "feed": self.settings.max_feed_bytes,
            "robots": self.settings.max_robots_bytes,
            "probe": self.settings.max_feed_bytes,
        }[kind]
        deadline = self.clock() + self.settings.total_timeout_s
        try:
            decoder = BoundedDecoder(resp.headers.get("content-encoding", "identity"), cap)
            parts = []
            for chunk in resp.iter_raw():
                parts.append(decoder.feed(chunk))
                if self.clock() > deadline:
                    raise Retryable("timeout", detail=f"body not read in {self.settings.total_timeout_s}s")
            decoder.finish()
        except TooLarge as exc:
            raise FetchError("too_large", str(exc), status=resp.status_code) from None
        except BadEncoding as exc:
            raise FetchError("bad_encoding", str(exc), status=resp.status_code) from None
        return b"".join(parts)

    def _response(self, url: str, resp: httpx.Response, body: bytes | None) -> Response:
        return Response(
            url=url,
            final_url=url,
            status=resp.status_code,
            body=body,
            content_type=resp.headers.get("content-type"),
            etag=resp.headers.get("etag"),
            last_modified=resp.headers.get("last-modified"),
        )


def _classify(status: int, headers: httpx.Headers) -> None:
    """Raise for anything but a 2xx: Retryable for transient statuses, FetchError for the rest."""
    if 200 <= status < 300:
        return
    if status in TRANSIENT:
        delay = retry_after(headers.get("retry-after"))
        raise Retryable(f"http_{status}", delay_s=delay, status=status)
    raise FetchError(f"http_{status}", status=status)


def _media_type(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _forwardable(current: str, target: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Credentials (headers, userinfo) never travel to another origin, nor from https to http."""
    if _origin(current) == _origin(target):
        return target, headers
    kept = {k: v for k, v in headers.items() if k.lower() not in CREDENTIALS}
    parts = urlsplit(target)
    if parts.username is not None or parts.password is not None:
        netloc = parts.netloc.rsplit("@", 1)[1]
        target = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return target, kept
