"""Store queue consumers: each validates its message, runs one handler in one transaction, and only
then publishes the commands the handler returned. Database errors are retried with the bus's backoff
(`StoreTask`); a redelivered message is harmless because every handler is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import redis
from celery import Task, shared_task
from celery.signals import worker_process_init
from sqlalchemy.exc import IntegrityError, OperationalError

from services.bus import runtime
from services.bus.batches import apart
from services.bus.celery_app import publish, send_payload
from services.bus.messages import (
    ArticleParsed,
    ArticlesParsed,
    FetchFailed,
    PageFetched,
    PageRejected,
    PagesFetched,
    PagesRejected,
    ParsePages,
    RelayChanges,
    ScheduleSources,
    SweepStalled,
    TaskFailed,
    UrlsDiscovered,
)
from services.bus.retry import backoff
from services.bus.routing import (
    FETCH_PAGES,
    INGEST_ARTICLE,
    INGEST_ARTICLES,
    PARSE_PAGE,
    PARSE_PAGES,
    RECORD_DEAD_LETTER,
    RECORD_FETCH,
    RECORD_FETCH_FAILURE,
    RECORD_FETCHES,
    RECORD_REJECTION,
    RECORD_REJECTIONS,
    RECORD_URLS,
    RELAY_CHANGES,
    SCHEDULE_SOURCES,
    SWEEP_STALLED,
)
from services.store.bootstrap import STARTED_AT, engine, forget_inherited_pools, redis_client, sinks
from services.store.crawl import fetches, scheduling, urls
from services.store.db.unit_of_work import unit_of_work
from services.store.ingest.handler import IngestResult, ingest_article, record_parsed
from services.store.operations.relay import relay_all

log = logging.getLogger(__name__)


@worker_process_init.connect
def _own_connections(**_: Any) -> None:
    # A store worker's children are forked after it checked the database; each opens its own connections.
    forget_inherited_pools()


RETRY_BASE_S = 2
RETRY_MAX_S = 120
MAX_RETRIES = 8


class StoreTask(Task):  # type: ignore[misc]  # celery is untyped
    """A store consumer: a retry without an explicit delay waits the bus's `backoff` from the task's
    own base and ceiling (by default 2 s and 120 s: the 8 retries span at least 183 s, so a database
    outage shorter than that never spends them)."""

    retry_base_s: float = RETRY_BASE_S
    retry_max_s: float = RETRY_MAX_S

    def retry(self, *args: Any, countdown: float | None = None, eta: Any = None, **options: Any) -> Any:
        if countdown is None and eta is None:
            countdown = backoff(self.request.retries, self.retry_base_s, self.retry_max_s)
        return super().retry(*args, countdown=countdown, eta=eta, **options)


_RETRY: dict[str, Any] = {
    "base": StoreTask,
    "autoretry_for": (OperationalError, IntegrityError),
    "max_retries": MAX_RETRIES,
    "acks_late": True,
}


@shared_task(name=INGEST_ARTICLE, **_RETRY)
def ingest_article_task(payload: dict[str, Any]) -> dict[str, Any]:
    result = _ingest(ArticleParsed.model_validate(payload))
    _push_changes()
    return asdict(result)


def _ingest(event: ArticleParsed) -> IngestResult:
    """One article in one transaction, its page closed and the run's counters written at the commit."""
    with unit_of_work(engine(), tally=True) as uow:
        result = ingest_article(uow, event)
        record_parsed(uow, event, result)
    return result


@shared_task(name=INGEST_ARTICLES, bind=True, **_RETRY)
def ingest_articles_task(self: Task, payload: dict[str, Any]) -> dict[str, Any]:
    """The articles of one parse batch, one message, each in a transaction of its own: a transaction
    holds only its report's page and partners, so the other worker waits on it only when its report
    names one of the same partners (the whole batch in one transaction would hold the partners of all of
    them). A database error retries the articles not stored yet; any other error sends that article as a
    task of its own (it fails, and ends as a dead letter, alone) and the batch goes on."""
    batch = ArticlesParsed.model_validate(payload)
    statuses: dict[str, int] = {}
    for i, event in enumerate(batch.articles):
        try:
            result = _ingest(event)
        except (OperationalError, IntegrityError) as exc:
            _push_changes()
            rest = ArticlesParsed(articles=batch.articles[i:])
            raise self.retry(args=(rest.model_dump(mode="json"),), exc=exc) from exc
        except Exception:
            log.warning("ingest failed in a batch; sent alone: %s", event.url, exc_info=True)
            # embedded, the article's task runs here: it is a dead letter, and the batch goes on
            for name, message, _ in apart(INGEST_ARTICLE, [event]):
                send_payload(runtime.app(), name, message.model_dump(mode="json"), throw=False)
            statuses["sent_alone"] = statuses.get("sent_alone", 0) + 1
            continue
        statuses[result.status] = statuses.get(result.status, 0) + 1
    _push_changes()
    return statuses


@shared_task(name=RECORD_REJECTION, **_RETRY)
def record_rejection_task(payload: dict[str, Any]) -> dict[str, Any]:
    event = PageRejected.model_validate(payload)
    with unit_of_work(engine()) as uow:
        fetches.record_rejections(uow, [event])
    return {"status": "rejected", "reason": event.reason}


