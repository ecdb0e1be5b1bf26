"""Parser queue consumer: validate the message, parse, hand the result to the store."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from services.bus import runtime
from services.bus.archive import FileArchive
from services.bus.celery_app import publish
from services.bus.messages import ArticleParsed, ParsePage
from services.bus.routing import INGEST_ARTICLE, PARSE_PAGE, RECORD_REJECTION
from services.parser.pipeline import parse_page


@shared_task(name=PARSE_PAGE, acks_late=True)
def parse_page_task(payload: dict[str, Any]) -> Any:
    message = ParsePage.model_validate(payload)
    result = parse_page(message, FileArchive(runtime.settings().archive_dir))
    target = INGEST_ARTICLE if isinstance(result, ArticleParsed) else RECORD_REJECTION
    return publish(runtime.app(), target, result)
