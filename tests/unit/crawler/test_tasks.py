from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from services.bus import runtime
from services.bus.messages import (
    DiscoverSource,
    FetchFailed,
    FetchPage,
    FetchPages,
    PageFetched,
    PagesFetched,
    SourceSpec,
    UrlsDiscovered,
)
from services.bus.retry import backoff
from services.bus.routing import (
    FETCH_PAGE,
    FETCH_PAGES,
    RECORD_FETCH,
    RECORD_FETCH_FAILURE,
    RECORD_FETCHES,
    RECORD_URLS,
)
from services.bus.settings import Settings
from services.crawler import bootstrap, tasks
from services.crawler.errors import Retryable, retry_after

from .fakes import make_deps, respond


@pytest.fixture
def published(env, monkeypatch):
    _isolate_runtime(monkeypatch)
    runtime.configure(Settings())
    sent: list[tuple[str, object]] = []
    monkeypatch.setattr(tasks, "publish", lambda app, name, message, **kw: sent.append((name, message)))
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


HTML = {"content-type": "text/html"}


def test_a_batch_reports_all_its_pages_in_one_event(published):
    table = {
        "https://news.example/a": (200, HTML, b"<p>a</p>"),
        "https://news.example/c": (200, HTML, b"<p>c</p>"),
    }
    bootstrap.configure(make_deps(routes(table)))
    batch = FetchPages(pages=tuple(FetchPage(url=f"https://news.example/{p}", run_id=3) for p in "abc"))
    tasks.fetch_pages_task.apply(args=(batch.model_dump(mode="json"),))
    ((name, event),) = published
    assert name == RECORD_FETCHES and isinstance(event, PagesFetched)
    assert [e.url for e in event.fetched] == ["https://news.example/a", "https://news.example/c"]
    assert [(e.url, e.reason) for e in event.failed] == [("https://news.example/b", "http_404")]


class Settling:
    """A limiter that records its calls around the in-memory one."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []

    def acquire(self, host, delay_s, concurrency):
        self.calls.append("acquire")
        return self.inner.acquire(host, delay_s, concurrency)

    def release(self, host):
        self.calls.append("release")
        self.inner.release(host)

    def back_off(self, host, seconds):
        self.inner.back_off(host, seconds)

    def settle(self):
        self.calls.append("settle")


def test_every_crawler_task_gives_back_the_slots_it_let_go_of_when_it_ends(published, monkeypatch):
    table = {
        "https://news.example/a": (200, HTML, b"<p>a</p>"),
        "https://news.example/sitemap.xml": (404, {}, b""),
    }
    deps = make_deps(routes(table))
    limiter = deps.limiter = Settling(deps.limiter)
    bootstrap.configure(deps)
    batch = FetchPages(pages=tuple(FetchPage(url=f"https://news.example/{p}") for p in "ab"))
    tasks.fetch_pages_task.apply(args=(batch.model_dump(mode="json"),))
    assert limiter.calls == ["acquire", "release", "acquire", "release", "settle"]
    limiter.calls.clear()
    tasks.fetch_page_task.apply(args=(FetchPage(url="https://news.example/a").model_dump(mode="json"),))
    assert limiter.calls[-1] == "settle"
    limiter.calls.clear()
    source = SourceSpec(name="news", kind="sitemap", url="https://news.example/sitemap.xml", outlet="News")
    tasks.discover_source_task.apply(args=(DiscoverSource(source=source).model_dump(mode="json"),))
    assert limiter.calls[-1] == "settle"
    limiter.calls.clear()

    def broken(body):
        raise OSError("disk full")

    monkeypatch.setattr(deps.archive, "put", broken)
    with pytest.raises(OSError):
        tasks.fetch_pages_task.run(batch.model_dump(mode="json"))
    assert limiter.calls == ["acquire", "release", "settle"]


def run_batch(published, monkeypatch, table, paths="ab"):
    """The batch task as a worker runs it (not eager); returns what it published, with countdowns."""
    bootstrap.configure(make_deps(routes(table)))
    sent = []
    monkeypatch.setattr(
        tasks, "publish", lambda app, name, message, countdown=None: sent.append((name, message, countdown))
    )
    batch = FetchPages(pages=tuple(FetchPage(url=f"https://news.example/{p}") for p in paths))
    tasks.fetch_pages_task.run(batch.model_dump(mode="json"))
    return sent


def test_a_page_to_retry_leaves_the_batch_as_a_task_of_its_own(published, monkeypatch):
    table = {"https://news.example/a": (500, {}, b""), "https://news.example/b": (200, HTML, b"b")}
    (first, fetched, _), (second, alone, countdown) = run_batch(published, monkeypatch, table)
    assert first == RECORD_FETCHES and [e.url for e in fetched.fetched] == ["https://news.example/b"]
    assert second == FETCH_PAGE and alone.url == "https://news.example/a" and countdown > 0


def test_retry_after_holds_the_rest_of_the_hosts_batch_too(published, monkeypatch):
    table = {
        "https://news.example/a": (503, {"retry-after": "120"}, b""),
        "https://news.example/b": (200, HTML, b"b"),
    }
    sent = run_batch(published, monkeypatch, table)
    assert [(name, m.url) for name, m, _ in sent] == [
        (FETCH_PAGE, "https://news.example/a"),
        (FETCH_PAGE, "https://news.example/b"),
    ]
    assert all(countdown >= 100 for _, _, countdown in sent)


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


def test_at_the_soft_time_limit_the_slow_page_is_recorded_and_the_rest_queued_again(published, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    real_fetch = tasks.handlers.fetch

    def fetch(command, deps):
        if command.url.endswith("/b"):
            raise SoftTimeLimitExceeded()
        return real_fetch(command, deps)

    monkeypatch.setattr(tasks.handlers, "fetch", fetch)
    table = {f"https://news.example/{p}": (200, HTML, p.encode()) for p in "abc"}
    sent = run_batch(published, monkeypatch, table, paths="abc")
    (recorded, event, _), (again, batch, _) = sent
    assert recorded == RECORD_FETCHES and [e.url for e in event.fetched] == ["https://news.example/a"]
    assert [(e.url, e.reason) for e in event.failed] == [("https://news.example/b", "time_limit")]
    assert again == FETCH_PAGES and [p.url for p in batch.pages] == ["https://news.example/c"]


def test_a_backfill_cut_short_by_its_time_limit_reports_the_links_found_so_far(published, monkeypatch):
    from datetime import date

    from celery.exceptions import SoftTimeLimitExceeded

    from services.bus.messages import DiscoveredUrl
    from services.crawler import history

    bootstrap.configure(make_deps(routes({})))
    source = SourceSpec(name="news", kind="rss", url="https://news.example/feed")
    one = DiscoveredUrl(url="https://news.example/2024/01/a", found_as="https://news.example/2024/01/a")

    def walk(source, deps, since, run_id, found):  # the time runs out after one link
        found.append(one)
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(history, "backfill", walk)
    command = DiscoverSource(source=source, run_id=7, since=date(2023, 1, 1))
    tasks.discover_source_task.apply(args=(command.model_dump(mode="json"),))
    ((name, event),) = published
    assert name == RECORD_URLS and event == UrlsDiscovered(source="news", run_id=7, urls=(one,))
    published.clear()
    monkeypatch.setattr(history, "backfill", lambda *args: (_ for _ in ()).throw(SoftTimeLimitExceeded()))
    tasks.discover_source_task.apply(args=(command.model_dump(mode="json"),))
    ((name, event),) = published
    assert event.error == "time_limit" and not event.urls  # nothing found: the run says so
