"""Fakes for the crawler's unit tests: a fixed resolver, MockTransport sites, in-memory deps."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx

from services.bus.archive import MemoryArchive
from services.crawler.fetcher import Fetcher, make_client
from services.crawler.guard import Guard
from services.crawler.handlers import Deps
from services.crawler.politeness import make_limiter
from services.crawler.robots import MemoryRobotsCache
from services.crawler.settings import CrawlerSettings

PUBLIC = "93.184.216.34"
ADDRESSES = {
    "news.example": [PUBLIC],
    "other.example": ["93.184.216.35"],
    "cdn.example": ["2606:2800:220:1:248:1893:25c8:1946"],
    "intranet.example": ["10.0.0.7"],
    "localhost": ["127.0.0.1", "::1"],
    "metadata.example": ["169.254.169.254"],
}

Handler = Callable[[httpx.Request], httpx.Response]


class Chunks(httpx.SyncByteStream):
    """A body streamed in small chunks, as a socket would give it (a bytes body is read at once)."""

    def __init__(self, body: bytes, size: int = 4096) -> None:
        self.body, self.size = body, size

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), self.size):
            yield self.body[start : start + self.size]


def respond(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> httpx.Response:
    return httpx.Response(status, headers=headers or {}, stream=Chunks(body))


def resolver(host: str, port: int) -> list[str]:
    if host in ADDRESSES:
        return ADDRESSES[host]
    if host.replace(".", "").isdigit() or ":" in host:
        return [host]
    return [PUBLIC]


def crawler_settings(**overrides: object) -> CrawlerSettings:
    values: dict[str, object] = {"default_delay_s": 0.0, "contact_url": "https://fm6ss.test/bot"}
    values.update(overrides)
    return CrawlerSettings.model_validate(values)


def make_fetcher(handler: Handler, **overrides: object) -> Fetcher:
    settings = crawler_settings(**overrides)
    guard = Guard(settings.allow_list, resolver=resolver)
    return Fetcher(make_client(settings, guard, httpx.MockTransport(handler)), guard, settings)


def make_deps(handler: Handler, **overrides: object) -> Deps:
    fetcher = make_fetcher(handler, **overrides)
    return Deps(
        settings=fetcher.settings,
        fetcher=fetcher,
        archive=MemoryArchive(),
        robots_cache=MemoryRobotsCache(),
        limiter=make_limiter(None, lease_s=60),
        sleep=lambda seconds: None,
    )
