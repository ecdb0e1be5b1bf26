"""Store, API (step 7): agreements, articles, organizations and the change feed over HTTP.

Read endpoints page with opaque cursors; the OpenAPI description is served at /openapi.json.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from services.bus.settings import Settings
from services.store.db import transaction
from services.store.manual import ManualError, correct_fields, merge_agreements, split_agreement
from services.store.repository import Repository
from services.store.schemas import (
    AgreementDetail,
    AgreementOut,
    ArticleOut,
    ChangeOut,
    OrganizationOut,
    Page,
)
from services.store.views import agreement_detail, agreement_out, article_out, organization_out

Limit = Annotated[int, Query(ge=1, le=200, description="items per page")]
Cursor = Annotated[str | None, Query(max_length=40, description="next_cursor of the previous page")]


class Health(BaseModel):
    status: str
    database: str


class Changes(BaseModel):
    items: list[ChangeOut]
    next_after: int


class Problem(BaseModel):
    detail: str


def get_repo(request: Request) -> Iterator[Repository]:
    with Session(request.app.state.engine) as session:
        yield Repository(session)


Repo = Annotated[Repository, Depends(get_repo)]


def require_operator(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Operator endpoints need `Authorization: Bearer <FM6SS_API_TOKEN>`, compared in constant time."""
    token: str | None = request.app.state.settings.api_token
    if not token:
        raise HTTPException(status_code=403, detail="operator endpoints are disabled: set FM6SS_API_TOKEN")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(
            status_code=401, detail="missing or wrong operator token", headers={"WWW-Authenticate": "Bearer"}
        )


Operator = Depends(require_operator)


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other_id: int = Field(ge=1, description="the agreement folded into this one, then deleted")


class SplitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    article_ids: list[int] = Field(
        min_length=1, max_length=1000, description="reports moved to a new agreement"
    )


class Correction(BaseModel):
    """Fields set by hand; null removes a correction. They win over every report and survive re-parsing."""

    model_config = ConfigDict(extra="forbid")
    kind: str | None = Field(default=None, max_length=40)
    signed_on: date | None = None
    signed_on_precision: str | None = Field(default=None, pattern="^(day|month|year|inferred)$")
    place: str | None = Field(default=None, max_length=200)
    event: str | None = Field(default=None, max_length=300)
    themes: list[str] | None = Field(default=None, max_length=50)


class SplitResult(BaseModel):
    id: int


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id" or not value.isdigit():
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HTTPException(status_code=422, detail=f"invalid cursor {cursor!r}") from None


