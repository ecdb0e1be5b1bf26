"""Store, API (step 7): agreements, articles, organizations and the change feed over HTTP.

Read endpoints page with opaque cursors; the OpenAPI description is served at /openapi.json. Operators'
endpoints live in their own routers (api_manual.py, api_crawl.py).
"""

from __future__ import annotations

from typing import Annotated, Any

import redis
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from services.bus.metrics import WorkerMetrics
from services.bus.metrics import read as read_worker_metrics
from services.bus.queues import queue_depths
from services.bus.settings import Settings
from services.store.api_crawl import operators as crawl_operators
from services.store.api_crawl import router as crawl_router
from services.store.api_deps import (
    MAX_ID,
    NO_NUL,
    Cursor,
    Id,
    Limit,
    Problem,
    QueryDate,
    Reader,
    Repo,
    decode_cursor,
    next_cursor,
)
from services.store.api_manual import router as manual_router
from services.store.api_tokens import TokenFirst, guarded_operations
from services.store.metrics import StoreCollector, WorkerCollector
from services.store.schemas import (
    AgreementDetail,
    AgreementOut,
    ArticleOut,
    ChangeOut,
    OrganizationOut,
    Page,
)
from services.store.views import agreement_detail, agreement_out, article_out, organization_out


class Health(BaseModel):
    status: str
    database: str


class Changes(BaseModel):
    items: list[ChangeOut]
    next_after: int


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
    # Reads are public unless FM6SS_API_READ_TOKEN is set; only then do they carry the check (and the
    # OpenAPI description its security requirement).
    reads: dict[str, Any] = (
        {"dependencies": [Reader], "responses": {401: {"model": Problem}}} if settings.api_read_token else {}
    )

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

    @api.get("/agreements", response_model=Page[AgreementOut], tags=["agreements"], **reads)
    def list_agreements(
        uow: Repo,
        party: Annotated[
            str | None, Query(max_length=200, pattern=NO_NUL, description="name, acronym or key")
        ] = None,
        theme: Annotated[str | None, Query(max_length=80, pattern=NO_NUL)] = None,
        signed_from: QueryDate | None = None,
        signed_to: QueryDate | None = None,
        q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL, description="free text")] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Any:
        filters = {"party": party, "theme": theme, "signed_from": signed_from, "signed_to": signed_to, "q": q}
        rows = uow.agreements.listed(filters, decode_cursor(cursor), limit)
        items = [agreement_out(uow, a) for a in rows]
        return Page[AgreementOut](items=items, next_cursor=next_cursor(rows, limit))

    @api.get(
        "/agreements/{agreement_id}",
        response_model=AgreementDetail,
        tags=["agreements"],
        dependencies=reads.get("dependencies", []),
        responses={404: {"model": Problem}, **reads.get("responses", {})},
    )
    def get_agreement(agreement_id: Id, uow: Repo) -> Any:
        agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            raise HTTPException(status_code=404, detail=f"no agreement {agreement_id}")
        return agreement_detail(uow, agreement)

    @api.get("/articles", response_model=Page[ArticleOut], tags=["articles"], **reads)
    def list_articles(
        uow: Repo,
        relevant: bool | None = None,
        lang: Annotated[str | None, Query(max_length=8, pattern=NO_NUL)] = None,
        outlet: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
        q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL, description="in the title")] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Any:
        filters = {"relevant": relevant, "lang": lang, "outlet": outlet, "q": q}
        rows = uow.articles.listed(filters, decode_cursor(cursor), limit)
        return Page[ArticleOut](
            items=[article_out(uow, a) for a in rows], next_cursor=next_cursor(rows, limit)
        )

    @api.get("/organizations", response_model=Page[OrganizationOut], tags=["organizations"], **reads)
    def list_organizations(
        uow: Repo,
        q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Any:
        rows = uow.organizations.listed(q, decode_cursor(cursor), limit)
        return Page[OrganizationOut](
            items=[organization_out(o) for o in rows], next_cursor=next_cursor(rows, limit)
        )

    @api.get("/changes", response_model=Changes, tags=["changes"], **reads)
    def changes(
        uow: Repo,
        after: Annotated[int, Query(ge=0, le=MAX_ID, description="last sequence number already seen")] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> Any:
        rows = uow.feed.changes_after(after, limit)
        items = [ChangeOut.model_validate(c, from_attributes=True) for c in rows]
        return Changes(items=items, next_after=items[-1].seq if items else after)

    registry = CollectorRegistry()
    registry.register(StoreCollector(engine, lambda: _depths(settings)))
    registry.register(WorkerCollector(lambda: _worker_metrics(settings)))

    @api.get("/metrics", include_in_schema=False, dependencies=reads.get("dependencies", []))
    def metrics() -> Response:
        """Prometheus text format."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    api.include_router(crawl_router, **reads)
    api.include_router(manual_router)
    api.include_router(crawl_operators)
    api.add_middleware(TokenFirst, guarded=guarded_operations(api.openapi()), settings=settings)
    return api


def _depths(settings: Settings) -> dict[str, int]:
    try:
        return queue_depths(settings.broker_url)
    except redis.RedisError:
        return {}  # the broker is down: the gauge is absent rather than wrong


def _worker_metrics(settings: Settings) -> WorkerMetrics | None:
    """What the workers recorded in the Redis broker; None in embedded mode or when it cannot be read."""
    if not settings.broker_url or not settings.broker_url.startswith("redis"):
        return None
    client = redis.Redis.from_url(settings.broker_url, socket_timeout=5)
    try:
        return read_worker_metrics(client)
    except redis.RedisError:
        return None
    finally:
        client.close()
