"""The store's crawl handlers against an in-memory unit of work: which URLs are fetched, what a fetch's
outcome does to its page, what a rejection records, what a recrawl or the sweeper sends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.bus.messages import (
    DiscoveredUrl,
    FetchFailed,
    PageFetched,
    PageRejected,
    SourceSpec,
    UrlsDiscovered,
)
from services.bus.routing import DISCOVER_SOURCE, FETCH_PAGE
from services.store.crawl.fetches import record_fetches, record_rejections
from services.store.crawl.scheduling import ScopeError, schedule_due, start_backfill, start_recrawl, sweep
from services.store.crawl.sources import UnknownSource, save_sources, set_enabled
from services.store.crawl.urls import RefetchPolicy, record_urls
from services.store.db.models import utcnow
from services.store.db.pages import OFF_TOPIC_PREFIX
from tests.unit.store.fakes import FakeUnitOfWork

A, B = "https://news.ma/a", "https://news.ma/b"


def found(url: str, as_written: str | None = None) -> DiscoveredUrl:
    return DiscoveredUrl(url=url, found_as=as_written or url)


def spec(name: str, enabled: bool = True) -> SourceSpec:
    return SourceSpec(name=name, kind="rss", url=f"https://{name}.ma/feed", enabled=enabled)


def test_new_urls_are_queued_once_each_and_counted():
    uow = FakeUnitOfWork()
    run = uow.runs.start("cli", {"all": True}, force=False)
    urls = (found(A, A + "?utm_source=rss"), found(B), found(A))
    commands = record_urls(uow, UrlsDiscovered(source="news", run_id=run.id, urls=urls), RefetchPolicy())
    assert [c.url for c in commands] == [A + "?utm_source=rss", B]  # fetched as the source wrote it
    assert {k: p.state for k, p in uow.pages.by_key.items()} == {A: "queued", B: "queued"}
    assert uow.runs.counts(run.id) == {
        "fetches_queued": 2,
        "source_done:news": 1,
        "sources_done": 1,
        "urls_discovered": 3,
    }


def test_a_discovery_that_comes_back_twice_for_a_run_is_recorded_once():
    """The sweeper re-issued it and both came back: the second changes nothing."""
    uow = FakeUnitOfWork()
    run = uow.runs.start("schedule", {}, force=False)
    event = UrlsDiscovered(source="news", run_id=run.id, urls=(found(A),))
    assert len(record_urls(uow, event, RefetchPolicy())) == 1
    assert record_urls(uow, event, RefetchPolicy()) == []
    assert uow.runs.counts(run.id)["sources_done"] == 1


def test_a_page_in_flight_is_not_queued_again_unless_the_run_forces_it():
    uow = FakeUnitOfWork()
    record_urls(uow, UrlsDiscovered(source="news", urls=(found(A),)), RefetchPolicy())
    assert record_urls(uow, UrlsDiscovered(source="news", urls=(found(A),)), RefetchPolicy()) == []
    forced = uow.runs.start("operator", {"source": "news"}, force=True)
    again = record_urls(
        uow, UrlsDiscovered(source="news", run_id=forced.id, urls=(found(A),)), RefetchPolicy()
    )
    assert [c.url for c in again] == [A]  # a known page is fetched by its stored URL, with its validators


def test_a_failed_discovery_queues_nothing_and_counts_its_reason():
    uow = FakeUnitOfWork()
    run = uow.runs.start("cli", {}, force=False)
    event = UrlsDiscovered(source="news", run_id=run.id, error="http_503: feed down")
    assert record_urls(uow, event, RefetchPolicy()) == []
    assert uow.runs.counts(run.id)["sources_failed:http_503"] == 1


def test_fetch_outcomes_set_each_page_and_return_the_parses():
    uow = FakeUnitOfWork()
    run = uow.runs.start("cli", {}, force=False)
    event = UrlsDiscovered(source="news", run_id=run.id, urls=(found(A), found(B)))
    record_urls(uow, event, RefetchPolicy())
    body = PageFetched(url=A, final_url=A, status=200, archive_key="k1", etag='"v1"', run_id=run.id)
    lost = FetchFailed(url=B, reason="http_404", detail="gone", run_id=run.id)
    commands = record_fetches(uow, [body], [lost])
    assert [(c.url, c.archive_key) for c in commands] == [(A, "k1")]
    a, b = uow.pages.by_key[A], uow.pages.by_key[B]
    assert (a.state, a.etag, a.archive_key) == ("parsing", '"v1"', "k1")
    assert (b.state, b.failure, b.failure_detail, b.attempts) == ("failed", "http_404", "gone", 1)
    counts = uow.runs.counts(run.id)
    assert counts["pages_fetched"] == 1 and counts["pages_failed:http_404"] == 1


def test_a_body_seen_before_or_not_modified_is_not_parsed_again():
    uow = FakeUnitOfWork()
    record_urls(uow, UrlsDiscovered(source="news", urls=(found(A), found(B))), RefetchPolicy())
    record_fetches(uow, [PageFetched(url=A, final_url=A, status=200, archive_key="k1")])
    uow.pages.finish([A])
    assert record_fetches(uow, [PageFetched(url=A, final_url=A, status=200, archive_key="k1")]) == []
    assert record_fetches(uow, [PageFetched(url=B, final_url=B, status=304)]) == []
    assert uow.pages.by_key[A].state == uow.pages.by_key[B].state == "done"


def test_rejections_close_their_pages_and_say_why():
    uow = FakeUnitOfWork()
    run = uow.runs.start("cli", {}, force=False)
    off = PageRejected(url=A, archive_key="k1", reason="no family name", off_topic=True, run_id=run.id)
    unreadable = PageRejected(url=B, reason="not_html", run_id=run.id)
    nowhere = PageRejected(url="mailto:someone", reason="not_html")  # no page key: left out
    record_rejections(uow, [off, unreadable, nowhere])
    assert [(r.url, r.reason) for r in uow.pages.rejections] == [
        (A, OFF_TOPIC_PREFIX + "no family name"),
        (B, "not_html"),
        ("mailto:someone", "not_html"),
    ]
    assert uow.pages.finished == [A, B]
    assert uow.runs.counts(run.id) == {"pages_off_topic": 1, "pages_unreadable": 1}


def test_a_recrawl_names_an_existing_source_and_the_schedule_only_due_ones():
    uow = FakeUnitOfWork()
    save_sources(uow, [spec("news"), spec("wire")])
    with pytest.raises(ScopeError, match="no source named 'radio'"):
        start_recrawl(uow, "operator", source="radio")
    run_id, outgoing = schedule_due(uow)
    assert run_id is not None and [name for name, _ in outgoing] == [DISCOVER_SOURCE, DISCOVER_SOURCE]
    assert schedule_due(uow) == (None, [])  # just started: not due again before their interval
    run_id, outgoing = start_recrawl(uow, "operator", url=A)
    assert outgoing[0][0] == FETCH_PAGE and uow.pages.by_key[A].state == "queued"


def test_the_sweeper_reissues_pages_stuck_in_flight():
    uow = FakeUnitOfWork()
    record_urls(uow, UrlsDiscovered(source="news", urls=(found(A),)), RefetchPolicy())
    uow.pages.by_key[A].queued_at = utcnow() - timedelta(hours=2)
    assert [(name, m.url) for name, m in sweep(uow, timedelta(hours=1))] == [(FETCH_PAGE, A)]
    assert sweep(uow, timedelta(hours=1)) == []  # re-issued just now: not stale any more


def test_sources_keep_an_operators_choice_unless_replaced():
    uow = FakeUnitOfWork()
    save_sources(uow, [spec("news")])
    uow.sources.checked.add("news")
    save_sources(uow, [spec("news")])
    assert uow.sources.checked == {"news"}  # saved as it was: its check still holds
    set_enabled(uow, "news", False)
    assert uow.sources.checked == set()  # disabled: the check no longer says anything that matters
    save_sources(uow, [spec("news")])
    assert uow.sources.get("news").enabled is False
    save_sources(uow, [spec("news")], replace=True)
    assert uow.sources.get("news").enabled is True
    with pytest.raises(UnknownSource, match="no source named 'radio'"):
        set_enabled(uow, "radio", True)


def test_a_backfill_is_a_run_of_its_own_that_fetches_only_pages_never_fetched():
    uow = FakeUnitOfWork()
    save_sources(uow, [spec("news"), spec("wire", enabled=False)])
    with pytest.raises(ScopeError, match="no source named 'radio'"):
        start_backfill(uow, date(2023, 1, 1), source="radio")
    run_id, outgoing = start_backfill(uow, date(2023, 1, 1))
    run = uow.runs.get(run_id)
    assert run is not None and run.trigger == "backfill"
    assert run.scope == {"since": "2023-01-01", "sources": ["news"]}
    assert [(n, m.source.name, m.since) for n, m in outgoing] == [(DISCOVER_SOURCE, "news", date(2023, 1, 1))]
    assert uow.sources.get("news").last_run_at is None  # the schedule's turn is its own
    # a page fetched long ago (a crawl would fetch it again while young) and a new one
    record_urls(uow, UrlsDiscovered(source="news", urls=(found(A),)), RefetchPolicy())
    page = uow.pages.by_key[A]
    page.state, page.fetched_at = "done", utcnow() - timedelta(days=2)
    event = UrlsDiscovered(source="news", run_id=run_id, urls=(found(A), found(B)))
    assert [c.url for c in record_urls(uow, event, RefetchPolicy())] == [B]


def test_the_sweeper_reissues_a_lost_backfill_discovery_with_its_date():
    uow = FakeUnitOfWork()
    save_sources(uow, [spec("news")])
    run_id, _ = start_backfill(uow, date(2023, 1, 1))
    uow.runs.get(run_id).started_at = utcnow() - timedelta(hours=2)  # type: ignore[union-attr]
    reissued = sweep(uow, timedelta(hours=1))
    assert [(n, m.source.name, m.since, m.run_id) for n, m in reissued] == [
        (DISCOVER_SOURCE, "news", date(2023, 1, 1), run_id)
    ]
