"""Store, API: operators' recrawls of everything, one source or one URL."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from pydantic import Field, field_validator, model_validator

from services.bus import runtime
from services.bus.celery_app import publish
from services.bus.messages import Message
from services.store.api.deps import (
    BODY_PROBLEMS,
    EngineDep,
    Problem,
    Queued,
    RequestBody,
    fetchable,
    operators_router,
)
from services.store.crawl.scheduling import ScopeError, start_recrawl
from services.store.db.unit_of_work import unit_of_work

operators = operators_router()


class Recrawl(RequestBody):
    """Exactly one scope: every enabled source, one source, or one URL."""

    all: bool = False
    source: str | None = Field(default=None, max_length=80)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")
    force: bool = False

    @field_validator("url")
    @classmethod
    def _readable(cls, url: str | None) -> str | None:
        return fetchable(url)

    @model_validator(mode="after")
    def _one_scope(self) -> Recrawl:
        if [self.all, self.source is not None, self.url is not None].count(True) != 1:
            raise ValueError("give exactly one of all=true, source or url")
        return self


def dispatch(outgoing: list[tuple[str, Message]]) -> None:
    """Publish after the transaction committed (in embedded mode this runs the work right here)."""
    app = runtime.app()
    for name, message in outgoing:
        publish(app, name, message)


@operators.post(
    "/recrawls", response_model=Queued, status_code=202, responses={404: {"model": Problem}, **BODY_PROBLEMS}
)
def recrawl(body: Recrawl, engine: EngineDep) -> Any:
    try:
        with unit_of_work(engine) as uow:
            run_id, outgoing = start_recrawl(
                uow, "operator", source=body.source, url=body.url, force=body.force
            )
    except ScopeError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    dispatch(outgoing)
    return Queued(run_id=run_id, queued=len(outgoing))
