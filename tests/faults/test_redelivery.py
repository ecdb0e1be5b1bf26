"""A store message delivered again after its transaction committed but before the commands it returned
were published (the worker died in between): the redelivery must publish them again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.bus.celery_app import create_app, send_payload
from services.bus.routing import RECORD_FETCH
from services.bus.settings import Settings
from services.store.db.engine import make_engine
from tests.e2e.conftest import wait_until
from tests.faults.conftest import FAULT_ENV, RedisServer, held, running_stack

pytestmark = pytest.mark.faults

URL = "https://example.org/news/2025/04/11/accord.html"
FETCHED = {"url": URL, "final_url": URL, "status": 200, "archive_key": "a" * 64, "source": "example"}


def page_state(db_url: str) -> str | None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT state FROM page")).scalar_one_or_none()
    finally:
        engine.dispose()


def test_record_fetch_redelivered_after_commit_parses_again(pg_url: str, broker: RedisServer, tmp_path):
    client = broker.client()
    with running_stack(pg_url, broker.url, tmp_path, FAULT_ENV) as stack:
        stack.stop("worker-parser")  # so the ParsePage stays visible in its queue
        app = create_app(Settings(broker_url=broker.url))
        try:
            send_payload(app, RECORD_FETCH, FETCHED)
            wait_until(lambda: client.llen("parser") == 1, 30, "the first ParsePage")
            assert page_state(pg_url) == "parsing"
            client.delete("parser")  # the publish the dying worker never made
            send_payload(app, RECORD_FETCH, FETCHED)  # the broker's redelivery of the same message
            wait_until(lambda: client.llen("store") == 0 and not held(client, "store"), 30, "the store")
            wait_until(lambda: client.llen("parser") == 1, 10, "the ParsePage sent again")
        finally:
            app.close()
    assert page_state(pg_url) == "parsing", "the page is still to be parsed, not marked done unparsed"
