"""Store, API: operators' re-parse of stored articles (and off-topic pages) from their archived bodies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from services.bus import runtime
from services.bus.celery_app import publish
from services.bus.routing import PARSE_PAGE
from services.store.api.deps import (
    BODY_PROBLEMS,
    EngineDep,
    JsonDatetime,
    Queued,
    RequestBody,
    operators_router,
)
from services.store.operations.reparse import reparse_commands

operators = operators_router()


class Reparse(RequestBody):
    since: JsonDatetime | None = None


@operators.post("/reparse", response_model=Queued, status_code=202, responses=BODY_PROBLEMS)
def reparse(
    body: Reparse,
    engine: EngineDep,
    limit: Annotated[int | None, Query(ge=1, description="at most this many articles")] = None,
) -> Any:
    n = 0
    app = runtime.app()
    for command in reparse_commands(engine, body.since):
        if limit is not None and n >= limit:
            break
        publish(app, PARSE_PAGE, command)
        n += 1
    return Queued(queued=n)
