"""robots.txt for steps 2 and 4: fetched once per origin, cached (in memory or in Redis, with a TTL).

A 4xx means no rules (allow all); a 5xx or a timeout means "unreachable": everything waits a while.
In front of the shared cache, each process keeps the answers it read for `LOCAL_TTL_S` (`RulesMemo`), so
a batch of pages of one host asks Redis once rather than once a page: a new robots.txt (or a host that
becomes reachable again) is seen by a worker at most that much later than through the shared cache.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from protego import Protego

from services.crawler.errors import FetchError, Retryable

State = Literal["rules", "allow_all", "unreachable"]
RobotsFetch = Callable[[str], bytes]  # robots.txt URL -> body; raises FetchError or Retryable
LOCAL_TTL_S = 30.0  # how long a process trusts the answer it read from the shared cache
# Refusals that mean "there is no usable robots.txt" rather than "the host is down".
_MISSING = ("too_many_redirects", "redirect_loop", "unexpected_content_type", "too_large")


class RobotsCache(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl_s: int) -> None: ...


class MemoryRobotsCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._items: dict[str, tuple[float, str]] = {}

    def get(self, key: str) -> str | None:
        item = self._items.get(key)
        if item is None or item[0] <= self.clock():
            self._items.pop(key, None)
            return None
        return item[1]

    def set(self, key: str, value: str, ttl_s: int) -> None:
        self._items[key] = (self.clock() + ttl_s, value)


class RedisRobotsCache:
    """Shared by every worker; losing it only means fetching robots.txt again."""

    def __init__(self, client: Any, prefix: str = "fm6ss:crawler:robots:") -> None:
        self.client = client
        self.prefix = prefix

    def get(self, key: str) -> str | None:
        value = self.client.get(self.prefix + key)
        return value.decode() if isinstance(value, bytes) else value

    def set(self, key: str, value: str, ttl_s: int) -> None:
        self.client.set(self.prefix + key, value, ex=ttl_s)


@dataclass(frozen=True)
class RobotsRules:
    state: State
    text: str = ""
    retry_s: float = 0.0

    def allows(self, url: str, agent: str) -> bool:
        return self.state == "allow_all" or (
            self.state == "rules" and _parse(self.text).can_fetch(url, agent)
        )

    def delay(self, agent: str) -> float | None:
        """Seconds between requests the site asks for (Crawl-delay or Request-rate), if any."""
        if self.state != "rules":
            return None
        rules = _parse(self.text)
        delays = [float(rules.crawl_delay(agent) or 0)]
        rate = rules.request_rate(agent)
        if rate is not None and rate.requests:
            delays.append(rate.seconds / rate.requests)
        return max(delays) or None


class RulesMemo:
    """This process's copy of recent answers (parsed), each kept `ttl_s` at most; an in-process front
    for the shared cache, never its replacement."""

    def __init__(
        self, ttl_s: float = LOCAL_TTL_S, clock: Callable[[], float] = time.monotonic, max_items: int = 4096
    ) -> None:
        self.ttl_s, self.clock, self.max_items = ttl_s, clock, max_items
        self._items: dict[str, tuple[float, RobotsRules]] = {}

    def get(self, origin: str) -> RobotsRules | None:
        item = self._items.get(origin)
        if item is None:
            return None
        if item[0] <= self.clock():
            del self._items[origin]
            return None
        return item[1]

    def put(self, origin: str, rules: RobotsRules, ttl_s: float) -> None:
        ttl = min(self.ttl_s, ttl_s)
        if ttl <= 0:
            return
        if len(self._items) >= self.max_items:
            self._items.clear()
        self._items[origin] = (self.clock() + ttl, rules)


@lru_cache(maxsize=256)
def _parse(text: str) -> Protego:
    return Protego.parse(text)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


class Robots:
    def __init__(
        self,
        cache: RobotsCache,
        fetch: RobotsFetch,
        agent: str,
        ttl_s: int,
        error_ttl_s: int,
        memo: RulesMemo | None = None,
    ) -> None:
        self.cache, self.fetch, self.agent = cache, fetch, agent
        self.ttl_s, self.error_ttl_s = ttl_s, error_ttl_s
        self.memo = memo

    def rules(self, url: str) -> RobotsRules:
        origin = origin_of(url)
        if self.memo is not None and (known := self.memo.get(origin)) is not None:
            return known
        cached = self.cache.get(origin)
        if cached is not None:
            rules = RobotsRules(**json.loads(cached))
        else:
            rules = self._load(origin + "/robots.txt")
            self.cache.set(origin, json.dumps(rules.__dict__), self._ttl(rules))
        if self.memo is not None:
            self.memo.put(origin, rules, self._ttl(rules))
        return rules

    def _ttl(self, rules: RobotsRules) -> int:
        return self.error_ttl_s if rules.state == "unreachable" else self.ttl_s

    def _load(self, robots_url: str) -> RobotsRules:
        try:
            body = self.fetch(robots_url)
        except Retryable:
            return RobotsRules("unreachable", retry_s=float(self.error_ttl_s))
        except FetchError as exc:
            missing = (exc.status is not None and 400 <= exc.status < 500) or exc.reason in _MISSING
            return (
                RobotsRules("allow_all") if missing else RobotsRules("unreachable", retry_s=self.error_ttl_s)
            )
        return RobotsRules("rules", body.decode("utf-8", errors="replace"))

    def check(self, url: str) -> RobotsRules:
        """The host's rules if `url` may be fetched; otherwise FetchError or, while unreachable, Retryable."""
        rules = self.rules(url)
        if rules.state == "unreachable":
            raise Retryable("robots_unreachable", delay_s=rules.retry_s, detail=origin_of(url))
        if not rules.allows(url, self.agent):
            raise FetchError("robots_disallowed", url[:200])
        return rules
