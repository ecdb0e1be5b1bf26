"""Store, steps 3 and 4 of the data flow: decide which discovered URLs to fetch, record what came back.

Handlers run inside one transaction and return the commands to publish once it has committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from services.bus.messages import (
    ArticleParsed,
    FetchFailed,
    FetchPage,
    FetchPages,
    PageFetched,
    PageHints,
    PageRejected,
    ParsePage,
    UrlsDiscovered,
)
from services.bus.urls import InvalidUrl, canonical_url
from services.store.db.models import Page, utcnow
from services.store.db.pages import OFF_TOPIC_PREFIX, NewPage
from services.store.db.statements import FETCH_COLUMNS
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest import IngestResult


@dataclass(frozen=True)
class RefetchPolicy:
    """Known pages are fetched again only while young, and not more often than `after`."""

    after: timedelta = timedelta(hours=24)
    window: timedelta = timedelta(days=7)

    def due(self, page: Page, now: datetime, force: bool) -> bool:
        if force:
            return True
        if page.state in ("queued", "parsing"):
            return False  # in flight; the sweeper re-issues it if it stalls
        if page.fetched_at is None:
            return True
        young = _aware(page.discovered_at) > now - self.window
        return young and _aware(page.fetched_at) < now - self.after


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def record_urls(uow: UnitOfWork, event: UrlsDiscovered, policy: RefetchPolicy) -> list[FetchPage]:
    now = utcnow()
    run = uow.runs.get(event.run_id) if event.run_id else None
    force = bool(run and run.force)
    source = uow.sources.get(event.source)
    if source is not None:
        source.last_run_at = now
        source.last_error = event.error
        uow.session.add(source)
    if event.run_id is not None:
        if uow.runs.count_of(event.run_id, f"source_done:{event.source}"):
            return []  # this source's discovery was re-issued by the sweeper and both came back
        uow.count(event.run_id, f"source_done:{event.source}")
    uow.count(event.run_id, "sources_done")
    if event.error:
        uow.count(event.run_id, "sources_failed")
        uow.count(event.run_id, f"sources_failed:{event.error.split(':', 1)[0][:60]}")
        return []
    uow.count(event.run_id, "urls_discovered", len(event.urls))
    uow.pages.preload([found.url for found in event.urls], for_update=True)
    commands, new = [], {}
    for found in event.urls:
        page = uow.pages.get(found.url, for_update=True)
        if page is None:
            if found.url not in new:  # a sitemap may list a URL twice
                hints = found.hints.model_dump(exclude_none=True)
                new[found.url] = NewPage(found.url, found.found_as, event.source, hints, event.run_id)
                commands.append(
                    FetchPage(url=found.found_as, source=event.source, run_id=event.run_id, hints=found.hints)
                )
        elif policy.due(page, now, force):
            commands.append(_queue(uow, page, event.run_id, now))
    uow.pages.add_new(list(new.values()))
    uow.count(event.run_id, "fetches_queued", len(commands))
    return commands


def _queue(uow: UnitOfWork, page: Page, run_id: int | None, now: datetime) -> FetchPage:
    page.state = "queued"
    page.queued_at = now
    page.run_id = run_id
    uow.pages.save(page)
    return fetch_command(page)


def batches(commands: list[FetchPage], size: int) -> list[FetchPages]:
    """The fetches grouped by host, at most `size` a batch: one crawler task for many pages."""
    by_host: dict[str, list[FetchPage]] = {}
    for command in commands:
        by_host.setdefault((urlsplit(command.url).hostname or "").lower(), []).append(command)
    return [
        FetchPages(pages=tuple(pages[i : i + size]))
        for pages in by_host.values()
        for i in range(0, len(pages), size)
    ]


def fetch_command(page: Page) -> FetchPage:
    """The fetch of a known page, conditional on the validators it was last served with."""
    return FetchPage(
        url=page.url,
        source=page.source,
        run_id=page.run_id,
        etag=page.etag,
        last_modified=page.last_modified,
        hints=PageHints(**page.hints),
    )


def parse_command(page: Page) -> ParsePage:
    assert page.archive_key is not None
    return _parse(page.url, page.archive_key, page.hints, page.run_id)


def _parse(url: str, archive_key: str, hints: dict[str, Any], run_id: int | None) -> ParsePage:
    return ParsePage(
        url=url, archive_key=archive_key, content_kind="html", hints=PageHints(**hints), run_id=run_id
    )


def queue_url(uow: UnitOfWork, url: str, run_id: int | None, source: str | None = None) -> FetchPage:
    """An operator's recrawl of one URL: fetched whatever its state."""
    key = canonical_url(url)
    page = uow.pages.get(key, for_update=True) or Page(canonical_url=key, url=url, source=source)
    uow.count(run_id, "fetches_queued")
    return _queue(uow, page, run_id, utcnow())


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


def _keys(urls: Iterable[str]) -> list[str]:
    """The pages' keys of these URLs; a URL without a canonical form has no page and is left out."""
    keys = []
    for url in urls:
        try:
            keys.append(canonical_url(url))
        except InvalidUrl:
            continue
    return keys


def record_parsed(uow: UnitOfWork, event: ArticleParsed, result: IngestResult) -> None:
    """Close the page's cycle and count what the article gave."""
    uow.pages.finish(_keys([event.url]))
    uow.count(event.run_id, f"articles_{result.status}")
    if result.status in ("new", "updated") and not result.relevant:
        uow.count(event.run_id, "articles_irrelevant")
    uow.count(event.run_id, "agreements_new", len(result.agreements_created))
    uow.count(event.run_id, "agreements_updated", len(result.agreements_updated))


def record_rejections(uow: UnitOfWork, events: Sequence[PageRejected]) -> None:
    """Rejected pages (a batch, or one): the pages closed, the rejections written, in one statement each."""
    uow.pages.finish(_keys(event.url for event in events))
    rows = []
    for event in events:
        reason = OFF_TOPIC_PREFIX + event.reason if event.off_topic else event.reason
        rows.append((event.url, reason, event.archive_key, event.run_id))
        uow.count(event.run_id, "pages_off_topic" if event.off_topic else "pages_unreadable")
    uow.pages.add_rejections(rows)