def create_api(settings: Settings, engine: Engine) -> FastAPI:
    api = FastAPI(
        title="FM6SS partnership watch",
        version="1",
        description="Partnership agreements of the Fondation Mohammed VI des Sciences et de la Santé, "
        "one normalized record per agreement, with every article that reported it.",
        responses={503: {"model": Problem, "description": "the database is unavailable"}},
    )

    api.state.engine = engine
    api.state.settings = settings

    @api.exception_handler(OperationalError)
    async def database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"detail": f"database unavailable: {type(exc.orig).__name__}"},
            headers={"Retry-After": "5"},
        )

    @api.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Any:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError:
            return JSONResponse(status_code=503, content={"status": "degraded", "database": "unavailable"})
        return Health(status="ok", database="ok")

    @api.get("/agreements", response_model=Page[AgreementOut], tags=["agreements"])
    def list_agreements(
        r: Repo,
        party: Annotated[str | None, Query(max_length=200, description="name, acronym or key")] = None,
        theme: Annotated[str | None, Query(max_length=80)] = None,
        signed_from: date | None = None,
        signed_to: date | None = None,
        q: Annotated[str | None, Query(max_length=200, description="free text")] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Any:
        filters = {"party": party, "theme": theme, "signed_from": signed_from, "signed_to": signed_to, "q": q}
        rows = r.list_agreements(filters, decode_cursor(cursor), limit)
        items = [agreement_out(r, a) for a in rows]
        return Page[AgreementOut](items=items, next_cursor=_next(rows, limit))

    @api.get(
        "/agreements/{agreement_id}",
        response_model=AgreementDetail,
        tags=["agreements"],
        responses={404: {"model": Problem}},
    )
    def get_agreement(agreement_id: int, r: Repo) -> Any:
        agreement = r.get_agreement(agreement_id)
        if agreement is None:
            raise HTTPException(status_code=404, detail=f"no agreement {agreement_id}")
        return agreement_detail(r, agreement)

    @api.get("/articles", response_model=Page[ArticleOut], tags=["articles"])
    def list_articles(
        r: Repo,
        relevant: bool | None = None,
        lang: Annotated[str | None, Query(max_length=8)] = None,
        outlet: Annotated[str | None, Query(max_length=200)] = None,
        q: Annotated[str | None, Query(max_length=200, description="in the title")] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Any:
        filters = {"relevant": relevant, "lang": lang, "outlet": outlet, "q": q}
        rows = r.list_articles(filters, decode_cursor(cursor), limit)
        return Page[ArticleOut](items=[article_out(r, a) for a in rows], next_cursor=_next(rows, limit))

    @api.get("/organizations", response_model=Page[OrganizationOut], tags=["organizations"])
    def list_organizations(
        r: Repo,
        q: Annotated[str | None, Query(max_length=200)] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Any:
        rows = r.list_organizations(q, decode_cursor(cursor), limit)
        return Page[OrganizationOut](
            items=[organization_out(o) for o in rows], next_cursor=_next(rows, limit)
        )

    @api.get("/changes", response_model=Changes, tags=["changes"])
    def changes(
        r: Repo,
        after: Annotated[int, Query(ge=0, description="last sequence number already seen")] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> Any:
        rows = r.changes_after(after, limit)
        items = [ChangeOut.model_validate(c, from_attributes=True) for c in rows]
        return Changes(items=items, next_after=items[-1].seq if items else after)

    @api.post(
        "/agreements/{agreement_id}/merge",
        response_model=AgreementDetail,
        tags=["operators"],
        dependencies=[Operator],
        responses={404: {"model": Problem}, 409: {"model": Problem}},
    )
    def merge(agreement_id: int, body: MergeRequest) -> Any:
        return _operate(engine, agreement_id, merge_agreements, body.other_id)

    @api.post(
        "/agreements/{agreement_id}/split",
        response_model=SplitResult,
        tags=["operators"],
        dependencies=[Operator],
        responses={404: {"model": Problem}, 409: {"model": Problem}},
    )
    def split(agreement_id: int, body: SplitRequest) -> Any:
        with transaction(engine) as session:
            try:
                return SplitResult(id=split_agreement(Repository(session), agreement_id, body.article_ids))
            except ManualError as exc:
                raise _manual_problem(exc) from None

    @api.patch(
        "/agreements/{agreement_id}",
        response_model=AgreementDetail,
        tags=["operators"],
        dependencies=[Operator],
        responses={404: {"model": Problem}, 409: {"model": Problem}},
    )
    def correct(agreement_id: int, body: Annotated[Correction, Body()]) -> Any:
        values = body.model_dump(mode="json", exclude_unset=True)
        return _operate(engine, agreement_id, correct_fields, values)

    return api


def _manual_problem(exc: ManualError) -> HTTPException:
    status = 404 if str(exc).startswith("no agreement") else 409
    return HTTPException(status_code=status, detail=str(exc))


def _operate(engine: Engine, agreement_id: int, action: Any, argument: Any) -> AgreementDetail:
    with transaction(engine) as session:
        repo = Repository(session)
        try:
            action(repo, agreement_id, argument)
        except ManualError as exc:
            raise _manual_problem(exc) from None
        agreement = repo.get_agreement(agreement_id)
        assert agreement is not None
        return agreement_detail(repo, agreement)


def _next(rows: list[Any], limit: int) -> str | None:
    return encode_cursor(rows[-1].id) if len(rows) == limit else None
