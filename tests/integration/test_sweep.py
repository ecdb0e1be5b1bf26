"""The sweeper re-issues what was recorded as queued or parsing and never finished."""

from __future__ import annotations

from datetime import timedelta

from services.bus.messages import FetchPage, ParsePage
from services.store.crawl.scheduling import sweep
from services.store.db.engine import transaction
from services.store.db.models import Page, utcnow
from services.store.db.unit_of_work import UnitOfWork
from tests.conftest import engine


def test_stale_pages_are_reissued_and_fresh_ones_left_alone(db_url):
    old = utcnow() - timedelta(hours=3)
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        for name, state, queued_at, key in (
            ("lost-fetch", "queued", old, None),
            ("lost-parse", "parsing", old, "ab" * 32),
            ("in-flight", "queued", utcnow(), None),
            ("done", "done", old, "cd" * 32),
        ):
            url = f"https://x.example.org/{name}"
            uow.pages.save(
                Page(
                    canonical_url=url, url=url, state=state, queued_at=queued_at, archive_key=key, etag='"v1"'
                )
            )
    with transaction(engine(db_url)) as session:
        out = sweep(UnitOfWork(session), timedelta(hours=1))
    by_url = {m.url: (task, m) for task, m in out}
    assert set(by_url) == {"https://x.example.org/lost-fetch", "https://x.example.org/lost-parse"}
    task, fetch = by_url["https://x.example.org/lost-fetch"]
    assert task == "crawler.fetch_page" and isinstance(fetch, FetchPage) and fetch.etag == '"v1"'
    task, parse = by_url["https://x.example.org/lost-parse"]
    assert task == "parser.parse_page" and isinstance(parse, ParsePage) and parse.archive_key == "ab" * 32
    with transaction(engine(db_url)) as session:
        assert sweep(UnitOfWork(session), timedelta(hours=1)) == []  # re-issued: not stale any more


def test_a_discovery_that_never_came_back_is_reissued_once_its_run_is_stale(db_url):
    from services.bus.messages import DiscoveredUrl, DiscoverSource, UrlsDiscovered
    from services.store.crawl.scheduling import start_recrawl
    from services.store.crawl.urls import RefetchPolicy, record_urls
    from services.store.db.models import CrawlRun, Source

    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        for name in ("lost", "read"):
            session.add(Source(name=name, kind="rss", url=f"https://{name}.example.org/feed"))
        session.flush()
        run_id, out = start_recrawl(uow, "operator")
        assert sorted(m.source.name for _, m in out) == ["lost", "read"]
    url = "https://read.example.org/a"
    came_back = UrlsDiscovered(source="read", run_id=run_id, urls=(DiscoveredUrl(url=url, found_as=url),))
    with transaction(engine(db_url)) as session:
        assert len(record_urls(UnitOfWork(session), came_back, RefetchPolicy())) == 1
    with transaction(engine(db_url)) as session:  # the run is young: nothing is stale yet
        assert sweep(UnitOfWork(session), timedelta(hours=1)) == []
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.started_at = utcnow() - timedelta(hours=2)
        session.add(run)
    with transaction(engine(db_url)) as session:
        out = [
            (task, m) for task, m in sweep(UnitOfWork(session), timedelta(hours=1)) if task.endswith("source")
        ]
    assert [(task, m.source.name, m.run_id) for task, m in out if isinstance(m, DiscoverSource)] == [
        ("crawler.discover_source", "lost", run_id)
    ]
    with transaction(engine(db_url)) as session:  # the same discovery coming back twice counts once
        uow = UnitOfWork(session)
        assert record_urls(uow, came_back, RefetchPolicy()) == []
        lost = UrlsDiscovered(source="lost", run_id=run_id)
        record_urls(uow, lost, RefetchPolicy())
        record_urls(uow, lost, RefetchPolicy())
    with transaction(engine(db_url)) as session:
        counts = UnitOfWork(session).runs.counts(run_id)
        assert (counts["sources_queued"], counts["sources_done"], counts["sources_reissued"]) == (2, 2, 1)
        assert sweep(UnitOfWork(session), timedelta(hours=1)) == []  # every discovery came back
