"""Store, API: the sources, read by anyone (logins hidden), written by operators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Response
from pydantic import ConfigDict

from services.bus.checks import SourceCheck
from services.bus.messages import SourceInput, SourceSpec
from services.store.api.deps import (
    BODY_PROBLEMS,
    EngineDep,
    Problem,
    Repo,
    RequestBody,
    invalid,
    operators_router,
)
from services.store.crawl.sources import (
    UnknownSource,
    checks,
    public_spec,
    remove_source,
    save_sources,
    set_enabled,
    spec_of,
)
from services.store.db.unit_of_work import unit_of_work

router = APIRouter(tags=["crawling"])
operators = operators_router()

# As SourceSpec.name: a path naming anything else names no source.
SourceName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]


class SourceState(RequestBody):
    enabled: bool


class SourceBody(SourceInput, RequestBody):
    """A source as an operator sends it: checked as `fm6ss sources add` and the sources file are
    (`SourceInput`), and read strictly."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class ListedSource(SourceSpec):
    """A source with what its last `fm6ss sources check` found: none before its first check, nor since
    its URL, kind or link pattern changed or it was disabled (that check was of another source)."""

    check: SourceCheck | None = None


@router.get("/sources", response_model=list[ListedSource])
def list_sources(uow: Repo) -> Any:
    """Every source with its last check (does it answer, what it really is, what to change); a login
    in a source's URL (`user:password@`) is shown as `***@`."""
    found = checks(uow)
    return [
        ListedSource(**public_spec(s).model_dump(), check=found.get(s.name)) for s in uow.sources.list_all()
    ]


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


@operators.delete(
    "/sources/{name}", status_code=204, response_class=Response, responses={404: {"model": Problem}}
)
def delete_source(name: SourceName, engine: EngineDep) -> Response:
    """Forget a source: no more crawls of it; its pages and articles stay."""
    try:
        with unit_of_work(engine) as uow:
            remove_source(uow, name)
    except UnknownSource as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return Response(status_code=204)
