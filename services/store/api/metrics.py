"""Prometheus metrics, read at scrape time and served by the API at /metrics: from the store, what was
ingested, what failed and why, dead letters and how far the change relays lag; from the broker, queue
depths, and what the workers recorded there (services/bus/metrics.py): task latency, fetches by host."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.bus.metrics import WorkerMetrics
from services.store.db.unit_of_work import UnitOfWork


class StoreCollector(Collector):
    def __init__(self, engine: Engine, queue_depths: Callable[[], dict[str, int]]) -> None:
        self.engine, self.queue_depths = engine, queue_depths

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        with Session(self.engine) as session:
            uow = UnitOfWork(session)
            counts = uow.feed.counts()
            totals = uow.runs.count_totals()
            head = uow.feed.last_seq()
            relays = [(c.name, c.seq, c.failures) for c in uow.feed.relay_cursors()]
            dead = uow.feed.count_dead_letters()
        stored = GaugeMetricFamily("fm6ss_rows", "Rows stored, by table", labels=["table"])
        for table, n in counts.items():
            stored.add_metric([table], n)
        yield stored
        yield from _run_counters(totals)
        yield GaugeMetricFamily("fm6ss_dead_letters", "Messages whose task failed for good", value=dead)
        lag = GaugeMetricFamily(
            "fm6ss_relay_lag", "Change rows not yet pushed, by consumer", labels=["consumer"]
        )
        failures = GaugeMetricFamily("fm6ss_relay_failures", "Consecutive failed pushes", labels=["consumer"])
        for name, seq, failed in relays:
            lag.add_metric([name], max(0, head - seq))  # an operator's name or a hash: never a URL
            failures.add_metric([name], failed)
        yield lag
        yield failures
        depth = GaugeMetricFamily("fm6ss_queue_depth", "Messages waiting, by queue", labels=["queue"])
        for queue, n in self.queue_depths().items():
            depth.add_metric([queue], n)
        yield depth


_FETCH_OUTCOMES = (
    "pages_fetched",
    "pages_not_modified",
    "pages_unchanged",
    "pages_unreadable",
    "pages_off_topic",
)


def _run_counters(totals: dict[str, int]) -> Iterator[CounterMetricFamily]:
    """The crawl runs' counters summed: fetches by outcome, failures by reason, articles, agreements."""
    fetches = CounterMetricFamily("fm6ss_fetches", "Pages fetched, by outcome", labels=["outcome"])
    articles = CounterMetricFamily(
        "fm6ss_articles_ingested", "Articles ingested, by outcome", labels=["outcome"]
    )
    agreements = CounterMetricFamily("fm6ss_agreements", "Agreements created or updated", labels=["action"])
    for name, n in sorted(totals.items()):
        if name.startswith("pages_failed:"):
            fetches.add_metric([f"failed:{name.split(':', 1)[1]}"], n)
        elif name in _FETCH_OUTCOMES:
            fetches.add_metric([name.removeprefix("pages_")], n)
        elif name.startswith("articles_"):
            articles.add_metric([name.removeprefix("articles_")], n)
        elif name in ("agreements_new", "agreements_updated"):
            agreements.add_metric([name.removeprefix("agreements_")], n)
    yield fetches
    yield articles
    yield agreements


class WorkerCollector(Collector):
    """What the workers recorded in Redis; nothing in embedded mode or while Redis cannot be read
    (`read` returns None), so a scrape never fails because of the broker."""

    def __init__(self, read: Callable[[], WorkerMetrics | None]) -> None:
        self.read = read

    def collect(self) -> Iterator[HistogramMetricFamily | CounterMetricFamily]:
        recorded = self.read()
        if recorded is None:
            return
        latency = HistogramMetricFamily(
            "fm6ss_task_duration_seconds",
            "Time a worker spent on a task, by task and outcome (success, retry, failure)",
            labels=["task", "outcome"],
        )
        for (task, outcome), seen in sorted(recorded.latency.items()):
            latency.add_metric([task, outcome], buckets=seen.cumulative(), sum_value=seen.sum)
        yield latency
        fetches = CounterMetricFamily(
            "fm6ss_crawler_fetches",
            "Crawler fetches by kind (page, source), host and outcome (fetched, not_modified, read, "
            "failed:REASON, retried:REASON), counted by the workers",
            labels=["kind", "host", "outcome"],
        )
        for (kind, host, outcome), n in sorted(recorded.fetches.items()):
            fetches.add_metric([kind, host, outcome], n)
        yield fetches
