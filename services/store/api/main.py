"""Store, API (step 7): the FastAPI app. It only wires: settings, engine, error handling, metrics, the
routers of routes/ (one module per resource) and the middleware that checks operators' tokens first.

Read endpoints page with opaque cursors; the OpenAPI description is served at /openapi.json.
"""

from __future__ import annotations

from typing import Any

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import CollectorRegistry
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from services.bus.explanation import PageExplainer
from services.bus.metrics import WorkerMetrics
from services.bus.metrics import read as read_worker_metrics
from services.bus.queues import queue_depths
from services.bus.settings import Settings
from services.store.api.body_limit import BodyLimit
from services.store.api.deps import KnownQuery, Problem, Reader
from services.store.api.errors import invalid_input
from services.store.api.etags import ETags
from services.store.api.metrics import StoreCollector, WorkerCollector
from services.store.api.openapi import described
from services.store.api.push import describe_push
from services.store.api.routes import (
    agreements,
    articles,
    changes,
    dead_letters,
    health,
    manual,
    organizations,
    recrawls,
    reparse,
    runs,
    sources,
)
from services.store.api.tokens import TokenFirst, guarded_operations
from services.store.settings import StoreSettings


def create_api(
    settings: Settings,
    engine: Engine,
    store: StoreSettings | None = None,
    explainer: PageExplainer | None = None,
) -> FastAPI:
    """The app over `engine`; `store` (the tokens) is read from the environment when not given;
    `explainer` reads a stored page again for /articles/{id}/explain (503 without it)."""
    store = store or StoreSettings()
    # Swagger UI and ReDoc from the files fastapi-offline ships, not from a CDN: /docs works offline.
    api = FastAPIOffline(
        title="FM6SS partnership watch",
        version="1",
        description="Partnership agreements of the Fondation Mohammed VI des Sciences et de la Santé, "
        "one normalized record per agreement, with every article that reported it.",
        responses={503: {"model": Problem, "description": "the database is unavailable"}},
        swagger_ui_parameters={"validatorUrl": None},  # no badge asked of an outside validator
    )
    api.state.engine = engine
    api.state.settings = settings
    api.state.store_settings = store
    api.state.explainer = explainer
    api.state.metrics = CollectorRegistry()
    api.state.metrics.register(StoreCollector(engine, lambda: _depths(settings)))
    api.state.metrics.register(WorkerCollector(lambda: _worker_metrics(settings)))
    api.add_exception_handler(OperationalError, _database_down)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, invalid_input)  # type: ignore[arg-type]
    describe_push(api)
    # Reads are public unless FM6SS_API_READ_TOKEN is set; only then do they carry the check (and the
    # OpenAPI description its security requirement). Every operation refuses query parameters it does
    # not take.
    reads: dict[str, Any] = (
        {"dependencies": [Reader, KnownQuery], "responses": {401: {"model": Problem}}}
        if store.api_read_token
        else {"dependencies": [KnownQuery]}
    )
    api.include_router(health.router, dependencies=[KnownQuery])
    for module in (agreements, articles, organizations, changes):
        api.include_router(module.router, **reads)
    api.include_router(health.metrics, dependencies=reads["dependencies"])
    api.include_router(runs.router, **reads)
    api.include_router(sources.router, **reads)
    for module in (manual, recrawls, sources, reparse, dead_letters):
        api.include_router(module.operators, dependencies=[KnownQuery])
    api.openapi = described(api)  # type: ignore[method-assign]
    api.add_middleware(ETags)
    api.add_middleware(BodyLimit, max_bytes=store.api_max_body_bytes)  # inside the token check
    api.add_middleware(TokenFirst, guarded=guarded_operations(api.openapi()), settings=store)
    return api


async def _database_down(_request: Request, exc: OperationalError) -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={"detail": f"database unavailable: {type(exc.orig).__name__}"},
        headers={"Retry-After": "5"},
    )


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
