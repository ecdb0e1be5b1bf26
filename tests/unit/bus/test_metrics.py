"""Worker metrics without Redis: which hash fields a task and a fetch add to, how they read back, and how
the API renders them in Prometheus text."""

from __future__ import annotations

import json
from collections import Counter

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.bus.metrics import (
    BUCKETS,
    INF,
    WorkerMetrics,
    bucket_of,
    fetch_of_retry,
    fetches_of_event,
    latency_fields,
    parse,
)
from services.bus.routing import INGEST_ARTICLE, RECORD_FETCH, RECORD_FETCH_FAILURE, RECORD_URLS
from services.store.api.metrics import WorkerCollector

FETCH = {"url": "https://www.lematin.ma/societe/fm6ss-convention", "source": "le-matin"}


class Hash(Counter[str]):
    """What HINCRBY / HINCRBYFLOAT leave in a Redis hash."""

    def add(self, fields: list[tuple[str, int | float]]) -> None:
        for name, amount in fields:
            self[name] += amount  # type: ignore[assignment]


def test_each_observation_lands_in_the_smallest_bucket_that_holds_it():
    assert bucket_of(0.0) == bucket_of(0.004) == bucket_of(0.005) == "0.005"
    assert bucket_of(0.0051) == "0.01"
    assert bucket_of(2.5) == "2.5" and bucket_of(2.6) == "5.0"
    assert bucket_of(BUCKETS[-1]) == repr(BUCKETS[-1]) and bucket_of(BUCKETS[-1] + 1) == INF


def test_a_task_adds_to_count_sum_and_one_bucket():
    fields = dict(latency_fields("crawler.fetch_page", "success", 0.3))
    assert fields == {
        json.dumps(["crawler.fetch_page", "success", "count"]): 1,
        json.dumps(["crawler.fetch_page", "success", "sum"]): 0.3,
        json.dumps(["crawler.fetch_page", "success", "0.5"]): 1,
    }
    assert (
        dict(latency_fields("store.ingest_article", "success", -0.1))[
            json.dumps(["store.ingest_article", "success", "sum"])
        ]
        == 0.0
    )  # a clock step never makes a negative sum


def _fields(sender: str, payload: dict, command: dict | None = None) -> list[list[str]]:
    return [json.loads(f) for f in fetches_of_event(sender, payload, command or {})]


def test_what_a_fetch_came_to_is_read_from_the_event_the_crawler_sends():
    fetched = {**FETCH, "final_url": FETCH["url"], "status": 200, "archive_key": "ab" * 32}
    assert _fields(RECORD_FETCH, fetched) == [["page", "www.lematin.ma", "fetched"]]
    same = {**FETCH, "url": "https://WWW.LeMatin.ma/x", "status": 304, "archive_key": None}
    assert _fields(RECORD_FETCH, same) == [["page", "www.lematin.ma", "not_modified"]]
    failed = {**FETCH, "reason": "robots_disallowed", "transient": False}
    assert _fields(RECORD_FETCH_FAILURE, failed) == [["page", "www.lematin.ma", "failed:robots_disallowed"]]
    discover = {"source": {"name": "hespress-ar", "url": "https://hespress.com/feed"}}
    assert _fields(RECORD_URLS, {"source": "hespress-ar", "urls": []}, discover) == [
        ["source", "hespress.com", "read"]
    ]
    broken = {"source": "hespress-ar", "error": "http_404: not found"}
    assert _fields(RECORD_URLS, broken, discover) == [["source", "hespress.com", "failed:http_404"]]
    assert _fields(INGEST_ARTICLE, {"text": "…", "relevant": True}) == []


