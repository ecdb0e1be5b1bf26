"""Webhooks as a deployment gets them: configured by settings, relayed by the store's task, received by
real HTTP servers on loopback. Only the settings, the task and the receivers are used, so the same
tests ran against the relay before it gave each sink its own cursor and signed by Standard Webhooks."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from services.bus import runtime
from services.bus.settings import Settings
from services.store import bootstrap, tasks
from services.store.db.engine import make_engine
from services.store.db.models import utcnow
from tests.integration.test_ingest import AZ, CANCER, FM6SS, MSPS, RARE, candidate, event, ingest
from tests.receivers import Delivery, Receiver, serving

pytestmark = pytest.mark.integration

SECRET = "whsec_" + base64.b64encode(bytes(range(64, 96))).decode()


def fill(url: str) -> None:
    ingest(url, event("https://a.ma/1", CANCER * 3, candidate(FM6SS, AZ), published=date(2024, 3, 15)))
    ingest(url, event("https://a.ma/2", RARE * 3, candidate(FM6SS, AZ, kind="protocole")))


def one_more(url: str) -> None:
    ingest(url, event("https://b.ma/3", RARE * 3, candidate(FM6SS, MSPS, kind="convention")))


def seqs(deliveries: list[Delivery]) -> list[int]:
    return [c["seq"] for d in deliveries for c in _changes(d)]


def _changes(delivery: Delivery) -> list[dict]:  # type: ignore[type-arg]
    body = json.loads(delivery.body)
    return body["data"]["changes"] if "data" in body else body["changes"]


@pytest.fixture
def configure(env, monkeypatch):  # type: ignore[no-untyped-def]
    def configure(urls: str, db_url: str, restarted: bool = False) -> None:
        """As a process started with these settings (`restarted`: started now)."""
        env.setenv("FM6SS_DATABASE_URL", db_url)
        env.setenv("FM6SS_WEBHOOK_URLS", urls)
        env.setenv("FM6SS_WEBHOOK_SECRET", SECRET)
        runtime.configure(Settings())
        for cached in (bootstrap.sinks, bootstrap.store_settings, bootstrap.redis_client):
            cached.cache_clear()
        if restarted:
            monkeypatch.setattr(tasks, "STARTED_AT", utcnow(), raising=False)

    yield configure
    for cached in (bootstrap.sinks, bootstrap.store_settings, bootstrap.redis_client):
        cached.cache_clear()


def test_a_dead_hook_first_holds_up_no_later_hook(configure, db_url):
    """Issue 18 point 4: with a dead hook listed first, the live one still gets every change."""
    with serving(Receiver(statuses=[500])) as dead, serving(Receiver()) as live:
        configure(f"{dead.url},{live.url}", db_url)
        fill(db_url)
        tasks.relay_changes_task.apply(args=({},))
        one_more(db_url)
        tasks.relay_changes_task.apply(args=({},))
    assert seqs(live.deliveries) == list(range(1, len(seqs(live.deliveries)) + 1))
    assert len(seqs(live.deliveries)) > 4 and dead.deliveries


def test_deliveries_follow_standard_webhooks(configure, db_url):
    """Issue 18 point 11: an id, a timestamp and a signature over both, checked by the reference package."""
    with serving(Receiver()) as live:
        configure(live.url, db_url)
        fill(db_url)
        tasks.relay_changes_task.apply(args=({},))
    (delivery,) = live.deliveries
    assert Webhook(SECRET).verify(delivery.body, delivery.headers)["data"]["changes"][0]["seq"] == 1
    assert delivery.headers["webhook-id"] == "fm6ss-changes-1-4"


def test_a_hook_given_a_new_url_does_not_get_the_history_again(configure, db_url):
    """Issue 18 point 11: a hook whose URL changed is a new consumer; it starts at the head of the feed as
    it was when its process started (with the new settings), not at change 0."""
    with serving(Receiver()) as first, serving(Receiver()) as moved:
        configure(first.url, db_url)
        fill(db_url)
        tasks.relay_changes_task.apply(args=({},))
        configure(moved.url, db_url, restarted=True)
        one_more(db_url)
        tasks.relay_changes_task.apply(args=({},))
    assert seqs(first.deliveries) == [1, 2, 3, 4]
    assert seqs(moved.deliveries)[0] == 5


def test_a_named_hook_keeps_its_place_when_its_url_changes(configure, db_url):
    with serving(Receiver()) as first, serving(Receiver()) as moved:
        configure(f"crm={first.url}", db_url)
        fill(db_url)
        tasks.relay_changes_task.apply(args=({},))
        configure(f"crm={moved.url}", db_url, restarted=True)
        one_more(db_url)
        tasks.relay_changes_task.apply(args=({},))
    assert seqs(first.deliveries) == [1, 2, 3, 4] and seqs(moved.deliveries)[0] == 5


def test_no_database_lock_is_held_while_a_receiver_answers(configure, db_url):
    """Issue 18 point 4: the relay cursors can be written while a delivery waits for its answer (the
    relay held its cursor's row locked, in an open transaction, through every try and sleep)."""
    probe = make_engine(db_url)
    sqlite = db_url.startswith("sqlite")

    def write_the_cursors(_: Delivery) -> None:
        with probe.begin() as conn:
            conn.execute(
                sa.text("PRAGMA busy_timeout = 500" if sqlite else "SET LOCAL lock_timeout = '500ms'")
            )
            conn.execute(sa.text("UPDATE relay_cursor SET updated_at = updated_at"))

    try:
        with serving(Receiver(during=write_the_cursors)) as live:
            configure(live.url, db_url)
            tasks.relay_changes_task.apply(args=({},))  # nothing to send yet: the cursor is made
            fill(db_url)
            tasks.relay_changes_task.apply(args=({},))
    finally:
        probe.dispose()
    assert len(live.deliveries) == 1 and live.errors == []
