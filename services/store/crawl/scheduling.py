"""Store, step 1 of the data flow: which sources are due, operators' recrawls, and the sweeper.

Each function runs in one transaction and returns (task name, message) pairs to publish after commit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.bus.messages import DiscoverSource, FetchFailed, FetchPage, Message, UrlsDiscovered
from services.bus.routing import DISCOVER_SOURCE, FETCH_PAGE, PARSE_PAGE
from services.store.crawl.fetches import parse_command, record_fetches
from services.store.crawl.sources import spec_of
from services.store.crawl.urls import BACKFILL, RefetchPolicy, fetch_command, queue_url, record_urls
from services.store.db.models import Page, Source, utcnow
from services.store.db.unit_of_work import UnitOfWork

Outgoing = list[tuple[str, Message]]


class ScopeError(ValueError):
    """A recrawl scope that names nothing: an unknown or disabled source, or no enabled source at all."""


def _due(source: Source, now: datetime) -> bool:
    if source.last_run_at is None:
        return True
    last = source.last_run_at if source.last_run_at.tzinfo else source.last_run_at.replace(tzinfo=now.tzinfo)
    return last <= now - timedelta(minutes=source.interval_minutes)


def schedule_due(uow: UnitOfWork, now: datetime | None = None) -> tuple[int | None, Outgoing]:
    """A scheduled run over every enabled source whose interval has passed; None when nothing is due."""
    now = now or utcnow()
    due = [s for s in uow.sources.list_all(enabled_only=True) if _due(s, now)]
    if not due:
        return None, []
    return _discover(uow, due, "schedule", {"sources": [s.name for s in due]}, force=False)


def start_recrawl(
    uow: UnitOfWork, trigger: str, *, source: str | None = None, url: str | None = None, force: bool = False
) -> tuple[int, Outgoing]:
    """An operator's recrawl of everything, one source, or one URL."""
    if url is not None:
        run = uow.runs.start(trigger, {"url": url}, force=True)
        assert run.id is not None
        return run.id, [(FETCH_PAGE, queue_url(uow, url, run.id))]
    if source is not None:
        found = uow.sources.get(source)
        if found is None:
            raise ScopeError(f"no source named {source!r}")
        return _discover(uow, [found], trigger, {"source": source}, force)
    sources = uow.sources.list_all(enabled_only=True)
    if not sources:
        raise ScopeError("no enabled source to crawl")
    run_id, out = _discover(uow, sources, trigger, {"all": True}, force)
    assert run_id is not None
    return run_id, out


def start_backfill(uow: UnitOfWork, since: date, source: str | None = None) -> tuple[int, Outgoing]:
    """A run that walks each source's history back to `since` (every enabled source, or one)."""
    if source is not None:
        found = uow.sources.get(source)
        if found is None:
            raise ScopeError(f"no source named {source!r}")
        sources = [found]
    else:
        sources = uow.sources.list_all(enabled_only=True)
        if not sources:
            raise ScopeError("no enabled source to backfill")
    scope = {"since": since.isoformat(), "sources": [s.name for s in sources]}
    return _discover(uow, sources, BACKFILL, scope, force=False, since=since)


def backfill_since(scope: dict[str, Any]) -> date | None:
    """The date a backfill run walks back to (None for any other run)."""
    return date.fromisoformat(scope["since"]) if isinstance(scope.get("since"), str) else None


def _discover(
    uow: UnitOfWork,
    sources: list[Source],
    trigger: str,
    scope: dict[str, Any],
    force: bool,
    since: date | None = None,
) -> tuple[int, Outgoing]:
    run = uow.runs.start(trigger, scope, force)
    assert run.id is not None
    now = utcnow()
    for source in sources:
        if since is not None:
            continue  # a backfill is no turn of the schedule's
        source.last_run_at = now  # so the schedule does not start it again while this run reads it
        uow.session.add(source)
    uow.count(run.id, "sources_queued", len(sources))
    for source in sources:  # so the sweeper can tell which discovery of the run never came back
        uow.count(run.id, f"source_queued:{source.name}")
    return run.id, [
        (DISCOVER_SOURCE, DiscoverSource(source=spec_of(s), run_id=run.id, since=since)) for s in sources
    ]


NOT_SENT = "not_sent"


def record_unsent(uow: UnitOfWork, outgoing: Outgoing, reason: str) -> None:
    """A run's first commands that could not be sent (the broker is down): each discovery and each fetch
    is recorded as failed with `reason`, as if it had come back so. The run ends, failed, rather than
    wait for messages that were never sent, and the sweeper does not send them later."""
    detail = reason[: 500 - len(NOT_SENT) - 2]
    for _, message in outgoing:
        if isinstance(message, DiscoverSource):
            event = UrlsDiscovered(
                source=message.source.name, run_id=message.run_id, error=f"{NOT_SENT}: {detail}"
            )
            record_urls(uow, event, RefetchPolicy())
        elif isinstance(message, FetchPage):
            failure = FetchFailed(
                url=message.url, reason=NOT_SENT, detail=detail, source=message.source, run_id=message.run_id
            )
            record_fetches(uow, (), [failure])


RUN_WINDOW = timedelta(days=1)  # discoveries of older runs are left to the schedule


def sweep(uow: UnitOfWork, stale_after: timedelta, limit: int = 500) -> Outgoing:
    """Re-issue what was recorded but never finished (a lost message, a broker restarted empty): pages
    queued or parsing for longer than `stale_after`, and the discoveries of recent runs whose result
    never came back."""
    before = utcnow() - stale_after
    fetches = _requeue(uow, uow.pages.stale("queued", before, limit))
    parses = _requeue(uow, [p for p in uow.pages.stale("parsing", before, limit) if p.archive_key])
    return (
        [(FETCH_PAGE, fetch_command(p)) for p in fetches]
        + [(PARSE_PAGE, parse_command(p)) for p in parses]
        + _lost_discoveries(uow, before)
    )


def _lost_discoveries(uow: UnitOfWork, before: datetime) -> Outgoing:
    out: Outgoing = []
    for run in uow.runs.started_between(before - RUN_WINDOW, before):
        assert run.id is not None
        counts = uow.runs.counts(run.id)
        for name in sorted(
            k.removeprefix("source_queued:") for k in counts if k.startswith("source_queued:")
        ):
            source = uow.sources.get(name)
            if source is not None and not counts.get(f"source_done:{name}"):
                uow.count(run.id, "sources_reissued")
                since = backfill_since(run.scope) if run.trigger == BACKFILL else None
                command = DiscoverSource(source=spec_of(source), run_id=run.id, since=since)
                out.append((DISCOVER_SOURCE, command))
    return out


def _requeue(uow: UnitOfWork, pages: list[Page]) -> list[Page]:
    for page in pages:
        page.queued_at = utcnow()
        uow.pages.save(page)
    return pages
