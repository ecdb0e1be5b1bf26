"""Worker metrics across processes: worker processes record task latency and fetches in Redis, the API
process serves them at /metrics next to the store's counters."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.bus.metrics import BUCKETS
from tests.e2e.conftest import Stack, wait_until
from tests.fixtures.site import FixtureSite, serve, source_specs

pytestmark = pytest.mark.e2e


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=4) as running:
        yield running


def scrape(stack: Stack) -> dict[str, list]:
    with stack.client() as api:
        text = api.get("/metrics").text
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def test_latency_and_fetches_by_host_recorded_by_workers_reach_the_api(stack: Stack, site: FixtureSite):
    (spec,) = [s for s in source_specs(site) if s.name == "quotidien-rabat-rss"]
    with stack.client() as api:
        assert api.put(f"/sources/{spec.name}", json=spec.model_dump()).status_code == 200
        run_id = api.post("/recrawls", json={"source": spec.name}).json()["run_id"]
        run = wait_until(
            lambda: (r := api.get(f"/crawl-runs/{run_id}").json())["status"] == "finished" and r,
            240,
            f"crawl run {run_id} to finish",
        )

    # The last tasks of the run (an ingest's change relay) may still be finishing: wait for the counts
    # to stop moving.
    def settled() -> dict[str, list] | None:
        first = scrape(stack)
        time.sleep(1.5)
        second = scrape(stack)
        return (
            second
            if first.get("fm6ss_task_duration_seconds") == second.get("fm6ss_task_duration_seconds")
            else None
        )

    families = wait_until(settled, 60, "the worker metrics to settle", interval=2)

    latency: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for s in families["fm6ss_task_duration_seconds"]:
        key = (s.labels["task"], s.labels["outcome"])
        latency[key][s.labels.get("le", s.name.rsplit("_", 1)[-1])] = s.value
    for task in (
        "crawler.discover_source",
        "crawler.fetch_page",
        "parser.parse_page",
        "store.ingest_article",
    ):
        seen = latency[(task, "success")]
        assert seen["count"] >= 1 and seen["+Inf"] == seen["count"], (task, seen)
        bounds = [seen[repr(b)] for b in BUCKETS] + [seen["+Inf"]]
        assert bounds == sorted(bounds), (task, bounds)
        # each task took some time, and less than the hard time limit
        assert 0 < seen["sum"] < seen["count"] * 360, (task, seen)
    assert latency[("crawler.discover_source", "success")]["count"] == 1

    fetches = {
        (s.labels["kind"], s.labels["host"], s.labels["outcome"]): s.value
        for s in families["fm6ss_crawler_fetches"]
    }
    assert fetches[("source", "127.0.0.1", "read")] == 1, fetches
    assert fetches[("page", "127.0.0.1", "fetched")] >= 4, fetches
    # one counter per fetch task that ran to its end (or was sent back to retry)
    page_fetches = sum(n for (kind, _, _), n in fetches.items() if kind == "page")
    fetch_tasks = sum(latency[("crawler.fetch_page", o)].get("count", 0) for o in ("success", "retry"))
    assert page_fetches == fetch_tasks, (fetches, dict(latency))
    # the failures the store counted for the run are the ones the crawler reported
    for name, n in run["counts"].items():
        if name.startswith("pages_failed:"):
            reason = name.split(":", 1)[1]
            assert fetches.get(("page", "127.0.0.1", f"failed:{reason}")) == n, (name, fetches)
    assert any(o.startswith("failed:") for (_, _, o) in fetches), fetches
