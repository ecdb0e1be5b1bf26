from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from services.bus import runtime
from services.bus.messages import (
    DiscoverSource,
    FetchFailed,
    FetchPage,
    PageFetched,
    SourceSpec,
    UrlsDiscovered,
)
from services.bus.routing import RECORD_FETCH, RECORD_FETCH_FAILURE, RECORD_URLS
from services.bus.settings import Settings
from services.crawler import bootstrap, tasks
from services.crawler.errors import Retryable, backoff, retry_after

from .fakes import make_deps, respond


@pytest.fixture
def published(env, monkeypatch):
    _isolate_runtime(monkeypatch)
    runtime.configure(Settings())
    sent: list[tuple[str, object]] = []
    monkeypatch.setattr(tasks, "publish", lambda app, name, message: sent.append((name, message)))
    yield sent
    bootstrap.configure(None)


def _isolate_runtime(monkeypatch):
    """This process's settings and app are put back as they were after the test."""
    monkeypatch.setattr(runtime, "_settings", None)
    monkeypatch.setattr(runtime, "_app", None)


def routes(table):
    return lambda request: respond(*table.get(str(request.url), (404, {}, b"")))


def test_fetch_task_publishes_the_event(published):
    html = {"content-type": "text/html"}
    bootstrap.configure(make_deps(routes({"https://news.example/a": (200, html, b"<p>x</p>")})))
    tasks.fetch_page_task.apply(args=(FetchPage(url="https://news.example/a").model_dump(mode="json"),))
    ((name, event),) = published
    assert name == RECORD_FETCH and isinstance(event, PageFetched)


def test_transient_failure_in_eager_mode_is_reported_at_once(published):
    bootstrap.configure(make_deps(routes({"https://news.example/a": (503, {}, b"")})))
    tasks.fetch_page_task.apply(
        args=(FetchPage(url="https://news.example/a", run_id=2).model_dump(mode="json"),)
    )
    ((name, event),) = published
    assert name == RECORD_FETCH_FAILURE and isinstance(event, FetchFailed)
    assert (event.reason, event.transient, event.status, event.run_id) == ("retries_exhausted", True, 503, 2)


def test_discover_task(published):
    bootstrap.configure(make_deps(routes({})))
    source = SourceSpec(name="news", kind="rss", url="https://news.example/feed")
    tasks.discover_source_task.apply(args=(DiscoverSource(source=source).model_dump(mode="json"),))
    ((name, event),) = published
    assert name == RECORD_URLS and isinstance(event, UrlsDiscovered) and event.error == "http_404"


class FakeTask:
    def __init__(self, retries: int) -> None:
        self.request = SimpleNamespace(retries=retries, is_eager=False)
        self.countdowns: list[float] = []

    def retry(self, countdown, exc):
        self.countdowns.append(countdown)
        return RuntimeError("retry")


def test_retries_back_off_then_give_up(env, monkeypatch):
    _isolate_runtime(monkeypatch)
    runtime.configure(Settings())
    bootstrap.configure(make_deps(routes({})))
    try:
        task = FakeTask(retries=0)
        with pytest.raises(RuntimeError):
            tasks._retry_or_give_up(task, Retryable("http_429", delay_s=600))
        assert task.countdowns[0] >= 600
        tasks._retry_or_give_up(FakeTask(retries=Settings().task_max_retries), Retryable("timeout"))
    finally:
        bootstrap.configure(None)


def test_backoff_grows_with_jitter_and_respects_retry_after():
    assert backoff(0, 30, 3600, rand=lambda: 0.0) == 15
    assert backoff(0, 30, 3600, rand=lambda: 1.0) == 30
    assert backoff(3, 30, 3600, rand=lambda: 1.0) == 240
    assert backoff(20, 30, 3600, rand=lambda: 1.0) == 3600
    assert backoff(0, 30, 3600, floor_s=120, rand=lambda: 0.5) == 120


def test_retry_after_header():
    now = datetime(2025, 4, 11, 10, 0, tzinfo=UTC)
    assert retry_after("120") == 120
    assert retry_after("Fri, 11 Apr 2025 10:05:00 GMT", now=now) == 300
    assert retry_after("999999") == 3600
    assert retry_after("soon") is None and retry_after(None) is None
