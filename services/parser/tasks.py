"""Parser queue consumers: validate the message, parse, hand the result to the store."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from services.bus import runtime
from services.bus.archive import Archive, ArchiveUnavailable, process_archive
from services.bus.batches import apart
from services.bus.celery_app import publish
from services.bus.messages import (
    WARC_LIMIT_S,
    WARC_SOFT_LIMIT_S,
    ArticleParsed,
    ArticlesParsed,
    ImportWarc,
    PageHints,
    PageRejected,
    PagesRejected,
    ParsePage,
    ParsePages,
)
from services.bus.retry import backoff
from services.bus.routing import (
    IMPORT_WARC,
    INGEST_ARTICLE,
    INGEST_ARTICLES,
    PARSE_PAGE,
    PARSE_PAGES,
    RECORD_REJECTION,
    RECORD_REJECTIONS,
)
from services.bus.streams import open_stream
from services.parser.pipeline import parse_page
from services.parser.warc import WarcPage, host_set, html_pages

log = logging.getLogger(__name__)
# An archive that cannot be read (an S3 server restarting) is waited for: 5 tries of a backoff doubling
# from 10 s span at least 2.5 minutes (half of each step is fixed), then the page is a dead letter that
# says so, never a missing body.
ARCHIVE_RETRY_BASE_S = 10.0
ARCHIVE_RETRY_MAX_S = 300.0


@shared_task(name=PARSE_PAGE, bind=True, acks_late=True, max_retries=None)
def parse_page_task(self: Task, payload: dict[str, Any]) -> Any:
    message = ParsePage.model_validate(payload)
    try:
        result = parse_page(message, process_archive(runtime.settings()))
    except ArchiveUnavailable as exc:
        tries = self.request.retries
        if self.request.is_eager or tries >= runtime.settings().task_max_retries:
            raise
        raise self.retry(
            countdown=backoff(tries, ARCHIVE_RETRY_BASE_S, ARCHIVE_RETRY_MAX_S), exc=exc
        ) from exc
    target = INGEST_ARTICLE if isinstance(result, ArticleParsed) else RECORD_REJECTION
    return publish(runtime.app(), target, result)


@shared_task(name=PARSE_PAGES, acks_late=True)
def parse_pages_task(payload: dict[str, Any]) -> Any:
    """A batch of pages: the articles go to the store as one event (each stored in its own transaction),
    the pages that gave none as another. A page whose parse fails leaves the batch as a task of its own,
    which fails (and ends as a dead letter) alone; so does the page being parsed when the soft time
    limit strikes, and the pages after it are queued again as a batch. A page whose body the archive
    could not give leaves the batch too, after a backoff, and retries alone."""
    batch = ParsePages.model_validate(payload)
    app, archive = runtime.app(), process_archive(runtime.settings())
    articles: list[ArticleParsed] = []
    rejected: list[PageRejected] = []
    alone: list[ParsePage] = []
    later: list[ParsePage] = []
    left: tuple[ParsePage, ...] = ()
    for i, message in enumerate(batch.pages):
        try:
            result = parse_page(message, archive)
        except SoftTimeLimitExceeded:  # the slow page alone (it fails by itself), the rest as a batch
            alone.append(message)
            left = batch.pages[i + 1 :]
            break
        except ArchiveUnavailable:
            log.warning("archive unavailable; page retried alone: %s", message.url, exc_info=True)
            (alone if runtime.settings().embedded else later).append(message)
            continue
        except Exception:
            log.warning("parse failed in a batch; sent alone: %s", message.url, exc_info=True)
            alone.append(message)
            continue
        if isinstance(result, ArticleParsed):
            articles.append(result)
        else:
            rejected.append(result)
    if articles:
        publish(app, INGEST_ARTICLES, ArticlesParsed(articles=tuple(articles)))
    if rejected:
        publish(app, RECORD_REJECTIONS, PagesRejected(pages=tuple(rejected)))
    for name, outgoing, _ in apart(PARSE_PAGE, alone, PARSE_PAGES, ParsePages(pages=left) if left else None):
        publish(app, name, outgoing)
    for message in later:
        publish(app, PARSE_PAGE, message, countdown=backoff(0, ARCHIVE_RETRY_BASE_S, ARCHIVE_RETRY_MAX_S))
    return {"articles": len(articles), "rejected": len(rejected)}


@shared_task(name=IMPORT_WARC, acks_late=True, soft_time_limit=WARC_SOFT_LIMIT_S, time_limit=WARC_LIMIT_S)
def import_warc_task(payload: dict[str, Any]) -> Any:
    """One WARC file: each kept page archived, then parsed in batches like the crawl's fetched pages. Cut
    short by its time limit, it sends the batch in hand and queues the rest of the file as a new task."""
    command = ImportWarc.model_validate(payload)
    app, settings = runtime.app(), runtime.settings()
    archive = process_archive(settings)
    counts: Counter[str] = Counter()
    batch: list[ParsePage] = []
    done = command.skip

    def send() -> None:
        if batch:
            publish(app, PARSE_PAGES, ParsePages(pages=tuple(batch)))
            counts["batches"] += 1
            batch.clear()

    try:
        with open_stream(command.location) as stream:
            for page in html_pages(stream, host_set(command.hosts), counts, skip=command.skip):
                batch.append(_parse_command(page, archive))
                done = counts["responses"]
                if len(batch) >= settings.batch_size:
                    send()
    except SoftTimeLimitExceeded:
        send()
        publish(app, IMPORT_WARC, command.model_copy(update={"skip": done}))
        counts["resumed_at"] = done
        return dict(counts)
    except Exception:  # a file cut short, say: the whole pages before the fault are parsed all the same
        send()
        raise
    send()
    return dict(counts)


def _parse_command(page: WarcPage, archive: Archive) -> ParsePage:
    return ParsePage(
        url=page.url,
        archive_key=archive.put(page.body),
        content_kind="html",
        hints=PageHints(),
        fetched_at=page.fetched_at,
        screen=not page.host_listed,  # a listed outlet's page is kept as an article, as an import keeps it
    )
