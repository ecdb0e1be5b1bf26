import pytest

from services.crawler.errors import Retryable
from services.crawler.politeness import host_delay, make_limiter, polite_slot


def test_host_delay():
    assert host_delay(2.0, None, None, 60) == 2.0
    assert host_delay(2.0, 0.5, None, 60) == 0.5  # the source overrides the default
    assert host_delay(2.0, None, 10.0, 60) == 10.0  # robots.txt Crawl-delay is honoured
    assert host_delay(2.0, 5.0, 3600.0, 60) == 60  # ...up to a cap
    assert host_delay(2.0, 90.0, 10.0, 60) == 90.0


def test_delay_between_requests_to_one_host():
    limiter = make_limiter(None, lease_s=60)
    assert limiter.acquire("news.example", 3.0, 2) == 0.0
    limiter.release("news.example")
    wait = limiter.acquire("news.example", 3.0, 2)
    assert 2.0 < wait <= 3.0
    assert limiter.acquire("other.example", 3.0, 2) == 0.0


def test_concurrency_per_host():
    limiter = make_limiter(None, lease_s=60)
    assert limiter.acquire("news.example", 0, 2) == 0.0
    assert limiter.acquire("news.example", 0, 2) == 0.0
    assert limiter.acquire("news.example", 0, 2) > 0
    limiter.release("news.example")
    assert limiter.acquire("news.example", 0, 2) == 0.0


def test_retry_after_blocks_the_host():
    limiter = make_limiter(None, lease_s=60)
    limiter.back_off("news.example", 120)
    assert 100 < limiter.acquire("news.example", 0, 2) <= 120
    assert limiter.acquire("other.example", 0, 2) == 0.0


def test_polite_slot_sleeps_short_waits_and_defers_long_ones():
    limiter = make_limiter(None, lease_s=60)
    slept: list[float] = []
    with polite_slot(limiter, "news.example", 0, 1, max_wait_s=10, sleep=slept.append):
        pass
    limiter.back_off("news.example", 1)

    def sleep(seconds: float) -> None:  # time passes: the back-off ends
        slept.append(seconds)
        limiter.storage.clear("backoff/news.example")

    with polite_slot(limiter, "news.example", 0, 1, max_wait_s=10, sleep=sleep):
        pass
    assert len(slept) == 1 and 0 < slept[0] <= 1
    limiter.back_off("news.example", 300)
    with pytest.raises(Retryable) as caught, polite_slot(limiter, "news.example", 0, 1, 10, slept.append):
        pass
    assert caught.value.reason == "host_busy" and caught.value.delay_s > 10
