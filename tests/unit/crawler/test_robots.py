import json

import pytest

from services.crawler.errors import FetchError, Retryable
from services.crawler.robots import LOCAL_TTL_S, MemoryRobotsCache, RedisRobotsCache, Robots, RulesMemo

ROBOTS = b"""User-agent: *
Disallow: /private/
Crawl-delay: 5

User-agent: BadBot
Disallow: /
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeRedis:
    def __init__(self) -> None:
        self.data: dict[str, tuple[bytes, int]] = {}
        self.reads = 0

    def get(self, key):
        self.reads += 1
        item = self.data.get(key)
        return item[0] if item else None

    def set(self, key, value, ex):
        self.data[key] = (value.encode(), ex)


def robots_serving(answer, cache=None, calls=None):
    def fetch(url):
        if calls is not None:
            calls.append(url)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return Robots(cache or MemoryRobotsCache(), fetch, "FM6SS-Watch", ttl_s=3600, error_ttl_s=600)


def test_allow_disallow_and_crawl_delay():
    robots = robots_serving(ROBOTS)
    rules = robots.check("https://news.example/2025/article")
    assert rules.delay("FM6SS-Watch") == 5.0
    with pytest.raises(FetchError) as caught:
        robots.check("https://news.example/private/x")
    assert caught.value.reason == "robots_disallowed"
    assert not rules.allows("https://news.example/", "BadBot")


def test_rules_are_fetched_once_per_origin_and_expire():
    calls: list[str] = []
    clock = Clock()
    robots = robots_serving(ROBOTS, MemoryRobotsCache(clock), calls)
    robots.check("https://news.example/a")
    robots.check("https://NEWS.example:443/b")
    robots.check("http://news.example/c")
    assert calls == ["https://news.example:443/robots.txt", "http://news.example:80/robots.txt"]
    clock.now += 3601
    robots.check("https://news.example/a")
    assert len(calls) == 3


def test_4xx_allows_everything():
    robots = robots_serving(FetchError("http_404", status=404))
    assert robots.check("https://news.example/private/x").state == "allow_all"
    assert robots.rules("https://news.example/").delay("FM6SS-Watch") is None


def test_5xx_or_timeout_disallows_for_a_while():
    cache = FakeRedis()
    robots = Robots(
        RedisRobotsCache(cache), _raise(Retryable("http_503", status=503)), "FM6SS-Watch", 3600, 600
    )
    with pytest.raises(Retryable) as caught:
        robots.check("https://news.example/a")
    assert caught.value.reason == "robots_unreachable" and caught.value.delay_s == 600
    ((key, (_, ttl)),) = cache.data.items()
    assert key == "fm6ss:crawler:robots:https://news.example:443" and ttl == 600
    with pytest.raises(Retryable):
        robots_serving(FetchError("dns_error")).check("https://news.example/a")


def test_redis_cache_round_trip():
    cache = FakeRedis()
    first = Robots(RedisRobotsCache(cache), lambda url: ROBOTS, "FM6SS-Watch", 3600, 600)
    first.check("https://news.example/a")
    second = Robots(
        RedisRobotsCache(cache), _raise(AssertionError("fetched again")), "FM6SS-Watch", 3600, 600
    )
    assert second.rules("https://news.example/a").delay("FM6SS-Watch") == 5.0


def test_a_process_reads_the_shared_cache_once_per_local_ttl():
    shared, clock = FakeRedis(), Clock()
    memo = RulesMemo(clock=clock)
    robots = Robots(RedisRobotsCache(shared), lambda url: ROBOTS, "FM6SS-Watch", 3600, 600, memo)
    for page in range(20):
        robots.check(f"https://news.example/{page}")
    assert shared.reads == 1  # the first page; the others use this process's copy
    disallow_all = json.dumps({"state": "rules", "text": "User-agent: *\nDisallow: /\n"})
    RedisRobotsCache(shared).set("https://news.example:443", disallow_all, 3600)  # another worker's fetch
    robots.check("https://news.example/still-allowed")  # a change is seen only when the copy expires...
    clock.now += LOCAL_TTL_S
    with pytest.raises(FetchError):  # ...then the shared cache is read again
        robots.check("https://news.example/now-disallowed")
    assert shared.reads == 2


def test_the_local_copy_of_an_unreachable_host_lasts_no_longer_than_its_shared_entry():
    clock = Clock()
    memo = RulesMemo(ttl_s=120, clock=clock)
    answers: list[object] = [Retryable("http_503", status=503), ROBOTS]

    def fetch(url):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    robots = Robots(MemoryRobotsCache(clock), fetch, "FM6SS-Watch", 3600, 10, memo)
    with pytest.raises(Retryable):
        robots.check("https://news.example/a")
    clock.now += 10
    assert robots.check("https://news.example/a").state == "rules"
    assert answers == []


def test_no_local_copy_when_its_ttl_is_zero():
    shared = FakeRedis()
    robots = Robots(RedisRobotsCache(shared), lambda url: ROBOTS, "FM6SS-Watch", 3600, 600, RulesMemo(0))
    robots.check("https://news.example/a")
    robots.check("https://news.example/b")
    assert shared.reads == 2


def _raise(exc):
    def fetch(url):
        raise exc

    return fetch
