"""Store, API: the sources, read by anyone (logins hidden), written by operators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from pydantic import ConfigDict, Field, field_validator

from services.bus.messages import SourceSpec
from services.store.api.deps import (
    BODY_PROBLEMS,
    MAX_ID,
    EngineDep,
    Problem,
    Repo,
    RequestBody,
    fetchable,
    invalid,
    operators_router,
)
from services.store.crawl.sources import UnknownSource, public_spec, save_sources, set_enabled, spec_of
from services.store.db.unit_of_work import unit_of_work

router = APIRouter(tags=["crawling"])
operators = operators_router()

# As SourceSpec.name: a path naming anything else names no source.
SourceName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]


class SourceState(RequestBody):
    enabled: bool


class SourceBody(SourceSpec, RequestBody):
    """A source as an operator sends it: the same fields, read strictly, within what the table holds."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    url: str = Field(max_length=2000)
    interval_minutes: int = Field(default=60, ge=1, le=MAX_ID)
    link_pattern: str | None = Field(default=None, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    lang: str | None = Field(default=None, max_length=8)
    max_concurrency: int | None = Field(default=None, ge=1, le=MAX_ID)

    @field_validator("url")
    @classmethod
    def _readable(cls, url: str | None) -> str | None:
        return fetchable(url)


@router.get("/sources", response_model=list[SourceSpec])
def list_sources(uow: Repo) -> Any:
    """Every source; a login in a source's URL (`user:password@`) is shown as `***@`."""
    return [public_spec(s) for s in uow.sources.list_all()]


@operators.put("/sources/{name}", response_model=SourceSpec, responses=BODY_PROBLEMS)
def put_source(name: SourceName, body: SourceBody, engine: EngineDep) -> Any:
    if body.name != name:
        raise invalid("body", "name", f"the body names {body.name!r}, the path {name!r}", body.name)
    with unit_of_work(engine) as uow:
        (source,) = save_sources(uow, [body], replace=True)
        return spec_of(source)


@operators.patch(
    "/sources/{name}", response_model=SourceSpec, responses={404: {"model": Problem}, **BODY_PROBLEMS}
)
def set_source_state(name: SourceName, body: SourceState, engine: EngineDep) -> Any:
    try:
        with unit_of_work(engine) as uow:
            return spec_of(set_enabled(uow, name, body.enabled))
    except UnknownSource as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