@shared_task(name=RECORD_URLS, **_RETRY)
def record_urls_task(payload: dict[str, Any]) -> dict[str, Any]:
    event = UrlsDiscovered.model_validate(payload)
    with unit_of_work(engine(), tally=True) as uow:
        commands = urls.record_urls(uow, event, urls.RefetchPolicy())
    for batch in urls.batches(commands, runtime.settings().batch_size):
        publish(runtime.app(), FETCH_PAGES, batch)
    return {"status": "recorded", "fetches": len(commands)}


@shared_task(name=RECORD_FETCHES, **_RETRY)
def record_fetches_task(payload: dict[str, Any]) -> dict[str, Any]:
    """A batch of fetch outcomes in one transaction; the pages to parse go to the parser as one batch."""
    event = PagesFetched.model_validate(payload)
    with unit_of_work(engine(), tally=True) as uow:
        commands = fetches.record_fetches(uow, event.fetched, event.failed)
    size = runtime.settings().batch_size
    for i in range(0, len(commands), size):
        publish(runtime.app(), PARSE_PAGES, ParsePages(pages=tuple(commands[i : i + size])))
    return {"status": "recorded", "parsing": len(commands), "failed": len(event.failed)}


@shared_task(name=RECORD_REJECTIONS, **_RETRY)
def record_rejections_task(payload: dict[str, Any]) -> dict[str, Any]:
    event = PagesRejected.model_validate(payload)
    with unit_of_work(engine(), tally=True) as uow:
        fetches.record_rejections(uow, event.pages)
    return {"status": "rejected", "pages": len(event.pages)}


@shared_task(name=RECORD_FETCH, **_RETRY)
def record_fetch_task(payload: dict[str, Any]) -> dict[str, Any]:
    event = PageFetched.model_validate(payload)
    with unit_of_work(engine()) as uow:
        commands = fetches.record_fetches(uow, [event])
    if not commands:
        return {"status": "unchanged"}
    publish(runtime.app(), PARSE_PAGE, commands[0])
    return {"status": "parsing"}


@shared_task(name=RECORD_FETCH_FAILURE, **_RETRY)
def record_fetch_failure_task(payload: dict[str, Any]) -> dict[str, Any]:
    event = FetchFailed.model_validate(payload)
    with unit_of_work(engine()) as uow:
        fetches.record_fetches(uow, (), [event])
    return {"status": "failed", "reason": event.reason}


RELAY_PENDING = "fm6ss:relay:pending"
RELAY_PENDING_TTL_S = 60  # a relay lost with its message is asked for again after this, or by beat


def _push_changes() -> None:
    """Ask for a relay after a commit, unless one is already queued: one relay then carries the changes
    of every ingest since it was asked for. The outbox keeps the changes if this fails; beat retries."""
    if not sinks():
        return
    try:
        client = redis_client()
        if client is not None and not client.set(RELAY_PENDING, 1, nx=True, ex=RELAY_PENDING_TTL_S):
            return  # a queued relay will read this commit's changes too
        publish(runtime.app(), RELAY_CHANGES, RelayChanges())
    except Exception:  # the article is stored; delivery is retried by the next relay
        log.warning("change relay failed; the change feed keeps the rows", exc_info=True)


@shared_task(
    name=RELAY_CHANGES,
    base=StoreTask,
    autoretry_for=(OperationalError, redis.RedisError),
    retry_base_s=5,
    retry_max_s=300,
    max_retries=10,
    acks_late=True,
)
def relay_changes_task(payload: dict[str, Any]) -> dict[str, int | str]:
    """Every sink, each with its own cursor and backoff: a failing one is retried by a later relay (the
    next commit's, or beat's), never by holding up the others."""
    RelayChanges.model_validate(payload)
    client = redis_client()
    if client is not None:  # from now on a new commit asks for another relay
        client.delete(RELAY_PENDING)
    return relay_all(engine(), sinks(), new_after=STARTED_AT)


@shared_task(name=SCHEDULE_SOURCES, **_RETRY)
def schedule_sources_task(payload: dict[str, Any]) -> dict[str, Any]:
    ScheduleSources.model_validate(payload)
    with unit_of_work(engine()) as uow:
        run_id, outgoing = scheduling.schedule_due(uow)
    for name, message in outgoing:
        publish(runtime.app(), name, message)
    return {"run_id": run_id, "sources": len(outgoing)}


@shared_task(name=SWEEP_STALLED, **_RETRY)
def sweep_stalled_task(payload: dict[str, Any]) -> dict[str, Any]:
    SweepStalled.model_validate(payload)
    settings = runtime.settings()
    # Past the visibility timeout a message still in the broker would have been redelivered already.
    stale = timedelta(seconds=settings.visibility_timeout_s + settings.task_time_limit_s)
    with unit_of_work(engine()) as uow:
        outgoing = scheduling.sweep(uow, stale)
    for name, message in outgoing:
        publish(runtime.app(), name, message)
    return {"reissued": len(outgoing)}


@shared_task(name=RECORD_DEAD_LETTER, **_RETRY)
def record_dead_letter_task(payload: dict[str, Any]) -> dict[str, Any]:
    event = TaskFailed.model_validate(payload)
    with unit_of_work(engine()) as uow:
        row = uow.feed.add_dead_letter(event.task, event.payload, event.error, event.retries)
    log.warning("dead letter %s: %s failed for good: %s", row.id, event.task, event.error)
    return {"status": "dead_letter", "id": row.id}
