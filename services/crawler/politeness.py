"""Per-host politeness for steps 2 and 4, shared by every worker through the `limits` storage.

A delay between two requests to a host (the source's, or the default, raised to robots.txt's
Crawl-delay), a cap on concurrent requests per host, and a pause after 429/503 Retry-After.
On Redis, the back-off check and the slot count are one Lua script (one round trip, atomic); a slot
given back travels with the next one taken, or with `settle()`, which every crawler task calls when it
ends; the delay stays `limits`' moving window, asked only when the host has a delay.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from services.crawler.errors import Retryable


class HostLimiter(Protocol):
    def acquire(self, host: str, delay_s: float, concurrency: int) -> float:
        """0.0 when a request to `host` may start now (release it after), else seconds to wait."""
        ...

    def release(self, host: str) -> None: ...

    def settle(self) -> None:
        """Send the releases put off until now (the end of a task)."""
        ...

    def back_off(self, host: str, seconds: float) -> None:
        """No request to `host` before `seconds` from now (a server's Retry-After)."""
        ...


def host_delay(default_s: float, source_s: float | None, robots_s: float | None, cap_s: float) -> float:
    """The source's delay (or the default), raised to the site's Crawl-delay capped at `cap_s`."""
    base = default_s if source_s is None else source_s
    return max(base, min(robots_s or 0.0, cap_s))


class LimitsHostLimiter:
    """Delay: a moving window of one hit per delay; concurrency: a counter whose lease expires."""

    def __init__(self, storage: Any, lease_s: int, clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self.window = MovingWindowRateLimiter(storage)
        self.lease_s = lease_s
        self.clock = clock

    def acquire(self, host: str, delay_s: float, concurrency: int) -> float:
        wait = self._take_slot(host, delay_s, concurrency)
        if wait > 0 or delay_s <= 0:
            return wait
        # limits counts whole seconds: a delay of 1.5 s is kept as 2 s.
        item = RateLimitItemPerSecond(1, max(1, math.ceil(delay_s)))
        if self.window.hit(item, "delay", host):
            return 0.0
        self._untake(host)
        reset = self.window.get_window_stats(item, "delay", host).reset_time
        return max(reset - self.clock(), 0.05)

    def release(self, host: str) -> None:
        if self.storage.incr(f"busy/{host}", self.lease_s, -1) < 0:
            self.storage.clear(f"busy/{host}")

    def settle(self) -> None:
        pass

    def _untake(self, host: str) -> None:
        """Give back at once a slot just taken that cannot be used (the caller is going to wait)."""
        self.release(host)

    def back_off(self, host: str, seconds: float) -> None:
        if seconds <= 0:
            return
        self.storage.clear(f"backoff/{host}")
        self.storage.incr(f"backoff/{host}", max(1, math.ceil(seconds)), 1)

    def _take_slot(self, host: str, delay_s: float, concurrency: int) -> float:
        """0.0 with one of the host's `concurrency` slots taken, else seconds to wait."""
        blocked = self._blocked_for(host)
        if blocked > 0:
            return blocked
        if self.storage.incr(f"busy/{host}", self.lease_s, 1) > concurrency:
            self.release(host)
            return _full_wait(delay_s)
        return 0.0

    def _blocked_for(self, host: str) -> float:
        if self.storage.get(f"backoff/{host}") <= 0:
            return 0.0
        return max(float(self.storage.get_expiry(f"backoff/{host}")) - self.clock(), 0.05)


def _full_wait(delay_s: float) -> float:
    return max(min(delay_s, 1.0), 0.2)


# KEYS: back-off, busy counter, then busy counters to give one slot back to first; ARGV: lease (s),
# concurrency. The same keys and rules as the storage's own get / incr (expiry set when the counter goes
# from 0 to 1) / clear below zero, in one round trip.
_TAKE_SLOT = b"""
for i = 3, #KEYS do
    if redis.call('incrby', KEYS[i], -1) < 0 then
        redis.call('del', KEYS[i])
    end
end
if tonumber(redis.call('get', KEYS[1]) or '0') > 0 then
    return {1, redis.call('pttl', KEYS[1])}
end
local busy = redis.call('incrby', KEYS[2], 1)
if busy == 1 then
    redis.call('expire', KEYS[2], ARGV[1])
end
if busy > tonumber(ARGV[2]) then
    if redis.call('incrby', KEYS[2], -1) < 0 then
        redis.call('del', KEYS[2])
    end
    return {2, 0}
end
return {0, 0}
"""
_RELEASE = b"""
for i = 1, #KEYS do
    if redis.call('incrby', KEYS[i], -1) < 0 then
        redis.call('del', KEYS[i])
    end
end
return 0
"""


class RedisHostLimiter(LimitsHostLimiter):
    """LimitsHostLimiter on Redis, in one round trip a request: taking a slot checks the back-off and
    gives back the slots released since the last call; `settle()` sends what is left (a task's end)."""

    def __init__(self, storage: RedisStorage, lease_s: int, clock: Callable[[], float] = time.time) -> None:
        super().__init__(storage, lease_s, clock)
        client = storage.get_connection()
        self._take = client.register_script(_TAKE_SLOT)
        self._give_back = client.register_script(_RELEASE)
        self._released: list[str] = []  # busy counters to decrement, not sent yet
        self._lock = threading.Lock()

    def _take_slot(self, host: str, delay_s: float, concurrency: int) -> float:
        keys = [self.storage.prefixed_key(f"backoff/{host}"), self.storage.prefixed_key(f"busy/{host}")]
        released = self._drain()
        try:
            outcome, left_ms = self._take([*keys, *released], [self.lease_s, concurrency])
        except BaseException:
            self._keep(released)
            raise
        if outcome == 1:  # backing off; no expiry (-1) is read as "soon", as the storage's get_expiry does
            return max(int(left_ms) / 1000, 0.05)
        if outcome == 2:
            return _full_wait(delay_s)
        return 0.0

    def release(self, host: str) -> None:
        with self._lock:
            self._released.append(self.storage.prefixed_key(f"busy/{host}"))

    def settle(self) -> None:
        released = self._drain()
        if not released:
            return
        try:
            self._give_back(released)
        except BaseException:
            self._keep(released)
            raise

    def _untake(self, host: str) -> None:
        self.release(host)
        self.settle()

    def _drain(self) -> list[str]:
        with self._lock:
            released, self._released = self._released, []
        return released

    def _keep(self, released: list[str]) -> None:
        """Not sent (Redis failed): kept for the next call."""
        with self._lock:
            self._released[:0] = released


def make_limiter(redis_url: str | None, lease_s: int) -> LimitsHostLimiter:
    """Redis storage when a Redis URL is configured (shared by every worker), memory otherwise."""
    if redis_url:
        storage = storage_from_string(redis_url, key_prefix="fm6ss:crawler:limits")
        if isinstance(storage, RedisStorage):
            return RedisHostLimiter(storage, lease_s)
        return LimitsHostLimiter(storage, lease_s)
    return LimitsHostLimiter(storage_from_string("memory://"), lease_s)


@contextmanager
def polite_slot(
    limiter: HostLimiter,
    host: str,
    delay_s: float,
    concurrency: int,
    max_wait_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold a request slot for `host`; short waits sleep here, longer ones retry the task later."""
    waited = 0.0
    while (wait := limiter.acquire(host, delay_s, concurrency)) > 0:
        if waited + wait > max_wait_s:
            raise Retryable("host_busy", delay_s=wait, detail=host)
        sleep(wait)
        waited += wait
    try:
        yield
    finally:
        limiter.release(host)
