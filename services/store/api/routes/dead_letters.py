"""Store, API: operators' view of the messages that failed for good, and their retry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Query
from pydantic import BaseModel

from services.bus import runtime
from services.bus.celery_app import send_payload
from services.store.api.deps import (
    EngineDep,
    Id,
    Paging,
    Problem,
    Queued,
    Repo,
    operators_router,
)
from services.store.db.unit_of_work import unit_of_work
from services.store.operations.dead_letters import (
    DeadLetterOut,
    NoSuchLetter,
    dead_letter_out,
    take_for_retry,
)

operators = operators_router()


class DeadLetterPage(BaseModel):
    items: list[DeadLetterOut]
    next_cursor: str | None


@operators.get("/dead-letters", response_model=DeadLetterPage)
def list_dead_letters(
    uow: Repo,
    page: Paging,
    pending: Annotated[bool, Query(description="only those not retried yet")] = False,
) -> Any:
    rows = uow.feed.dead_letters(page.after, page.limit, pending_only=pending, newest=page.newest)
    return DeadLetterPage(items=[dead_letter_out(x) for x in rows], next_cursor=page.next_cursor(rows))


@operators.post(
    "/dead-letters/{letter_id}/retry",
    response_model=Queued,
    status_code=202,
    responses={404: {"model": Problem}},
)
def retry_dead_letter(letter_id: Id, engine: EngineDep) -> Any:
    try:
        with unit_of_work(engine) as uow:
            task, payload = take_for_retry(uow, letter_id)
    except NoSuchLetter as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    send_payload(runtime.app(), task, payload, throw=False)
    return Queued(queued=1)
