"""Poison messages: a message that can never succeed is tried a bounded number of times, then kept as a
dead letter with its payload and reason; it never loops through the queue."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from services.bus.celery_app import create_app, send_payload
from services.bus.routing import INGEST_ARTICLE, PARSE_PAGE
from services.bus.settings import Settings
from services.store.db.engine import make_engine
from tests.e2e.conftest import wait_until
from tests.faults.conftest import FAULT_ENV, RedisServer, held, idle, running_stack

pytestmark = pytest.mark.faults

POISON = {
    # the parser's archive has no such body: no retry can fix it
    "missing-archive-body": (
        PARSE_PAGE,
        {"url": "https://example.org/gone.html", "archive_key": "0" * 64, "content_kind": "html"},
    ),
    # a payload the store's message schema refuses
    "invalid-payload": (INGEST_ARTICLE, {"url": "https://example.org/a.html", "schema_version": 1}),
}


def dead_letters(db_url: str) -> list[tuple[Any, ...]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(sa.text("SELECT task, error, retries, payload FROM dead_letter"))
            ]
    finally:
        engine.dispose()


@pytest.mark.parametrize("case", list(POISON))
def test_poison_message_ends_as_one_dead_letter(case: str, pg_url: str, broker: RedisServer, tmp_path):
    task, payload = POISON[case]
    client = broker.client()
    with running_stack(pg_url, broker.url, tmp_path, FAULT_ENV) as stack:
        app = create_app(Settings(broker_url=broker.url))
        try:
            sent = time.monotonic()
            send_payload(app, task, payload)
        finally:
            app.close()
        rows = wait_until(lambda: dead_letters(pg_url), 60, "the dead letter")
        recorded_s = time.monotonic() - sent
        time.sleep(STAY_S := 5)  # long enough for a looping message to come back
        assert idle(client) and held(client) == [], "nothing is left in the queue or held"
        queue = task.split(".")[0]
        log = stack.tail(f"worker-{queue}", 10_000).splitlines()
        deliveries = sum(f"Task {task}[" in line and "] received" in line for line in log)
        with stack.client() as api:
            listed = api.get("/dead-letters").json()["items"]
    rows = dead_letters(pg_url)
    print(
        "FIGURES",
        {
            "case": case,
            "dead_letters": len(rows),
            "recorded_s": round(recorded_s, 1),
            "deliveries": deliveries,
            "retries": rows[0][2],
            "error": rows[0][1][:120],
            "stay_s": STAY_S,
        },
    )
    assert len(rows) == 1 and deliveries == 1, (rows, deliveries)
    assert rows[0][0] == task and rows[0][3] == payload and rows[0][1]
    assert [d["task"] for d in listed] == [task]
