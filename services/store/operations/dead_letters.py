"""Dead letters: messages whose task failed for good, listed for operators and sent again on request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.bus.redact import masked, masked_text
from services.store.db.models import DeadLetter, utcnow
from services.store.db.unit_of_work import UnitOfWork


class DeadLetterOut(BaseModel):
    id: int
    task: str
    error: str
    retries: int
    created_at: datetime
    retried_at: datetime | None
    payload: dict[str, Any]


def dead_letter_out(row: DeadLetter) -> DeadLetterOut:
    """A letter as shown: URLs in its error and payload masked (the stored payload, sent again on retry,
    keeps them whole)."""
    assert row.id is not None
    return DeadLetterOut(
        id=row.id,
        task=row.task,
        error=masked_text(row.error),
        retries=row.retries,
        created_at=row.created_at,
        retried_at=row.retried_at,
        payload=masked(row.payload),
    )


class NoSuchLetter(LookupError):
    pass


def take_for_retry(uow: UnitOfWork, letter_id: int) -> tuple[str, dict[str, Any]]:
    """Mark the letter retried and return (task name, payload) to publish once the transaction commits;
    if it fails again, a new dead letter records the new failure."""
    row = uow.feed.dead_letter(letter_id)
    if row is None:
        raise NoSuchLetter(f"no dead letter {letter_id}")
    row.retried_at = utcnow()
    uow.session.add(row)
    return row.task, dict(row.payload)
