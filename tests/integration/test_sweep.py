"""The sweeper re-issues what was recorded as queued or parsing and never finished."""

from __future__ import annotations

from datetime import timedelta

from services.bus.messages import FetchPage, ParsePage
from services.store.db import transaction
from services.store.models import Page, utcnow
from services.store.repository import Repository
from services.store.scheduling import sweep
from tests.conftest import engine


def test_stale_pages_are_reissued_and_fresh_ones_left_alone(db_url):
    old = utcnow() - timedelta(hours=3)
    with transaction(engine(db_url)) as session:
        repo = Repository(session)
        for name, state, queued_at, key in (
            ("lost-fetch", "queued", old, None),
            ("lost-parse", "parsing", old, "ab" * 32),
            ("in-flight", "queued", utcnow(), None),
            ("done", "done", old, "cd" * 32),
        ):
            url = f"https://x.example.org/{name}"
            repo.save_page(
                Page(
                    canonical_url=url, url=url, state=state, queued_at=queued_at, archive_key=key, etag='"v1"'
                )
            )
    with transaction(engine(db_url)) as session:
        out = sweep(Repository(session), timedelta(hours=1))
    by_url = {m.url: (task, m) for task, m in out}
    assert set(by_url) == {"https://x.example.org/lost-fetch", "https://x.example.org/lost-parse"}
    task, fetch = by_url["https://x.example.org/lost-fetch"]
    assert task == "crawler.fetch_page" and isinstance(fetch, FetchPage) and fetch.etag == '"v1"'
    task, parse = by_url["https://x.example.org/lost-parse"]
    assert task == "parser.parse_page" and isinstance(parse, ParsePage) and parse.archive_key == "ab" * 32
    with transaction(engine(db_url)) as session:
        assert sweep(Repository(session), timedelta(hours=1)) == []  # re-issued: not stale any more
