"""Store queue consumers: each validates its message and runs one handler in one transaction.

Database errors are transient (retried with backoff and jitter); a redelivered message is harmless.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import shared_task
from sqlalchemy.exc import IntegrityError, OperationalError

from services.bus.messages import ArticleParsed, PageRejected
from services.bus.routing import INGEST_ARTICLE, RECORD_REJECTION
from services.store.db import transaction
from services.store.ingest import ingest_article
from services.store.repository import Repository
from services.store.runtime import engine

_RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError, IntegrityError),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name=INGEST_ARTICLE, **_RETRY)
def ingest_article_task(payload: dict[str, Any]) -> dict[str, Any]:
    event = ArticleParsed.model_validate(payload)
    with transaction(engine()) as session:
        result = ingest_article(Repository(session), event)
    return asdict(result)


@shared_task(name=RECORD_REJECTION, **_RETRY)
def record_rejection_task(payload: dict[str, Any]) -> dict[str, Any]:
    event = PageRejected.model_validate(payload)
    with transaction(engine()) as session:
        Repository(session).record_rejection(event.url, event.reason, event.archive_key, event.run_id)
    return {"status": "rejected", "reason": event.reason}
