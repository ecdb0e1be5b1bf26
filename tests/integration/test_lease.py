"""Only one scheduler: the Redis lease that `fm6ss beat` takes first."""

from __future__ import annotations

import uuid

import pytest
import redis

from services.cli.lease import Lease, LeaseTaken
from tests.servers import REDIS_SERVER

pytestmark = pytest.mark.integration
URL = f"{REDIS_SERVER}/15"


def test_a_second_holder_is_refused_until_the_first_lets_go():
    key = f"test:lease:{uuid.uuid4().hex}"
    first = Lease.take(URL, key, ttl_s=30)
    with pytest.raises(LeaseTaken, match="only one may run"):
        Lease.take(URL, key, ttl_s=30)
    with first:
        assert first.renew()
    second = Lease.take(URL, key, ttl_s=30)  # released on exit
    second.client.delete(key)
    assert not second.renew()  # a lease that is gone is not silently re-created
    first.client.close()
    second.client.close()


def test_a_lease_expires_when_its_holder_stops_renewing():
    key = f"test:lease:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(URL)
    lease = Lease.take(URL, key, ttl_s=30)
    client.expire(key, 0)
    again = Lease.take(URL, key, ttl_s=30)
    assert again.token != lease.token
    client.delete(key)
    for c in (client, lease.client, again.client):
        c.close()
