"""News search and GDELT through separate worker processes on Redis and PostgreSQL: Google News and Bing
News items fetched at their publishers' URLs or recorded as unresolvable, a GDELT answer's URLs queued;
the aggregators are a local server answering in their formats (tests/fixtures/aggregators.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest

from tests.e2e.conftest import Stack, wait_until
from tests.fixtures.aggregators import Aggregator, BingItem, Item, gdelt_article, serve
from tests.fixtures.site import MANIFEST, FixtureSite
from tests.fixtures.site import serve as serve_site

pytestmark = pytest.mark.e2e


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve_site(slow_delay=4) as running:
        yield running


@pytest.fixture
def aggregator(site: FixtureSite) -> Iterator[Aggregator]:
    google = [
        Item(
            "CBMiRTJFZ3NrAA",
            "La FM6SS signe une convention avec GSK - Le Quotidien de Rabat",
            site.url("qr-gsk"),
        ),
        Item("CBMiRTJFbm9zaWcA", "UM6SS : une convention signée à Rabat - Le Matin", None),
        Item("CBMiRTJFYmxlAA", "Le prix du blé recule - Le Quotidien de Rabat", site.url("qr-sothema")),
    ]
    bing = [BingItem("مؤسسة محمد السادس للعلوم والصحة", site.url("sabah-plasma"))]
    gdelt = [gdelt_article(site.url("atlas-astrazeneca"), MANIFEST["atlas-astrazeneca"].title)]
    with serve(Aggregator(google, bing, gdelt)) as running:
        yield running


@pytest.fixture
def stack_env(aggregator: Aggregator) -> dict[str, str]:
    return {
        "FM6SS_CRAWLER_GOOGLE_NEWS_URL": aggregator.base_url,
        "FM6SS_CRAWLER_GDELT_URL": aggregator.gdelt_url(),
        "FM6SS_CRAWLER_NEWS_BACKOFF_S": "0.2",
    }


def test_news_search_and_gdelt_through_workers(stack: Stack, site: FixtureSite, aggregator: Aggregator):
    gdelt = "https://api.gdeltproject.org/api/v2/doc/doc?query=" + quote("FM6SS sourcecountry:MO")
    sources = {
        "gnews": ("rss", aggregator.google_feed_url()),
        "bing": ("rss", aggregator.bing_feed_url()),
        "gdelt": ("gdelt", gdelt),
    }
    with stack.client() as api:
        for name, (kind, url) in sources.items():
            body = {"name": name, "kind": kind, "url": url, "delay_s": 0}
            assert api.put(f"/sources/{name}", json=body).status_code == 200
        run_id = api.post("/recrawls", json={"all": True}).json()["run_id"]
        run = wait_until(
            lambda: (r := api.get(f"/crawl-runs/{run_id}").json())["status"] == "finished" and r,
            240,
            "the crawl run to finish",
        )
        counts = run["counts"]
        assert counts["urls_discovered"] == 3 and counts["pages_fetched"] == 3, counts
        assert counts["news_items_unresolved"] == 1 and counts["news_items_set_aside"] == 1, counts
        for article in ("qr-gsk", "sabah-plasma", "atlas-astrazeneca"):
            assert site.was_requested(MANIFEST[article].path), article
        assert not site.was_requested(MANIFEST["qr-sothema"].path)  # its title is not the family's
        rejections = api.get("/rejections").json()["items"]
        assert [(urlsplit(r["url"]).hostname, r["reason"].split(":")[0]) for r in rejections] == [
            ("news.google.com", "news_unresolved")
        ]
        assert aggregator.requested("/api/v2/doc/doc?query=FM6SS+sourcecountry%3AMO&mode=artlist&format=json")
