"""Store, step 3 of the data flow: decide which discovered URLs to fetch (new, or due again), and an
operator's recrawl of one URL.

Handlers run inside one transaction and return the commands to publish once it has committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from services.bus.limits import URL_CHARS
from services.bus.messages import (
    FetchPage,
    FetchPages,
    PageHints,
    UrlsDiscovered,
)
from services.bus.urls import canonical_url
from services.store.db.models import Page, utcnow
from services.store.db.pages import NewPage
from services.store.db.unit_of_work import UnitOfWork


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


BACKFILL = "backfill"  # the trigger of `fm6ss backfill`'s runs
# A backfill fetches only the pages never fetched: a second run, or one after an interrupted one, fetches
# none of what an earlier one got, and the known pages are the schedule's to refresh.
BACKFILL_POLICY = RefetchPolicy(window=timedelta(0))


def record_urls(uow: UnitOfWork, event: UrlsDiscovered, policy: RefetchPolicy) -> list[FetchPage]:
    now = utcnow()
    run = uow.runs.get(event.run_id) if event.run_id else None
    force = bool(run and run.force)
    backfill = run is not None and run.trigger == BACKFILL
    if backfill:
        policy = BACKFILL_POLICY
    source = uow.sources.get(event.source)
    if source is not None and not backfill:  # a source's last run and error are its schedule's
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
    if event.unresolved:  # news-search items without a publisher's URL: recorded once, never fetched
        rows = [(u.url[:URL_CHARS], u.reason[:500], None, event.run_id) for u in event.unresolved]
        uow.pages.add_rejections(rows)
        uow.count(event.run_id, "news_items_unresolved", len(rows))
    if event.set_aside:
        uow.count(event.run_id, "news_items_set_aside", event.set_aside)
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
        hints=PageHints.stored(page.hints),
    )


def queue_url(uow: UnitOfWork, url: str, run_id: int | None, source: str | None = None) -> FetchPage:
    """An operator's recrawl of one URL: fetched whatever its state."""
    key = canonical_url(url)
    page = uow.pages.get(key, for_update=True) or Page(canonical_url=key, url=url, source=source)
    uow.count(run_id, "fetches_queued")
    return _queue(uow, page, run_id, utcnow())
