"""The per-host limiter on Redis, as every crawler worker shares it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from services.crawler.politeness import LimitsHostLimiter, RedisHostLimiter, make_limiter
from tests.servers import REDIS_SERVER

pytestmark = pytest.mark.integration
URL = f"{REDIS_SERVER}/15"


@pytest.fixture
def host() -> Iterator[str]:
    name = f"{uuid.uuid4().hex}.test"
    yield name
    cleaner = make_limiter(URL, lease_s=60)
    for key in ("busy", "backoff"):
        cleaner.storage.clear(f"{key}/{name}")
        cleaner.storage.clear(f"{key}/other-{name}")
    cleaner.storage.get_connection().delete(cleaner.storage.prefixed_key(f"LIMITER/delay/{name}/1/3/second"))


def counting(limiter: LimitsHostLimiter) -> list[str]:
    """The commands `limiter` sends from now on (one round trip each)."""
    client: Any = limiter.storage.get_connection()
    sent: list[str] = []
    execute = client.execute_command

    def execute_command(*args: Any, **options: Any) -> Any:
        sent.append(str(args[0]))
        return execute(*args, **options)

    client.execute_command = execute_command
    return sent


def test_a_request_costs_one_round_trip_its_slot_going_back_with_the_next_one(host: str) -> None:
    limiter = make_limiter(URL, lease_s=60)
    assert isinstance(limiter, RedisHostLimiter)
    limiter.acquire(host, 0, 64)  # the first call of a script loads it into Redis
    limiter.release(host)
    limiter.settle()
    sent = counting(limiter)
    reader = make_limiter(URL, lease_s=60).storage  # its reads are not counted

    def busy(key: str) -> int:
        return int(reader.get(key))

    assert limiter.acquire(host, 0, 64) == 0.0
    limiter.release(host)
    assert len(sent) == 1
    assert busy(f"busy/{host}") == 1  # held until this worker's next request...
    assert limiter.acquire(host, 0, 64) == 0.0  # ...which gives it back in its own round trip
    assert len(sent) == 2
    assert busy(f"busy/{host}") == 1
    limiter.release(host)
    limiter.settle()  # what every crawler task does when it ends
    assert len(sent) == 3
    assert busy(f"busy/{host}") == 0
    limiter.settle()
    assert len(sent) == 3  # nothing left to send


def test_a_slot_released_goes_back_before_another_host_is_asked_for(host: str) -> None:
    limiter, other = make_limiter(URL, lease_s=60), f"other-{host}"
    limiter.acquire(host, 0, 1)
    limiter.release(host)
    limiter.acquire(other, 0, 1)  # refused or not, the first host's slot is given back now
    assert limiter.storage.get(f"busy/{host}") == 0
    limiter.release(other)
    limiter.settle()
    assert limiter.storage.get(f"busy/{other}") == 0


def test_workers_share_the_concurrency_cap(host: str) -> None:
    first, second = make_limiter(URL, lease_s=60), make_limiter(URL, lease_s=60)
    assert first.acquire(host, 0, 2) == 0.0
    assert second.acquire(host, 0, 2) == 0.0
    assert 0.2 <= second.acquire(host, 0, 2) <= 1.0  # full: the refused slot is given back at once
    assert first.storage.get(f"busy/{host}") == 2
    first.release(host)
    first.settle()
    assert second.acquire(host, 0, 2) == 0.0
    first.release(host)
    second.release(host)
    second.release(host)  # one release too many: the counter does not go below zero
    first.settle()
    second.settle()
    assert first.storage.get(f"busy/{host}") == 0
    assert first.acquire(host, 0, 1) == 0.0
    assert second.acquire(host, 0, 1) > 0
    first.release(host)
    first.settle()


def test_the_lease_is_set_when_the_first_slot_is_taken(host: str) -> None:
    limiter = make_limiter(URL, lease_s=60)
    limiter.acquire(host, 0, 4)
    client = limiter.storage.get_connection()
    assert 0 < client.ttl(limiter.storage.prefixed_key(f"busy/{host}")) <= 60


def test_a_back_off_is_seen_by_every_worker(host: str) -> None:
    first, second = make_limiter(URL, lease_s=60), make_limiter(URL, lease_s=60)
    first.back_off(host, 120)
    assert 100 < second.acquire(host, 0, 64) <= 120
    assert second.storage.get(f"busy/{host}") == 0  # no slot taken while backing off


def test_the_delay_between_requests_is_shared(host: str) -> None:
    first, second = make_limiter(URL, lease_s=60), make_limiter(URL, lease_s=60)
    assert first.acquire(host, 3.0, 2) == 0.0
    first.release(host)
    first.settle()
    assert 2.0 < second.acquire(host, 3.0, 2) <= 3.0
    assert second.storage.get(f"busy/{host}") == 0  # a slot not usable yet is given back at once


def test_workers_of_the_plain_limiter_and_of_the_script_count_the_same_slots(host: str) -> None:
    scripted = make_limiter(URL, lease_s=60)
    plain = LimitsHostLimiter(scripted.storage, lease_s=60)
    assert plain.acquire(host, 0, 2) == 0.0
    assert scripted.acquire(host, 0, 2) == 0.0
    assert plain.acquire(host, 0, 2) > 0
    assert scripted.acquire(host, 0, 2) > 0
    scripted.release(host)
    scripted.settle()
    plain.release(host)
    assert scripted.storage.get(f"busy/{host}") == 0
