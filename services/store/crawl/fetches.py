"""Store, step 4 of the data flow: record what came back of the fetches, and the pages the parser
rejected. Handlers run inside one transaction and return the parse commands to publish once it commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.bus.messages import FetchFailed, PageFetched, PageHints, PageRejected, ParsePage
from services.bus.urls import canonical_url
from services.store.db.models import Page, utcnow
from services.store.db.pages import OFF_TOPIC_PREFIX
from services.store.db.statements import FETCH_COLUMNS
from services.store.db.unit_of_work import UnitOfWork


def parse_command(page: Page) -> ParsePage:
    assert page.archive_key is not None
    return _parse(page.url, page.archive_key, page.hints, page.run_id)


def _parse(url: str, archive_key: str, hints: dict[str, Any], run_id: int | None) -> ParsePage:
    return ParsePage(
        url=url, archive_key=archive_key, content_kind="html", hints=PageHints.stored(hints), run_id=run_id
    )


def record_fetches(
    uow: UnitOfWork, fetched: Sequence[PageFetched], failed: Sequence[FetchFailed] = ()
) -> list[ParsePage]:
    """A batch of fetch outcomes (or one): the pages read and locked in one query, changed as plain rows,
    written in one statement. A fetched page keeps its validators and stops on 304 or an identical body;
    otherwise it waits for its parse, and its parse command is returned."""
    pages = uow.pages.rows([canonical_url(e.url) for e in fetched] + [canonical_url(e.url) for e in failed])
    # canonical_url is cached: asking it again below costs a dict lookup
    now, commands = utcnow(), []
    for event in fetched:
        page = _row_of(pages, event.url, event.source, now)
        run = uow.runs.get(event.run_id) if event.run_id else None
        page["fetched_at"] = now
        page["etag"] = event.etag or page["etag"]
        page["last_modified"] = event.last_modified or page["last_modified"]
        page["failure"] = page["failure_detail"] = None
        page["attempts"] = 0
        # Same body as stored: nothing to parse, unless the page still waits for its parse (this message
        # redelivered after a commit whose ParsePage was never published).
        unchanged = event.archive_key == page["archive_key"] and page["state"] != "parsing"
        if event.archive_key is None or (unchanged and not (run and run.force)):
            page["state"] = "done"
            uow.count(event.run_id, "pages_not_modified" if event.archive_key is None else "pages_unchanged")
            continue
        page.update(archive_key=event.archive_key, state="parsing", queued_at=now, run_id=event.run_id)
        uow.count(event.run_id, "pages_fetched")
        commands.append(_parse(page["url"], event.archive_key, page["hints"], event.run_id))
    for failure in failed:
        page = _row_of(pages, failure.url, failure.source, now)
        page.update(state="failed", failure=failure.reason[:80], failure_detail=failure.detail[:1000] or None)
        page["attempts"] += 1
        page["fetched_at"] = now
        uow.count(failure.run_id, f"pages_failed:{page['failure']}")
    uow.pages.write_rows(list(pages.values()))
    return commands


def _row_of(pages: dict[str, dict[str, Any]], url: str, source: str | None, now: datetime) -> dict[str, Any]:
    """The page of a fetched URL; one the store never queued (fetched by hand) is created."""
    key = canonical_url(url)
    if key not in pages:
        blank = dict.fromkeys(("id", *FETCH_COLUMNS))
        pages[key] = blank | {"canonical_url": key, "url": url, "source": source, "hints": {}}
        pages[key] |= {"state": "new", "attempts": 0, "discovered_at": now}
    return pages[key]


def record_rejections(uow: UnitOfWork, events: Sequence[PageRejected]) -> None:
    """Rejected pages (a batch, or one): the pages closed, the rejections written, in one statement each."""
    uow.pages.finish(event.url for event in events)
    rows = []
    for event in events:
        reason = OFF_TOPIC_PREFIX + event.reason if event.off_topic else event.reason
        rows.append((event.url, reason, event.archive_key, event.run_id))
        uow.count(event.run_id, "pages_off_topic" if event.off_topic else "pages_unreadable")
    uow.pages.add_rejections(rows)
