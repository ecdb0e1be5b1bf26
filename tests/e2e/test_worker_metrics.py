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

    # One page a task or a batch a task, whichever the store sends: the names differ, the rest holds.
    def successful(prefix: str) -> dict[str, float]:
        found = [
            seen
            for (task, outcome), seen in latency.items()
            if task.startswith(prefix) and outcome == "success"
        ]
        assert found, (prefix, sorted(latency))
        return {part: sum(seen.get(part, 0) for seen in found) for part in found[0]}

    for prefix in (
        "crawler.discover_source",
        "crawler.fetch_page",
        "parser.parse_page",
        "store.ingest_article",
    ):
        seen = successful(prefix)
        assert seen["count"] >= 1 and seen["+Inf"] == seen["count"], (prefix, seen)
        bounds = [seen[repr(b)] for b in BUCKETS] + [seen["+Inf"]]
        assert bounds == sorted(bounds), (prefix, bounds)
        # each task took some time, and less than the hard time limit
        assert 0 < seen["sum"] < seen["count"] * 360, (prefix, seen)
    assert successful("crawler.discover_source")["count"] == 1

    fetches = {
        (s.labels["kind"], s.labels["host"], s.labels["outcome"]): s.value
        for s in families["fm6ss_crawler_fetches"]
    }
    assert fetches[("source", "127.0.0.1", "read")] == 1, fetches
    assert fetches[("page", "127.0.0.1", "fetched")] >= 4, fetches
    # every fetch the store queued came to one end the crawler reported (none was retried here)
    ends = sum(n for (kind, _, outcome), n in fetches.items() if kind == "page" and outcome != "retried")
    assert ends == run["counts"]["fetches_queued"], (fetches, run["counts"])
    # the failures the store counted for the run are the ones the crawler reported
    for name, n in run["counts"].items():
        if name.startswith("pages_failed:"):
            reason = name.split(":", 1)[1]
            assert fetches.get(("page", "127.0.0.1", f"failed:{reason}")) == n, (name, fetches)
    assert any(o.startswith("failed:") for (_, _, o) in fetches), fetches
