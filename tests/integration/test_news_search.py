"""News-search feeds crawled end to end (embedded): a Google News or Bing News item is fetched at its
publisher's URL, or recorded once as unresolvable with its reason; never fetched as the aggregator's page.
The aggregator is a local server answering in both formats (tests/fixtures/aggregators.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from services.bus import runtime
from services.bus.settings import Settings
from services.crawler import bootstrap
from services.crawler.settings import CrawlerSettings
from services.store.api.main import create_api
from services.store.db.engine import migrate
from services.store.db.models import Page, Rejection
from tests.conftest import engine
from tests.fixtures.aggregators import Aggregator, BingItem, Item, serve
from tests.fixtures.site import MANIFEST, FixtureSite
from tests.fixtures.site import serve as serve_site

TOKEN = "operator-token-for-tests-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PUBLISHER = " - Le Quotidien de Rabat"


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve_site(slow_delay=2) as running:
        yield running


@pytest.fixture
def aggregator(site) -> Iterator[Aggregator]:
    google = [
        Item(
            "CBMiQWh0dHBzOi8vZ3NrAA", "La FM6SS signe une convention avec GSK" + PUBLISHER, site.url("qr-gsk")
        ),
        Item(
            "CBMiQWh0dHBzOi8vYXRsYXMA",
            "UM6SS and AstraZeneca sign a research memorandum - Atlas Health Review",
            site.url("atlas-astrazeneca"),
            throttle=1,
        ),
        Item(
            "CBMiQWh0dHBzOi8vbm9zaWcA",
            "La Fondation Mohammed VI des Sciences et de la Santé lance un appel",
            None,
        ),
        Item(
            "CBMiQWh0dHBzOi8vYmxlAA", "Le prix du blé recule sur les marchés" + PUBLISHER, site.url("qr-gsk")
        ),
    ]
    bing = [
        BingItem("مؤسسة محمد السادس للعلوم والصحة توقع اتفاقية", site.url("sabah-plasma")),
        BingItem("FM6SS : une convention de plus", None),
    ]
    with serve(Aggregator(google, bing)) as running:
        yield running


@pytest.fixture
def api(env, site, aggregator, tmp_path) -> Iterator[TestClient]:
    env.setenv("FM6SS_API_TOKEN", TOKEN)
    settings = Settings()
    runtime.configure(settings)
    migrate(settings.sqlalchemy_url)
    crawler = CrawlerSettings(
        allow_hosts="127.0.0.1",
        default_delay_s=0,
        read_timeout_s=2,
        total_timeout_s=4,
        google_news_url=aggregator.base_url,
        news_backoff_s=0.05,
    )
    bootstrap.configure(bootstrap.build(crawler, settings))
    client = TestClient(create_api(settings, engine(settings.sqlalchemy_url)))
    for name, url in (("gnews", aggregator.google_feed_url()), ("bing", aggregator.bing_feed_url())):
        body = {"name": name, "kind": "rss", "url": url, "delay_s": 0}
        assert client.put(f"/sources/{name}", json=body, headers=AUTH).status_code == 200
    yield client
    bootstrap.configure(None)


def stored(settings: Settings) -> tuple[list[Page], list[Rejection]]:
    with Session(engine(settings.sqlalchemy_url)) as session:
        return list(session.exec(select(Page))), list(session.exec(select(Rejection)))


def crawl(api: TestClient, source: str) -> dict:
    run = api.post("/recrawls", json={"source": source}, headers=AUTH).json()
    return api.get(f"/crawl-runs/{run['run_id']}").json()


def test_google_news_items_are_fetched_at_the_publishers_url_or_recorded_as_unresolvable(
    api, site, aggregator
):
    run = crawl(api, "gnews")
    counts = run["counts"]
    assert counts["urls_discovered"] == 2 and counts["pages_fetched"] == 2, counts
    assert counts["news_items_unresolved"] == 1 and counts["news_items_set_aside"] == 1, counts
    assert site.was_requested(MANIFEST["qr-gsk"].path) and site.was_requested(
        MANIFEST["atlas-astrazeneca"].path
    )
    pages, rejections = stored(Settings())
    assert {p.url for p in pages} == {site.url("qr-gsk"), site.url("atlas-astrazeneca")}
    gsk = next(p for p in pages if p.url == site.url("qr-gsk"))
    assert gsk.hints["title"] == "La FM6SS signe une convention avec GSK"  # the publisher's name dropped
    (rejection,) = rejections
    assert rejection.url == "https://news.google.com/rss/articles/CBMiQWh0dHBzOi8vbm9zaWcA?oc=5"
    assert rejection.reason.startswith("news_unresolved: Google News item not decoded")
    # the off-topic title was never decoded; the throttled item was asked again after its 429
    assert not aggregator.requested("/rss/articles/CBMiQWh0dHBzOi8vYmxlAA")
    assert len(aggregator.requested("/rss/articles/CBMiQWh0dHBzOi8vYXRsYXMA")) == 2
    assert len(aggregator.requested("/_/DotsSplashUi/data/batchexecute")) == 1  # one POST for the batch

    # again: each item decoded once, the unresolvable one recorded once, nothing fetched anew
    before = len(aggregator.log)
    again = crawl(api, "gnews")["counts"]
    assert [path for _, path in aggregator.log[before:]] == [
        urlsplit(aggregator.google_feed_url()).path + "?" + urlsplit(aggregator.google_feed_url()).query
    ]
    assert again.get("pages_fetched", 0) == 0 and again["urls_discovered"] == 2
    assert len(stored(Settings())[1]) == 1


def test_bing_news_items_are_read_from_their_url_parameter(api, site, aggregator):
    counts = crawl(api, "bing")["counts"]
    assert counts["urls_discovered"] == 1 and counts["pages_fetched"] == 1, counts
    assert counts["news_items_unresolved"] == 1
    pages, rejections = stored(Settings())
    assert [p.url for p in pages] == [site.url("sabah-plasma")]
    (rejection,) = rejections
    assert urlsplit(rejection.url).hostname == "www.bing.com"
    assert rejection.reason == "news_unresolved: the Bing News link carries no url= to follow"
    assert all(urlsplit(p.url).hostname == "127.0.0.1" for p in pages)


def test_a_backfill_of_a_news_search_feed_fetches_the_publishers_pages(api, site, aggregator, env, tmp_path):
    """The feed is read once (an aggregator's feed ignores `paged=`) and its items resolved as a crawl's
    are: no Google News token is ever queued as an article."""
    import yaml
    from typer.testing import CliRunner

    from services.cli import cli

    for name, value in (
        ("ALLOW_HOSTS", "127.0.0.1"),
        ("DEFAULT_DELAY_S", "0"),
        ("GOOGLE_NEWS_URL", aggregator.base_url),
        ("NEWS_BACKOFF_S", "0.05"),
    ):
        env.setenv(f"FM6SS_CRAWLER_{name}", value)
    path = tmp_path / "sources.yaml"
    spec = {"name": "gnews", "kind": "rss", "url": aggregator.google_feed_url(), "delay_s": 0}
    path.write_text(yaml.safe_dump({"sources": [spec]}), encoding="utf-8")
    args = ["backfill", "--since", "2020-01-01", "--source", "gnews", "--sources-file", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "sources     1 read, 0 failed" in result.output
    pages, rejections = stored(Settings())
    assert {p.url for p in pages} == {site.url("qr-gsk"), site.url("atlas-astrazeneca")}
    assert [r.reason.split(":")[0] for r in rejections] == ["news_unresolved"]
    feed = urlsplit(aggregator.google_feed_url()).path
    assert len(aggregator.requested(feed)) == 1  # read once: no paged=2 of an aggregator's feed
