"""Crawler queue consumers (steps 2 and 4): validate the command, run the handler, publish the event.

Transient failures retry with backoff and jitter up to FM6SS_TASK_MAX_RETRIES, then are reported as
such; in embedded (eager) mode they are reported at once, and the store's sweeper tries again later.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from services.bus import runtime
from services.bus.batches import apart
from services.bus.celery_app import publish
from services.bus.messages import (
    DiscoveredUrl,
    DiscoverSource,
    FetchFailed,
    FetchPage,
    FetchPages,
    PageFetched,
    PagesFetched,
    UrlsDiscovered,
)
from services.bus.retry import backoff
from services.bus.routing import (
    DISCOVER_SOURCE,
    FETCH_PAGE,
    FETCH_PAGES,
    RECORD_FETCH,
    RECORD_FETCH_FAILURE,
    RECORD_FETCHES,
    RECORD_URLS,
)
from services.crawler import bootstrap, handlers, history
from services.crawler.errors import Retryable


def _retry_or_give_up(task: Task, exc: Retryable) -> None:
    """Raise celery's Retry while tries remain; return when the caller should report the failure."""
    tries = task.request.retries
    if task.request.is_eager or tries >= runtime.settings().task_max_retries:
        return
    s = bootstrap.deps().settings
    raise task.retry(countdown=backoff(tries, s.retry_base_s, s.retry_max_s, exc.delay_s), exc=exc)


@shared_task(name=DISCOVER_SOURCE, bind=True, acks_late=True, max_retries=None)
def discover_source_task(self: Task, payload: dict[str, Any]) -> Any:
    command = DiscoverSource.model_validate(payload)
    deps = bootstrap.deps()
    found: list[DiscoveredUrl] = []  # a backfill's links so far, kept if its time runs out
    try:
        if command.since is None:
            event = handlers.discover(command.source, deps, run_id=command.run_id)
        else:
            event = history.backfill(command.source, deps, command.since, command.run_id, found)
    except Retryable as exc:
        _retry_or_give_up(self, exc)
        event = UrlsDiscovered(
            source=command.source.name, run_id=command.run_id, error=f"retries_exhausted: {exc}"
        )
    except SoftTimeLimitExceeded:
        name, run_id = command.source.name, command.run_id
        # the history read before the limit is kept; a rerun starts again from the newest page (README)
        if command.since is not None and found:
            event = UrlsDiscovered(source=name, run_id=run_id, urls=tuple(found))
        else:
            event = UrlsDiscovered(source=name, run_id=run_id, error="time_limit")
    finally:
        deps.limiter.settle()  # the host slots let go of and not given back yet (see politeness)
    return publish(runtime.app(), RECORD_URLS, event)


@shared_task(name=FETCH_PAGE, bind=True, acks_late=True, max_retries=None)
def fetch_page_task(self: Task, payload: dict[str, Any]) -> Any:
    command = FetchPage.model_validate(payload)
    deps = bootstrap.deps()
    try:
        event = handlers.fetch(command, deps)
    except Retryable as exc:
        _retry_or_give_up(self, exc)
        event = handlers.failure(command, "retries_exhausted", str(exc), exc.status, transient=True)
    except SoftTimeLimitExceeded:
        event = handlers.failure(command, "time_limit", transient=True)
    finally:
        deps.limiter.settle()
    target = RECORD_FETCH if isinstance(event, PageFetched) else RECORD_FETCH_FAILURE
    return publish(runtime.app(), target, event)


@shared_task(name=FETCH_PAGES, bind=True, acks_late=True)
def fetch_pages_task(self: Task, payload: dict[str, Any]) -> Any:
    """A batch of one host's pages, fetched in turn and reported in one event. A page that needs a retry
    leaves the batch as a task of its own (with its backoff); when the soft time limit strikes, the page
    being fetched is recorded as `time_limit` and the pages after it go back on the queue as a batch."""
    batch = FetchPages.model_validate(payload)
    deps, app = bootstrap.deps(), runtime.app()
    fetched: list[PageFetched] = []
    failed: list[FetchFailed] = []
    alone: list[tuple[FetchPage, float]] = []
    left: tuple[FetchPage, ...] = ()
    try:
        for i, command in enumerate(batch.pages):
            try:
                event = handlers.fetch(command, deps)
            except Retryable as exc:
                if self.request.is_eager:  # as fetch_page does: reported now, the sweeper tries later
                    failed.append(handlers.failure(command, "retries_exhausted", str(exc), exc.status, True))
                else:
                    s = deps.settings
                    alone.append((command, backoff(0, s.retry_base_s, s.retry_max_s, exc.delay_s)))
                continue
            except SoftTimeLimitExceeded:  # this page is recorded as too slow; the rest go back on the queue
                failed.append(handlers.failure(command, "time_limit", transient=True))
                left = batch.pages[i + 1 :]
                break
            if isinstance(event, PageFetched):
                fetched.append(event)
            else:
                failed.append(event)
    finally:
        deps.limiter.settle()  # each page's slot goes back with the next page's; the last one here
    result = None
    if fetched or failed:
        result = publish(app, RECORD_FETCHES, PagesFetched(fetched=tuple(fetched), failed=tuple(failed)))
    for name, message, countdown in apart(
        FETCH_PAGE, alone, FETCH_PAGES, FetchPages(pages=left) if left else None
    ):
        publish(app, name, message, countdown=countdown)
    return result