def test_a_batch_counts_each_page_and_a_page_sent_back_alone_counts_as_retried():
    batch = {
        "fetched": [
            {"url": "https://alyaoum24.com/1", "status": 200},
            {"url": "https://alyaoum24.com/2", "status": 304},
            {"url": "https://alyaoum24.com/3", "status": 200},
        ],
        "failed": [{"url": "https://alyaoum24.com/4", "reason": "http_404"}],
    }
    assert sorted(map(tuple, _fields("store.record_fetches", batch))) == [
        ("page", "alyaoum24.com", "failed:http_404"),
        ("page", "alyaoum24.com", "fetched"),
        ("page", "alyaoum24.com", "fetched"),
        ("page", "alyaoum24.com", "not_modified"),
    ]
    assert _fields("crawler.fetch_page", {"url": "https://alyaoum24.com/5"}) == [
        ["page", "alyaoum24.com", "retried"]
    ]
    assert _fields("crawler.fetch_pages", {"pages": [{"url": "https://alyaoum24.com/6"}]}) == []


def test_a_retried_fetch_counts_with_its_reason():
    assert json.loads(fetch_of_retry(FETCH, "http_503")) == ["page", "www.lematin.ma", "retried:http_503"]
    discover = {"source": {"name": "le360-fr", "url": "https://fr.le360.ma/rss"}, "run_id": 4}
    assert json.loads(fetch_of_retry(discover, "timeout")) == ["source", "fr.le360.ma", "retried:timeout"]


def _recorded() -> WorkerMetrics:
    seconds, fetches = Hash(), Hash()
    for s in (0.004, 0.2, 0.3, 7.0, 400.0):
        seconds.add(latency_fields("crawler.fetch_page", "success", s))
    seconds.add(latency_fields("crawler.fetch_page", "retry", 1.5))
    fetches.add([(json.dumps(["page", "lematin.ma", "fetched"]), 4)])
    fetches.add([(json.dumps(["page", "lematin.ma", "retried:timeout"]), 1)])
    seconds["not json"] = 3  # a field another version wrote is skipped
    # Redis answers bytes
    raw = {k.encode(): str(v).encode() for k, v in seconds.items()}
    return parse(raw, {k.encode(): str(v).encode() for k, v in fetches.items()})


def test_the_hashes_read_back_as_cumulative_buckets():
    recorded = _recorded()
    ok = recorded.latency[("crawler.fetch_page", "success")]
    assert ok.count == 5 and abs(ok.sum - 407.504) < 1e-9
    cumulative = dict(ok.cumulative())
    assert cumulative["0.005"] == 1 and cumulative["0.25"] == 2 and cumulative["0.5"] == 3
    assert cumulative["10.0"] == 4 and cumulative["300.0"] == 4 and cumulative[INF] == 5
    values = [n for _, n in ok.cumulative()]
    assert values == sorted(values) and len(values) == len(BUCKETS) + 1
    assert recorded.fetches == {
        ("page", "lematin.ma", "fetched"): 4,
        ("page", "lematin.ma", "retried:timeout"): 1,
    }


def _scrape(collector: WorkerCollector) -> dict[str, list]:
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def test_the_api_renders_a_histogram_and_counters_with_prometheus_names():
    families = _scrape(WorkerCollector(_recorded))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for s in families["fm6ss_task_duration_seconds"]
    }
    success = (("outcome", "success"), ("task", "crawler.fetch_page"))
    assert samples[("fm6ss_task_duration_seconds_count", success)] == 5
    assert abs(samples[("fm6ss_task_duration_seconds_sum", success)] - 407.504) < 1e-9
    assert samples[("fm6ss_task_duration_seconds_bucket", (("le", "0.5"), *success))] == 3
    assert samples[("fm6ss_task_duration_seconds_bucket", (("le", "+Inf"), *success))] == 5
    fetched = {(s.labels["host"], s.labels["outcome"]): s.value for s in families["fm6ss_crawler_fetches"]}
    assert fetched == {("lematin.ma", "fetched"): 4, ("lematin.ma", "retried:timeout"): 1}
    assert {s.name for s in families["fm6ss_crawler_fetches"]} == {"fm6ss_crawler_fetches_total"}


def test_nothing_is_rendered_when_nothing_can_be_read():
    assert _scrape(WorkerCollector(lambda: None)) == {}
