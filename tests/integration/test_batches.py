"""Batches on the store's side: one host's fetches go out together, a batch of fetch outcomes and a batch of
rejections are each recorded in one transaction with each run counter written once (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.bus import runtime
from services.bus.messages import (
    ArticleParsed,
    ArticlesParsed,
    DiscoveredUrl,
    FetchFailed,
    FetchPage,
    PageFetched,
    PageHints,
    PageRejected,
    PagesFetched,
    PagesRejected,
    ParsePages,
    UrlsDiscovered,
)
from services.bus.routing import FETCH_PAGES, INGEST_ARTICLE, PARSE_PAGES
from services.bus.settings import Settings
from services.store import tasks as store_tasks
from services.store.crawl import fetches, urls
from services.store.db.engine import migrate, transaction
from services.store.db.unit_of_work import UnitOfWork
from tests.conftest import engine


def test_fetches_are_batched_by_host_and_capped():
    commands = [FetchPage(url=f"https://{host}.example/{i}") for i in range(5) for host in ("a", "b")]
    batches = urls.batches(commands, 2)
    assert [[p.url for p in b.pages] for b in batches] == [
        ["https://a.example/0", "https://a.example/1"],
        ["https://a.example/2", "https://a.example/3"],
        ["https://a.example/4"],
        ["https://b.example/0", "https://b.example/1"],
        ["https://b.example/2", "https://b.example/3"],
        ["https://b.example/4"],
    ]


@pytest.fixture
def sent(env, db_url, monkeypatch):
    env.setenv("FM6SS_DATABASE_URL", db_url)
    env.setenv("FM6SS_BATCH_SIZE", "2")
    runtime.configure(Settings())
    migrate(db_url)
    out: list[tuple[str, object]] = []
    monkeypatch.setattr(store_tasks, "publish", lambda app, name, message, **kw: out.append((name, message)))
    return out


def counts(db_url: str, run_id: int) -> dict[str, int]:
    with transaction(engine(db_url)) as session:
        return UnitOfWork(session).runs.counts(run_id)


def start(db_url: str) -> int:
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        run = uow.runs.start("cli", {}, False)
        assert run.id is not None
        return run.id


def test_a_batch_of_outcomes_is_one_transaction_and_its_parses_one_batch(sent, db_url):
    urls = [f"https://news.example/{i}" for i in range(5)]
    run_id = start(db_url)
    discovered = UrlsDiscovered(
        source="news", run_id=run_id, urls=tuple(DiscoveredUrl(url=u, found_as=u) for u in urls)
    )
    store_tasks.record_urls_task.apply(args=(discovered.model_dump(mode="json"),))
    assert [name for name, _ in sent] == [FETCH_PAGES] * 3  # 5 pages of one host, 2 a batch
    sent.clear()
    event = PagesFetched(
        fetched=tuple(
            PageFetched(url=u, final_url=u, status=200, archive_key=f"k{i}", run_id=run_id)
            for i, u in enumerate(urls[:4])
        ),
        failed=(FetchFailed(url=urls[4], reason="http_404", status=404, run_id=run_id),),
    )
    store_tasks.record_fetches_task.apply(args=(event.model_dump(mode="json"),))
    assert [name for name, _ in sent] == [PARSE_PAGES, PARSE_PAGES]
    parsed = [p.url for _, batch in sent for p in batch.pages if isinstance(batch, ParsePages)]
    assert parsed == urls[:4]
    found = counts(db_url, run_id)
    assert (found["urls_discovered"], found["fetches_queued"]) == (5, 5)
    assert {k: v for k, v in found.items() if k.startswith("pages")} == {
        "pages_fetched": 4,
        "pages_failed:http_404": 1,
    }
    rejected = PagesRejected(
        pages=tuple(
            PageRejected(url=u, archive_key=f"k{i}", reason="names nothing", off_topic=True, run_id=run_id)
            for i, u in enumerate(urls[:3])
        )
    )
    store_tasks.record_rejections_task.apply(args=(rejected.model_dump(mode="json"),))
    assert counts(db_url, run_id)["pages_off_topic"] == 3
    # Redelivered, and with a page named twice: each (page, body) is recorded once.
    again = PagesRejected(pages=(*rejected.pages, rejected.pages[0]))
    store_tasks.record_rejections_task.apply(args=(again.model_dump(mode="json"),))
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        states = {p.canonical_url: p.state for u in urls if (p := uow.pages.get(u)) is not None}
        assert len(uow.pages.off_topic_since(None, 0, 10)) == 3
    assert states == dict(zip(urls, ["done", "done", "done", "parsing", "failed"], strict=True))


def test_discovered_pages_are_queued_once_each_with_what_the_source_said(sent, db_url):
    run_id = start(db_url)
    first = DiscoveredUrl(
        url="https://news.example/fm6ss-accord",
        found_as="https://news.example/fm6ss-accord?utm_source=rss",
        hints=PageHints(title="La FM6SS signe un accord", lang="fr"),
    )
    second = DiscoveredUrl(url="https://news.example/autre", found_as="https://news.example/autre")
    event = UrlsDiscovered(source="news", run_id=run_id, urls=(first, second, first))  # listed twice
    with transaction(engine(db_url)) as session:
        commands = urls.record_urls(UnitOfWork(session), event, urls.RefetchPolicy())
    assert [(c.url, c.source, c.run_id, c.hints.title) for c in commands] == [
        (first.found_as, "news", run_id, "La FM6SS signe un accord"),
        (second.found_as, "news", run_id, None),
    ]
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        page = uow.pages.get(first.url)
        assert page is not None
        assert (page.url, page.source, page.state, page.run_id, page.attempts) == (
            first.found_as,
            "news",
            "queued",
            run_id,
            0,
        )
        assert page.hints == {"title": "La FM6SS signe un accord", "lang": "fr"}
        assert page.queued_at is not None and page.discovered_at is not None
        # Listed again (outside any run): the pages are in flight, nothing is sent.
        again = UrlsDiscovered(source="news", urls=event.urls)
        assert urls.record_urls(uow, again, urls.RefetchPolicy()) == []
    assert counts(db_url, run_id)["fetches_queued"] == 2


def test_outcomes_of_pages_never_queued_create_their_pages(sent, db_url):
    """A URL fetched by hand (no page yet) gets its page from its outcome, as the queued ones do."""
    done = PageFetched(
        url="https://presse.example/accord#haut",
        final_url="https://presse.example/accord",
        status=200,
        archive_key="k1",
        source="presse",
    )
    lost = FetchFailed(url="https://presse.example/absent", reason="http_404", detail="Not Found", status=404)
    with transaction(engine(db_url)) as session:
        commands = fetches.record_fetches(UnitOfWork(session), [done], [lost])
    assert [(c.url, c.archive_key) for c in commands] == [(done.url, "k1")]
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        fetched, failed = uow.pages.get("https://presse.example/accord"), uow.pages.get(lost.url)
        assert fetched is not None and failed is not None
        assert (fetched.url, fetched.source, fetched.state, fetched.archive_key) == (
            done.url,
            "presse",
            "parsing",
            "k1",
        )
        assert (failed.state, failed.failure, failed.failure_detail, failed.attempts) == (
            "failed",
            "http_404",
            "Not Found",
            1,
        )
        assert fetched.fetched_at is not None and failed.fetched_at is not None
    # The same failure again: the stored page counts a second attempt.
    with transaction(engine(db_url)) as session:
        assert fetches.record_fetches(UnitOfWork(session), [], [lost]) == []
    with transaction(engine(db_url)) as session:
        again = UnitOfWork(session).pages.get(lost.url)
        assert again is not None and again.attempts == 2


def test_tallied_counts_are_written_at_commit_and_dropped_with_a_rollback(sent, db_url):
    run_id = start(db_url)
    with transaction(engine(db_url)) as session:
        UnitOfWork(session, tally=True).count(run_id, "pages_fetched", 2)  # no flush_counts: the commit
    with pytest.raises(RuntimeError), transaction(engine(db_url)) as session:
        UnitOfWork(session, tally=True).count(run_id, "pages_fetched", 5)
        raise RuntimeError("the batch fails")
    with transaction(engine(db_url)) as session:
        assert UnitOfWork(session).runs.counts(run_id) == {"pages_fetched": 2}


def test_tallied_counts_are_written_once_at_flush(sent, db_url):
    run_id = start(db_url)
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session, tally=True)
        for _ in range(3):
            uow.count(run_id, "pages_fetched")
        uow.count(run_id, "pages_fetched", 0)
        assert uow.runs.counts(run_id) == {}
        uow.flush_counts()
        assert uow.runs.counts(run_id) == {"pages_fetched": 3}


def _parsed(db_url: str, urls: list[str]) -> int:
    """A run whose pages were fetched and now wait for their parse."""
    run_id = start(db_url)
    fetched = [
        PageFetched(url=u, final_url=u, status=200, archive_key=f"k{i}", run_id=run_id)
        for i, u in enumerate(urls)
    ]
    with transaction(engine(db_url)) as session:
        fetches.record_fetches(UnitOfWork(session), fetched)
    return run_id


def test_a_parse_batch_s_articles_come_in_one_message_and_are_stored_one_transaction_each(sent, db_url):
    """A transaction holds only its own report's locks, so the other worker waits on it only for a
    report of the same partner."""
    from tests.integration.test_ingest import AZ, CANCER, FM6SS, MSPS, RARE, candidate, event

    urls = [
        "https://presse.example/cancer",
        "https://autre.example/cancer-copie",
        "https://presse.example/rares",
    ]
    run_id = _parsed(db_url, urls)
    reports = [
        event(urls[0], CANCER * 3, candidate(FM6SS, AZ, themes=("cancer",))),
        event(urls[1], CANCER * 3, candidate(FM6SS, AZ, themes=("cancer",))),  # the same text elsewhere
        event(urls[2], RARE * 3, candidate(FM6SS, MSPS)),
    ]
    batch = ArticlesParsed(articles=tuple(r.model_copy(update={"run_id": run_id}) for r in reports))
    commits: list[object] = []

    def committed(conn):
        commits.append(conn)

    sa.event.listen(sa.engine.Engine, "commit", committed)
    try:
        result = store_tasks.ingest_articles_task.apply(args=(batch.model_dump(mode="json"),)).get()
    finally:
        sa.event.remove(sa.engine.Engine, "commit", committed)
    assert result == {"new": 2, "duplicate": 1}
    assert len(commits) == 3
    found = counts(db_url, run_id)
    assert {k: v for k, v in found.items() if k.startswith(("articles", "agreements"))} == {
        "articles_new": 2,
        "articles_duplicate": 1,
        "agreements_new": 2,
        "agreements_updated": 1,  # the copy is a second source of the first
    }
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        assert [p.state for u in urls if (p := uow.pages.get(u)) is not None] == ["done"] * 3
        assert len(uow.agreements.listed({}, 0, 10)) == 2
    # Delivered again: every report is unchanged, nothing is added.
    again = store_tasks.ingest_articles_task.apply(args=(batch.model_dump(mode="json"),)).get()
    assert again == {"unchanged": 3}
    assert counts(db_url, run_id)["articles_new"] == 2
    with transaction(engine(db_url)) as session:
        assert len(UnitOfWork(session).agreements.listed({}, 0, 10)) == 2


def _two_reports(db_url: str) -> tuple[list[str], int, ArticlesParsed]:
    from tests.integration.test_ingest import AZ, CANCER, FM6SS, MSPS, RARE, candidate, event

    urls = ["https://presse.example/bon", "https://presse.example/piege"]
    run_id = _parsed(db_url, urls)
    batch = ArticlesParsed(
        articles=(
            event(urls[0], CANCER * 3, candidate(FM6SS, AZ)).model_copy(update={"run_id": run_id}),
            event(urls[1], RARE * 3, candidate(FM6SS, MSPS)).model_copy(update={"run_id": run_id}),
        )
    )
    return urls, run_id, batch


def test_an_article_that_fails_in_a_batch_is_sent_alone_and_the_others_are_stored(sent, db_url, monkeypatch):
    """Only the failing article leaves the batch: as a task of its own, it fails (and ends as a dead
    letter) alone."""
    from services.store import tasks as module

    urls, run_id, batch = _two_reports(db_url)
    original = module.ingest_article

    def failing(uow, report):
        if report.url == urls[1]:
            raise ValueError("a report the store cannot read")
        return original(uow, report)

    monkeypatch.setattr(module, "ingest_article", failing)
    alone: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        store_tasks, "send_payload", lambda app, name, payload, **kw: alone.append((name, payload))
    )
    result = store_tasks.ingest_articles_task.apply(args=(batch.model_dump(mode="json"),)).get()
    assert result == {"new": 1, "sent_alone": 1}
    assert [(name, payload["url"]) for name, payload in alone] == [(INGEST_ARTICLE, urls[1])]
    assert ArticleParsed.model_validate(alone[0][1]) == batch.articles[1]
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        assert len(uow.agreements.listed({}, 0, 10)) == 1
        assert [p.state for u in urls if (p := uow.pages.get(u)) is not None] == ["done", "parsing"]
    assert counts(db_url, run_id)["articles_new"] == 1


def test_a_database_error_in_a_batch_retries_only_the_articles_not_stored(sent, db_url, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from services.store import tasks as module

    urls, run_id, batch = _two_reports(db_url)
    original, calls = module.ingest_article, []
    monkeypatch.setattr(module, "backoff", lambda *args, **kwargs: 0)

    def flaky(uow, report):
        calls.append(report.url)
        if calls == [urls[0], urls[1]]:  # the second article's first try
            raise OperationalError("INSERT ...", {}, Exception("server closed the connection"))
        return original(uow, report)

    monkeypatch.setattr(module, "ingest_article", flaky)
    retried = store_tasks.ingest_articles_task.apply(args=(batch.model_dump(mode="json"),), throw=False)
    assert retried.get() == {"new": 1}  # the retry's own result: the article it was sent with
    assert calls == [urls[0], urls[1], urls[1]]  # the first, stored, is not sent again
    found = counts(db_url, run_id)
    assert {k: v for k, v in found.items() if k.startswith("articles")} == {"articles_new": 2}
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        assert [p.state for u in urls if (p := uow.pages.get(u)) is not None] == ["done", "done"]


def test_a_repository_forgets_the_pages_it_read_when_its_transaction_ends(sent, db_url):
    """A page known missing in one transaction is found in the next once another has created it."""
    from sqlmodel import Session

    url = "https://presse.example/plus-tard"
    with Session(engine(db_url)) as session:
        uow = UnitOfWork(session)
        with session.begin():
            uow.pages.preload([url])
            assert uow.pages.get(url) is None
        _parsed(db_url, [url])  # another transaction records its fetch
        with session.begin():
            page = uow.pages.get(url)
            assert page is not None and page.state == "parsing"
