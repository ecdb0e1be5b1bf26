"""Store, API: liveness of the API and its database, and the Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from services.store.api.deps import EngineDep

router = APIRouter(tags=["operations"])  # no read token: a probe must reach it
metrics = APIRouter()  # behind the read token when there is one


class Health(BaseModel):
    status: str
    database: str


@router.get("/healthz", response_model=Health)
def healthz(engine: EngineDep) -> Any:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError:
        return JSONResponse(status_code=503, content={"status": "degraded", "database": "unavailable"})
    return Health(status="ok", database="ok")


@metrics.get("/metrics", include_in_schema=False)
def prometheus(request: Request) -> Response:
    """Prometheus text format, from the registry the app was built with."""
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
