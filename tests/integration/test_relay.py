"""The change feed pushed to a real Redis stream and to a webhook, in order, at least once, no duplicates."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import date

import httpx
import pytest
import redis

from services.store.db.engine import transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.relay import DeliveryError, RedisStreamSink, WebhookSink, relay
from tests.conftest import engine
from tests.integration.test_ingest import AZ, CANCER, FM6SS, RARE, candidate, event, ingest
from tests.servers import REDIS_SERVER

pytestmark = pytest.mark.integration


def fill(url: str) -> None:
    ingest(
        url,
        event(
            "https://a.ma/1",
            CANCER * 3,
            candidate(FM6SS, AZ, themes=("cancer",)),
            published=date(2024, 3, 15),
        ),
    )
    ingest(
        url,
        event(
            "https://a.ma/2",
            RARE * 3,
            candidate(FM6SS, AZ, kind="protocole", themes=("rare-diseases",)),
            published=date(2025, 3, 15),
        ),
    )


@pytest.fixture
def stream():
    client = redis.Redis.from_url(f"{REDIS_SERVER}/15")
    name = f"test:changes:{uuid.uuid4().hex}"
    yield client, name
    client.delete(name)
    client.close()


def test_changes_reach_the_redis_stream_once_and_in_order(db_url, stream):
    client, name = stream
    fill(db_url)
    sink = RedisStreamSink(client, name, maxlen=1000)
    assert relay(engine(db_url), sink, batch=2) == 4
    assert relay(engine(db_url), sink) == 0
    with transaction(
        engine(db_url)
    ) as session:  # a cursor lost in a crash: delivered again, refused by Redis
        UnitOfWork(session).feed.relay_cursor(sink.name).seq = 0
    relay(engine(db_url), sink)
    entries = client.xrange(name)
    seqs = [int(fields[b"seq"]) for _, fields in entries]
    assert seqs == [1, 2, 3, 4]
    assert [e[0] for e in entries] == [f"{s}-1".encode() for s in seqs]
    agreements = [json.loads(f[b"payload"]) for _, f in entries if f[b"entity"] == b"agreement"]
    assert [a["kind"] for a in agreements] == ["accord", "protocole"]


def test_webhooks_are_signed_and_retried(db_url):
    fill(db_url)
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503 if len(calls) == 1 else 204)

    sink = WebhookSink(
        "https://hooks.example.org/fm6ss",
        "s3cret",
        httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=lambda _: None,
    )
    assert relay(engine(db_url), sink) == 4
    body = calls[-1].content
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert calls[-1].headers["X-FM6SS-Signature"] == f"sha256={expected}"
    assert [c["seq"] for c in json.loads(body)["changes"]] == [1, 2, 3, 4]


def test_a_dead_webhook_keeps_its_cursor_and_says_why(db_url):
    fill(db_url)
    dead = WebhookSink(
        "https://hooks.example.org/x",
        "k",
        httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))),
        tries=2,
        sleep=lambda _: None,
    )
    with pytest.raises(DeliveryError, match="HTTP 500"):
        relay(engine(db_url), dead)
    with transaction(engine(db_url)) as session:
        cursor = UnitOfWork(session).feed.relay_cursor(dead.name)
        assert (cursor.seq, cursor.failures) == (0, 1) and "HTTP 500" in cursor.last_error


def test_one_queued_relay_serves_every_commit_until_it_runs(env, db_url, monkeypatch):
    from services.bus import runtime
    from services.bus.routing import RELAY_CHANGES
    from services.bus.settings import Settings
    from services.store import bootstrap, tasks

    env.setenv("FM6SS_DATABASE_URL", db_url)
    env.setenv("FM6SS_REDIS_URL", f"{REDIS_SERVER}/13")
    runtime.configure(Settings())
    bootstrap.sinks.cache_clear()  # built for this test's settings
    bootstrap.redis_client.cache_clear()
    client = redis.Redis.from_url(f"{REDIS_SERVER}/13")
    client.delete(tasks.RELAY_PENDING)
    asked: list[str] = []
    monkeypatch.setattr(tasks, "publish", lambda app, name, message, **kw: asked.append(name))
    try:
        tasks._push_changes()
        tasks._push_changes()
        assert asked == [RELAY_CHANGES]  # the second commit rides on the queued relay
        assert 0 < client.ttl(tasks.RELAY_PENDING) <= tasks.RELAY_PENDING_TTL_S
        tasks.relay_changes_task.apply(args=({},))
        tasks._push_changes()
        assert asked == [RELAY_CHANGES, RELAY_CHANGES]  # once a relay has started, a commit asks again
    finally:
        client.delete(tasks.RELAY_PENDING)
        bootstrap.sinks.cache_clear()
        bootstrap.redis_client.cache_clear()


def test_two_first_relays_at_once_create_one_cursor_and_both_succeed(db_url):
    import threading

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def first_relay() -> None:
        try:
            barrier.wait(timeout=10)
            with transaction(engine(db_url)) as session:
                UnitOfWork(session).feed.relay_cursor("redis-stream:race")
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=first_relay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with transaction(engine(db_url)) as session:
        assert [c.name for c in UnitOfWork(session).feed.relay_cursors()] == ["redis-stream:race"]
