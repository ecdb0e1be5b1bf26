"""Operations over HTTP: crawl runs (read), and operators' recrawls, sources, re-parsing and dead
letters (token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.bus import runtime
from services.bus.celery_app import publish, send_payload
from services.bus.messages import Message, SourceSpec
from services.bus.routing import PARSE_PAGE
from services.bus.urls import canonical_url
from services.store.api_deps import (
    BODY_PROBLEMS,
    MAX_ID,
    Cursor,
    EngineDep,
    Id,
    JsonDatetime,
    Limit,
    Operator,
    Problem,
    Repo,
    RequestBody,
    decode_cursor,
    invalid,
    next_cursor,
)
from services.store.db.engine import transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.dead_letters import DeadLetterOut, NoSuchLetter, dead_letter_out, take_for_retry
from services.store.reparse import reparse_commands
from services.store.runs import RunOut, run_out
from services.store.scheduling import ScopeError, public_spec, spec_of, start_recrawl

router = APIRouter()
operators = APIRouter(
    tags=["operators"], dependencies=[Operator], responses={401: {"model": Problem}, 403: {"model": Problem}}
)


# As SourceSpec.name: a path naming anything else names no source.
SourceName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]


def _fetchable(url: str | None) -> str | None:
    """An http(s) URL whose canonical form fits the page table; InvalidUrl is a ValueError, so a 422."""
    if url is not None and len(canonical_url(url)) > 2000:
        raise ValueError("the URL is too long once canonicalized (over 2000 characters)")
    return url


class RunPage(BaseModel):
    items: list[RunOut]
    next_cursor: str | None


class Recrawl(RequestBody):
    """Exactly one scope: every enabled source, one source, or one URL."""

    all: bool = False
    source: str | None = Field(default=None, max_length=80)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")
    force: bool = False

    @field_validator("url")
    @classmethod
    def _readable(cls, url: str | None) -> str | None:
        return _fetchable(url)

    @model_validator(mode="after")
    def _one_scope(self) -> Recrawl:
        if [self.all, self.source is not None, self.url is not None].count(True) != 1:
            raise ValueError("give exactly one of all=true, source or url")
        return self


class SourceState(RequestBody):
    enabled: bool


class Reparse(RequestBody):
    since: JsonDatetime | None = None


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
        return _fetchable(url)


class Queued(BaseModel):
    run_id: int | None = None
    queued: int


def dispatch(outgoing: list[tuple[str, Message]]) -> None:
    """Publish after the transaction committed (in embedded mode this runs the work right here)."""
    app = runtime.app()
    for name, message in outgoing:
        publish(app, name, message)


@router.get("/crawl-runs", response_model=RunPage, tags=["crawling"])
def list_runs(uow: Repo, cursor: Cursor = None, limit: Limit = 20) -> Any:
    rows = uow.runs.after(decode_cursor(cursor), limit)
    return RunPage(items=[run_out(uow, x) for x in rows], next_cursor=next_cursor(rows, limit))


@router.get(
    "/crawl-runs/{run_id}", response_model=RunOut, tags=["crawling"], responses={404: {"model": Problem}}
)
def get_run(run_id: Id, uow: Repo) -> Any:
    run = uow.runs.get(run_id)
    if run is None:
        raise HTTPException(status_code=404, detail=f"no crawl run {run_id}")
    return run_out(uow, run)


@router.get("/sources", response_model=list[SourceSpec], tags=["crawling"])
def list_sources(uow: Repo) -> Any:
    """Every source; a login in a source's URL (`user:password@`) is shown as `***@`."""
    return [public_spec(s) for s in uow.sources.list_all()]


@operators.post(
    "/recrawls", response_model=Queued, status_code=202, responses={404: {"model": Problem}, **BODY_PROBLEMS}
)
def recrawl(body: Recrawl, engine: EngineDep) -> Any:
    try:
        with transaction(engine) as session:
            run_id, outgoing = start_recrawl(
                UnitOfWork(session), "operator", source=body.source, url=body.url, force=body.force
            )
    except ScopeError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    dispatch(outgoing)
    return Queued(run_id=run_id, queued=len(outgoing))


@operators.put("/sources/{name}", response_model=SourceSpec, responses=BODY_PROBLEMS)
def put_source(name: SourceName, body: SourceBody, engine: EngineDep) -> Any:
    if body.name != name:
        raise invalid("body", "name", f"the body names {body.name!r}, the path {name!r}", body.name)
    with transaction(engine) as session:
        return spec_of(UnitOfWork(session).sources.upsert(body.model_dump()))


@operators.patch(
    "/sources/{name}", response_model=SourceSpec, responses={404: {"model": Problem}, **BODY_PROBLEMS}
)
def set_source_state(name: SourceName, body: SourceState, engine: EngineDep) -> Any:
    with transaction(engine) as session:
        uow = UnitOfWork(session)
        source = uow.sources.get(name)
        if source is None:
            raise HTTPException(status_code=404, detail=f"no source named {name!r}")
        source.enabled = body.enabled
        session.add(source)
        return spec_of(source)


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


class DeadLetterPage(BaseModel):
    items: list[DeadLetterOut]
    next_cursor: str | None


@operators.get("/dead-letters", response_model=DeadLetterPage)
def list_dead_letters(
    uow: Repo,
    cursor: Cursor = None,
    limit: Limit = 50,
    pending: Annotated[bool, Query(description="only those not retried yet")] = False,
) -> Any:
    rows = uow.feed.dead_letters(decode_cursor(cursor), limit, pending_only=pending)
    return DeadLetterPage(items=[dead_letter_out(x) for x in rows], next_cursor=next_cursor(rows, limit))


@operators.post(
    "/dead-letters/{letter_id}/retry",
    response_model=Queued,
    status_code=202,
    responses={404: {"model": Problem}},
)
def retry_dead_letter(letter_id: Id, engine: EngineDep) -> Any:
    try:
        with transaction(engine) as session:
            task, payload = take_for_retry(UnitOfWork(session), letter_id)
    except NoSuchLetter as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    send_payload(runtime.app(), task, payload, throw=False)
    return Queued(queued=1)
