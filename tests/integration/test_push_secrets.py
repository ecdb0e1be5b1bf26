"""A secret planted in a webhook URL (login, path, token) shows in none of the places that print a
consumer or a URL: `/metrics`, `fm6ss status`, a failing hook's error, the relay's logs, dead letters,
and the API's 422 bodies."""

from __future__ import annotations

import base64
import logging

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.bus import runtime
from services.bus.settings import Settings
from services.cli import cli
from services.store import bootstrap, tasks
from services.store.api.main import create_api
from services.store.db.engine import transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.integration.test_push_delivery import fill
from tests.receivers import Receiver, serving

pytestmark = pytest.mark.integration

SECRET = "whsec_" + base64.b64encode(bytes(range(32, 64))).decode()
PLANTED = ("alice", "hunter2pw", "XSECRETX", "tok3n")
TOKEN = "operator-token-for-secret-tests"


def planted(url: str) -> str:
    """The receiver's URL with a login, a secret path and a token, as chat services' hooks carry them."""
    host = url.split("//", 1)[1].split("/", 1)[0]
    return f"http://alice:hunter2pw@{host}/services/T0/B0/XSECRETX?token=tok3n"


def leaked(text: str) -> list[str]:
    return [p for p in PLANTED if p in text]


@pytest.fixture
def configured(env):  # type: ignore[no-untyped-def]
    def configure(urls: str, db_url: str) -> None:
        env.setenv("FM6SS_DATABASE_URL", db_url)
        env.setenv("FM6SS_WEBHOOK_URLS", urls)
        env.setenv("FM6SS_WEBHOOK_SECRET", SECRET)
        runtime.configure(Settings())
        for cached in (bootstrap.sinks, bootstrap.store_settings, bootstrap.redis_client):
            cached.cache_clear()

    yield configure
    for cached in (bootstrap.sinks, bootstrap.store_settings, bootstrap.redis_client):
        cached.cache_clear()


def test_a_planted_webhook_secret_shows_nowhere(configured, db_url, caplog):
    """Issue 18 point 1: the consumer label of /metrics, `fm6ss status` and a failing hook's error."""
    with serving(Receiver()) as live, serving(Receiver(statuses=[500])) as dead:
        configured(f"{planted(live.url)}, {planted(dead.url)}", db_url)
        fill(db_url)
        with caplog.at_level(logging.INFO):
            tasks.relay_changes_task.apply(args=({},))
    assert len(live.deliveries) == 1 and live.deliveries[0].path == "/services/T0/B0/XSECRETX?token=tok3n"
    assert len(dead.deliveries) >= 1
    metrics = TestClient(create_api(Settings(), engine(db_url))).get("/metrics").text
    assert 'fm6ss_relay_lag{consumer="webhook-' in metrics and leaked(metrics) == []
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 0, status.output
    assert "HTTP 500" in status.output and leaked(status.output) == []
    assert leaked(caplog.text) == []
    with transaction(engine(db_url)) as session:
        rows = UnitOfWork(session).feed.relay_cursors()
        assert all(leaked(f"{c.name} {c.target} {c.last_error}") == [] for c in rows)


def test_dead_letters_and_error_bodies_show_urls_masked(env, db_url):
    secret_url = "https://alice:hunter2pw@feed.example/services/rss?token=tok3n"
    with transaction(engine(db_url)) as session:
        UnitOfWork(session).feed.add_dead_letter(
            "crawler.discover_source", {"source": {"url": secret_url}}, f"ConnectError: {secret_url}", 5
        )
    api = TestClient(create_api(Settings(), engine(db_url), StoreSettings(api_token=TOKEN)))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    letters = api.get("/dead-letters", headers=auth)
    assert letters.status_code == 200 and "feed.example" in letters.text and leaked(letters.text) == []
    refused = api.put(
        "/sources/paid", headers=auth, json={"kind": "feed", "url": secret_url, "interval_minutes": 0}
    )
    # FastAPI's 422 quotes the whole body it refused (the `name` is missing): the URL in it, masked.
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "name"]
    assert "https://***@feed.example/services/rss?token=***" in refused.text and leaked(refused.text) == []
    with transaction(engine(db_url)) as session:  # the stored payload keeps its URL: a retry needs it
        (row,) = UnitOfWork(session).feed.dead_letters(0, 10)
        assert row.payload["source"]["url"] == secret_url
