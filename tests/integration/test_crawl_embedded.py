"""A crawl of the fixture news site in one process (embedded mode), steered through the HTTP API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.bus import runtime
from services.bus.settings import Settings
from services.crawler import bootstrap
from services.crawler.settings import CrawlerSettings
from services.store.api.main import create_api
from services.store.db.engine import migrate
from tests.conftest import engine
from tests.fixtures.site import MANIFEST, FixtureSite, serve, source_specs

TOKEN = "operator-token-for-tests-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=4) as running:
        yield running


@pytest.fixture
def api(env, site, tmp_path) -> Iterator[TestClient]:
    env.setenv("FM6SS_API_TOKEN", TOKEN)
    settings = Settings()
    runtime.configure(settings)
    migrate(settings.sqlalchemy_url)
    crawler = CrawlerSettings(
        allow_hosts="127.0.0.1", default_delay_s=0, read_timeout_s=1.5, total_timeout_s=3
    )
    bootstrap.configure(bootstrap.build(crawler, settings))
    client = TestClient(create_api(settings, engine(settings.sqlalchemy_url)))
    for spec in source_specs(site):
        assert client.put(f"/sources/{spec.name}", json=spec.model_dump(), headers=AUTH).status_code == 200
    yield client
    bootstrap.configure(None)


def agreements(client: TestClient) -> list[dict]:
    return client.get("/agreements", params={"limit": 200}).json()["items"]


def by_partner(rows: list[dict], key: str) -> list[dict]:
    return [a for a in rows if any(p["key"] == key for p in a["parties"])]


def test_a_crawl_finds_the_agreements_and_a_second_one_adds_nothing(api, site):
    assert api.post("/recrawls", json={"all": True}).status_code == 401
    first = api.post("/recrawls", json={"all": True}, headers=AUTH)
    assert first.status_code == 202
    run = api.get(f"/crawl-runs/{first.json()['run_id']}").json()
    assert run["status"] == "finished"
    rows = agreements(api)
    assert len(rows) == 5
    plasma = [a for a in rows if len(a["parties"]) == 3]
    assert len(plasma) == 1 and plasma[0]["signed_on"] == "2025-04-11" and plasma[0]["place"] == "Casablanca"
    assert {s["lang"] for s in plasma[0]["sources"]} >= {"fr", "ar"} and len(plasma[0]["sources"]) == 3
    astra = sorted(by_partner(rows, "astrazeneca"), key=lambda a: a["signed_on"] or "")
    assert len(astra) == 2 and any(a["signed_on"] == "2024-03-15" and len(a["sources"]) == 2 for a in astra)
    assert not site.was_requested(MANIFEST["qr-private-draft"].path)
    reasons = {f["reason"] for f in run["failures"]}
    assert {"robots_disallowed", "http_404", "redirect_loop", "too_large"} <= reasons
    assert all(f["url"] for f in run["failures"])
    counts_before = api.get("/changes").json()["next_after"]

    second = api.post("/recrawls", json={"all": True}, headers=AUTH).json()
    again = api.get(f"/crawl-runs/{second['run_id']}").json()
    assert second["run_id"] != first.json()["run_id"]
    assert again["counts"].get("pages_fetched", 0) == 0
    assert api.get("/changes").json()["next_after"] == counts_before
    assert len(agreements(api)) == 5


def test_a_forced_recrawl_of_one_updated_page_updates_its_article(api, site):
    api.post("/recrawls", json={"all": True}, headers=AUTH)
    page = site.url("atlas-astrazeneca")
    site.bump("atlas-astrazeneca")
    run = api.post("/recrawls", json={"url": page}, headers=AUTH).json()
    counts = api.get(f"/crawl-runs/{run['run_id']}").json()["counts"]
    assert counts.get("pages_fetched") == 1 and counts.get("articles_updated") == 1
    assert api.post("/recrawls", json={"source": "nope"}, headers=AUTH).status_code == 404
    assert api.post("/recrawls", json={"all": True, "url": page}, headers=AUTH).status_code == 422
