"""Parser queue consumers: validate the message, parse, hand the result to the store."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from services.bus import runtime
from services.bus.archive import FileArchive
from services.bus.batches import apart
from services.bus.celery_app import publish
from services.bus.messages import (
    ArticleParsed,
    ArticlesParsed,
    PageRejected,
    PagesRejected,
    ParsePage,
    ParsePages,
)
from services.bus.routing import (
    INGEST_ARTICLE,
    INGEST_ARTICLES,
    PARSE_PAGE,
    PARSE_PAGES,
    RECORD_REJECTION,
    RECORD_REJECTIONS,
)
from services.parser.pipeline import parse_page

log = logging.getLogger(__name__)


@shared_task(name=PARSE_PAGE, acks_late=True)
def parse_page_task(payload: dict[str, Any]) -> Any:
    message = ParsePage.model_validate(payload)
    result = parse_page(message, FileArchive(runtime.settings().archive_dir))
    target = INGEST_ARTICLE if isinstance(result, ArticleParsed) else RECORD_REJECTION
    return publish(runtime.app(), target, result)


@shared_task(name=PARSE_PAGES, acks_late=True)
def parse_pages_task(payload: dict[str, Any]) -> Any:
    """A batch of pages: the articles go to the store as one event (each stored in its own transaction),
    the pages that gave none as another. A page whose parse fails leaves the batch as a task of its own,
    which fails (and ends as a dead letter) alone; so does the page being parsed when the soft time
    limit strikes, and the pages after it are queued again as a batch."""
    batch = ParsePages.model_validate(payload)
    app, archive = runtime.app(), FileArchive(runtime.settings().archive_dir)
    articles: list[ArticleParsed] = []
    rejected: list[PageRejected] = []
    alone: list[ParsePage] = []
    left: tuple[ParsePage, ...] = ()
    for i, message in enumerate(batch.pages):
        try:
            result = parse_page(message, archive)
        except SoftTimeLimitExceeded:  # the slow page alone (it fails by itself), the rest as a batch
            alone.append(message)
            left = batch.pages[i + 1 :]
            break
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
    return {"articles": len(articles), "rejected": len(rejected)}
