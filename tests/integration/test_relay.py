"""The change feed pushed to a real Redis stream and to webhooks (real HTTP servers on loopback): in order,
at least once, signed by the Standard Webhooks specification, each sink on its own."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import date, timedelta

import httpx
import pytest
import redis
import sqlalchemy as sa
from standardwebhooks import Webhook, WebhookVerificationError

from services.store.db.engine import make_engine, transaction
from services.store.db.models import utcnow
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.relay import relay, relay_all, rewind
from services.store.operations.sinks import DeliveryError, RedisStreamSink, WebhookSink
from tests.conftest import engine
from tests.integration.test_ingest import AZ, CANCER, FM6SS, MSPS, RARE, candidate, event, ingest
from tests.receivers import Delivery, Receiver, closed_port_url, serving
from tests.servers import REDIS_SERVER

pytestmark = pytest.mark.integration

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()


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


def one_more(url: str) -> None:
    ingest(url, event("https://b.ma/3", RARE * 3, candidate(FM6SS, MSPS, kind="convention")))


def hook(name: str, url: str) -> WebhookSink:
    return WebhookSink(name, url, SECRET, httpx.Client(timeout=5))


def seqs(delivery: Delivery) -> list[int]:
    return [c["seq"] for c in json.loads(delivery.body)["data"]["changes"]]


def cursor_of(db_url: str, name: str):  # type: ignore[no-untyped-def]
    with transaction(engine(db_url)) as session:
        cursor = UnitOfWork(session).feed.relay_cursor(name)
        session.expunge(cursor)
    return cursor


@pytest.fixture
def stream():
    client = redis.Redis.from_url(f"{REDIS_SERVER}/15")
    name = f"test:changes:{uuid.uuid4().hex}"
    yield client, name
    client.delete(name)
    client.close()


def test_changes_reach_the_redis_stream_once_and_in_order(db_url, stream):
    client, name = stream
    sink = RedisStreamSink(client, name, maxlen=1000)
    rewind(engine(db_url), sink.name, 0)
    fill(db_url)
    assert relay(engine(db_url), sink, batch=2) == 4
    assert relay(engine(db_url), sink) == 0
    rewind(engine(db_url), sink.name, 0)  # a cursor lost in a crash: delivered again, refused by Redis
    assert relay(engine(db_url), sink) == 4
    entries = client.xrange(name)
    got = [int(fields[b"seq"]) for _, fields in entries]
    assert got == [1, 2, 3, 4]
    assert [e[0] for e in entries] == [f"{s}-1".encode() for s in got]
    agreements = [json.loads(f[b"payload"]) for _, f in entries if f[b"entity"] == b"agreement"]
    assert [a["kind"] for a in agreements] == ["accord", "protocole"]


def test_webhooks_are_signed_by_the_standard_and_a_retry_is_the_same_delivery(db_url):
    with serving(Receiver(statuses=[503, 204])) as receiver:
        sink = hook("crm", receiver.url)
        rewind(engine(db_url), sink.name, 0)
        fill(db_url)
        with pytest.raises(DeliveryError, match="HTTP 503"):
            relay(engine(db_url), sink)
        assert relay(engine(db_url), sink) == 0  # its backoff has not passed
        later = utcnow() + timedelta(hours=2)
        assert relay(engine(db_url), sink, clock=lambda: later) == 4
    first, again = receiver.deliveries
    verifier = Webhook(SECRET)
    for delivery in (first, again):
        assert verifier.verify(delivery.body, delivery.headers)["type"] == "changes"
        assert "x-fm6ss-signature" not in delivery.headers
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == "fm6ss-changes-1-4"
    assert first.body == again.body and seqs(again) == [1, 2, 3, 4]
    # A captured delivery does not pass as another one, nor later than five minutes.
    with pytest.raises(WebhookVerificationError):
        verifier.verify(again.body, {**again.headers, "webhook-id": "fm6ss-changes-5-8"})
    stale = str(int(time.time()) - 3600)
    forged = {**again.headers, "webhook-timestamp": stale}
    forged["webhook-signature"] = verifier.sign(
        again.headers["webhook-id"], utcnow() - timedelta(hours=1), again.body
    )
    with pytest.raises(WebhookVerificationError):
        verifier.verify(again.body, forged)


def test_a_new_sink_starts_at_the_head_unless_rewound(db_url):
    fill(db_url)
    with serving(Receiver()) as receiver:
        sink = hook("late", receiver.url)
        assert relay(engine(db_url), sink) == 0  # the history is not sent to a sink first seen now
        one_more(db_url)
        sent = relay(engine(db_url), sink)
        assert sent > 0 and seqs(receiver.deliveries[0])[0] == 5
        rewind(engine(db_url), sink.name, 0)  # `fm6ss relay rewind late --from-start`
        assert relay(engine(db_url), sink) == 4 + sent
    assert seqs(receiver.deliveries[-1])[0] == 1


def test_a_sink_first_seen_after_this_process_started_gets_what_it_wrote(db_url):
    started = utcnow()
    fill(db_url)
    with serving(Receiver()) as receiver:
        assert relay(engine(db_url), hook("fresh", receiver.url), new_after=started) == 4


def test_a_dead_webhook_keeps_its_cursor_and_says_why(db_url):
    with serving(Receiver(statuses=[500])) as dead:
        sink = hook("dead", dead.url)
        rewind(engine(db_url), sink.name, 0)
        fill(db_url)
        with pytest.raises(DeliveryError, match="HTTP 500"):
            relay(engine(db_url), sink)
    cursor = cursor_of(db_url, "dead")
    assert (cursor.seq, cursor.pending_seq, cursor.failures) == (0, 4, 1) and cursor.last_error == "HTTP 500"
    assert cursor.retry_at is not None and cursor.leased_until is None
    assert cursor.target == dead.url.rsplit("/", 1)[0]  # scheme, host and port: never the path


def test_a_dead_receiver_holds_up_no_other(db_url):
    """Issue 18 point 4: a dead hook first, a live one second: the live one gets every change, at once."""
    with serving(Receiver(statuses=[500])) as dead, serving(Receiver()) as live:
        sinks = [hook("dead", dead.url), hook("refused", closed_port_url()), hook("live", live.url)]
        for sink in sinks:
            rewind(engine(db_url), sink.name, 0)
        fill(db_url)
        started = time.monotonic()
        out = relay_all(engine(db_url), sinks)
        one_more(db_url)
        again = relay_all(engine(db_url), sinks)
        elapsed = time.monotonic() - started
    assert out["dead"] == "failed: HTTP 500" and str(out["refused"]).startswith("failed: ConnectError")
    assert out["live"] == 4 and again["live"] > 0 and again["dead"] == 0  # dead waits for its backoff
    assert [s for d in live.deliveries for s in seqs(d)] == list(range(1, 5 + again["live"]))
    assert len(dead.deliveries) == 1 and elapsed < 10


def test_no_transaction_is_open_while_a_receiver_answers(db_url):
    """The cursor's row can be written by anyone while a delivery is under way (no lock, no open
    transaction): what kept a database connection `idle in transaction` through every retry."""
    probe = make_engine(db_url)
    sqlite = db_url.startswith("sqlite")

    def write_the_cursor(_: Delivery) -> None:
        with probe.begin() as conn:
            conn.execute(
                sa.text("PRAGMA busy_timeout = 500" if sqlite else "SET LOCAL lock_timeout = '500ms'")
            )
            conn.execute(sa.text("UPDATE relay_cursor SET updated_at = updated_at WHERE name = 'probe'"))

    try:
        with serving(Receiver(during=write_the_cursor)) as receiver:
            sink = hook("probe", receiver.url)
            rewind(engine(db_url), sink.name, 0)
            fill(db_url)
            assert relay(engine(db_url), sink) == 4
    finally:
        probe.dispose()
    assert receiver.errors == [] and len(receiver.deliveries) == 1


def test_two_relays_at_once_deliver_a_batch_once(db_url):
    """A delivery under way is leased: a second relay meanwhile sends nothing and waits for none."""
    second: list[int] = []

    def relay_again(_: Delivery) -> None:
        second.append(relay(engine(db_url), sink))

    with serving(Receiver(during=relay_again)) as receiver:
        sink = hook("once", receiver.url)
        rewind(engine(db_url), sink.name, 0)
        fill(db_url)
        assert relay(engine(db_url), sink) == 4
    assert second == [0] and receiver.errors == [] and len(receiver.deliveries) == 1


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
