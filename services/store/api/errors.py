"""Store, API: error bodies that never echo a secret. FastAPI's 422 quotes the input it refused; a URL in
it (a source's login, a token in a query) is masked first (services/bus/redact.py)."""

from __future__ import annotations

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.bus.redact import masked


async def invalid_input(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's own 422 shape (`{"detail": [{"loc", "msg", "type", "input", ...}]}`), URLs masked."""
    return JSONResponse(status_code=422, content={"detail": masked(jsonable_encoder(exc.errors()))})
