"""A `gdelt` source crawled end to end (embedded) against a local server answering in the GDELT DOC 2.0
API's JSON (tests/fixtures/aggregators.py): the articles it lists are queued and fetched like a feed's;
`fm6ss sources check` reads it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.bus import runtime
from services.bus.settings import Settings
from services.cli import cli
from services.crawler import bootstrap
from services.crawler.settings import CrawlerSettings
from services.store.api.main import create_api
from services.store.db.engine import migrate
from tests.conftest import engine
from tests.fixtures.aggregators import Aggregator, gdelt_article
from tests.fixtures.aggregators import serve as serve_aggregator
from tests.fixtures.site import MANIFEST, FixtureSite, serve

TOKEN = "operator-token-for-tests-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUERY = '("Fondation Mohammed VI des Sciences et de la Santé" OR FM6SS OR UM6SS) sourcecountry:MO'


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=2) as running:
        yield running


@pytest.fixture
def gdelt(site) -> Iterator[Aggregator]:
    """The DOC API on loopback, listing two fixture-site articles."""
    listed = [gdelt_article(site.url(a), MANIFEST[a].title) for a in ("qr-gsk", "qr-sothema")]
    with serve_aggregator(Aggregator([], [], listed)) as running:
        yield running


@pytest.fixture
def api(env, site, gdelt) -> Iterator[TestClient]:
    env.setenv("FM6SS_API_TOKEN", TOKEN)
    env.setenv("FM6SS_CRAWLER_ALLOW_HOSTS", "127.0.0.1")
    env.setenv("FM6SS_CRAWLER_DEFAULT_DELAY_S", "0")
    env.setenv("FM6SS_CRAWLER_GDELT_URL", gdelt.gdelt_url())
    settings = Settings()
    runtime.configure(settings)
    migrate(settings.sqlalchemy_url)
    bootstrap.configure(bootstrap.build(CrawlerSettings(), settings))
    client = TestClient(create_api(settings, engine(settings.sqlalchemy_url)))
    url = f"https://api.gdeltproject.org/api/v2/doc/doc?query={quote(QUERY)}&timespan=1w"
    body = {"name": "gdelt-fm6ss", "kind": "gdelt", "url": url, "lang": "fr"}
    assert client.put("/sources/gdelt-fm6ss", json=body, headers=AUTH).status_code == 200
    yield client
    bootstrap.configure(None)


def test_a_gdelt_source_queues_the_articles_it_lists(api, site, gdelt):
    run = api.post("/recrawls", json={"source": "gdelt-fm6ss"}, headers=AUTH).json()
    counts = api.get(f"/crawl-runs/{run['run_id']}").json()["counts"]
    assert counts["urls_discovered"] == 2 and counts["pages_fetched"] == 2, counts
    assert site.was_requested(MANIFEST["qr-gsk"].path) and site.was_requested(MANIFEST["qr-sothema"].path)
    (asked,) = gdelt.requested("/api/v2/doc/doc")
    assert parse_qs(urlsplit(asked).query) == {
        "query": [QUERY],
        "mode": ["artlist"],
        "format": ["json"],
        "maxrecords": ["250"],
        "timespan": ["1w"],
        "sort": ["datedesc"],
    }


def test_sources_check_reads_a_gdelt_source(api, gdelt):
    result = CliRunner().invoke(cli, ["sources", "check", "gdelt-fm6ss", "--json"])
    assert result.exit_code == 0, result.output
    (check,) = json.loads(result.stdout)
    assert (check["ok"], check["found_kind"], check["items"]) == (True, "gdelt", 2)
    assert check["newest"].startswith("2026-12-03T11:00:00")


@pytest.mark.integration
def test_two_workers_share_gdelts_five_seconds_through_redis():
    """Two crawler processes' deps on one Redis: the second GDELT request waits out the first's window."""
    import httpx

    from services.bus.messages import SourceSpec
    from services.crawler.errors import Retryable
    from services.crawler.handlers import discover
    from services.crawler.politeness import make_limiter
    from tests.servers import REDIS_SERVER
    from tests.unit.crawler.fakes import make_deps, respond

    endpoint = f"https://{uuid.uuid4().hex}.gdelt.test/api/v2/doc/doc"
    answer = json.dumps({"articles": [{"url": "https://news.example/a/1", "title": "FM6SS"}]}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return respond(404)
        return respond(200, {"content-type": "application/json"}, answer)

    workers = []
    for _ in range(2):
        deps = make_deps(handler, gdelt_url=endpoint, max_inline_wait_s=12)
        deps.limiter = make_limiter(f"{REDIS_SERVER}/15", lease_s=60)
        waits: list[float] = []
        deps.sleep = waits.append
        workers.append((deps, waits))
    source = SourceSpec(name="gdelt-fm6ss", kind="gdelt", url=f"{endpoint}?query=FM6SS")
    assert len(discover(source, workers[0][0]).urls) == 1
    workers[0][0].limiter.settle()  # as the discovery task does when it ends
    with pytest.raises(Retryable, match="host_busy"):
        discover(source, workers[1][0])
    assert 4.0 < workers[1][1][0] <= 5.0


def test_a_backfill_of_a_gdelt_source_asks_the_doc_api_once(api, site, gdelt, env, tmp_path):
    import yaml

    url = f"https://api.gdeltproject.org/api/v2/doc/doc?query={quote(QUERY)}&timespan=1w"
    path = tmp_path / "sources.yaml"
    spec = {"name": "gdelt-fm6ss", "kind": "gdelt", "url": url, "lang": "fr"}
    path.write_text(yaml.safe_dump({"sources": [spec]}), encoding="utf-8")
    args = ["backfill", "--since", "2020-01-01", "--source", "gdelt-fm6ss", "--sources-file", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "sources     1 read, 0 failed" in result.output
    assert site.was_requested(MANIFEST["qr-gsk"].path) and site.was_requested(MANIFEST["qr-sothema"].path)
    (asked,) = gdelt.requested("/api/v2/doc/doc")  # its query, once: GDELT has no pages to walk
    assert parse_qs(urlsplit(asked).query)["mode"] == ["artlist"]
