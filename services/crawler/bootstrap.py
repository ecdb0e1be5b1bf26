"""The crawler's composition root: builds its Deps once per worker process, on first use.

Nothing connects at import; a prefork child builds its own (the pid is checked) after the fork.
"""

from __future__ import annotations

import os

import httpx
import redis

from services.bus import runtime
from services.bus.archive import open_archive
from services.bus.settings import Settings
from services.crawler.fetcher import Fetcher, make_client
from services.crawler.guard import Guard
from services.crawler.handlers import Deps
from services.crawler.politeness import make_limiter
from services.crawler.robots import MemoryRobotsCache, RedisRobotsCache, RobotsCache
from services.crawler.settings import CrawlerSettings

_built: tuple[int, Deps] | None = None


def build(settings: CrawlerSettings, bus: Settings, transport: httpx.BaseTransport | None = None) -> Deps:
    """Redis (robots cache, rate limits) when the bus has a Redis URL; in-process otherwise."""
    client = redis.Redis.from_url(bus.redis) if bus.redis else None
    robots_cache: RobotsCache = RedisRobotsCache(client) if client else MemoryRobotsCache()
    resolved: RobotsCache = (
        RedisRobotsCache(client, prefix="fm6ss:crawler:resolved:") if client else MemoryRobotsCache()
    )
    guard = Guard(settings.allow_list)
    return Deps(
        settings=settings,
        fetcher=Fetcher(make_client(settings, guard, transport), guard, settings),
        archive=open_archive(bus),
        robots_cache=robots_cache,
        limiter=make_limiter(bus.redis, lease_s=bus.task_time_limit_s),
        resolved=resolved,
    )


def configure(deps: Deps | None) -> None:
    """Use these Deps in this process (tests, the CLI); None closes and forgets the current ones."""
    global _built
    if deps is None and _built is not None and _built[0] == os.getpid():
        _built[1].close()
    _built = (os.getpid(), deps) if deps is not None else None


def deps() -> Deps:
    global _built
    if _built is None or _built[0] != os.getpid():
        _built = (os.getpid(), build(CrawlerSettings(), runtime.settings()))
    return _built[1]
