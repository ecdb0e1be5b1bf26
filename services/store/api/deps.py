"""What the API's routers share: the database session, the token checks, cursors, problems."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.bus.urls import canonical_url

# The token checks, re-exported for the routers.
from services.store.api.tokens import Operator as Operator
from services.store.api.tokens import Reader as Reader
from services.store.db.unit_of_work import UnitOfWork

# Row ids and sequence numbers are PostgreSQL `integer`s: a larger number names nothing, and would make
# the database refuse the query (a 500) rather than find no row.
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200, description="items per page")]
Cursor = Annotated[str | None, Query(max_length=40, description="next_cursor of the previous page")]


class Problem(BaseModel):
    detail: str


# PostgreSQL text cannot hold NUL: refused at the edge, not by the database as a 500.
NO_NUL = r"^[^\x00]*$"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Dates are YYYY-MM-DD text; pydantic alone would also read numbers as Unix times."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


def _iso_datetime(value: Any) -> Any:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("a time is written as ISO 8601 text, YYYY-MM-DDTHH:MM:SS")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


QueryDate = Annotated[date, BeforeValidator(_iso_date)]
# Request bodies are JSON as the description says: 0 is not false, "5" is not 5, a date is text. FastAPI
# validates bodies in Python mode, where strict mode would refuse ISO dates too, so date fields are lax
# but take ISO text only.
JsonDate = Annotated[date, Field(strict=False), BeforeValidator(_iso_date)]
JsonDatetime = Annotated[datetime, Field(strict=False), BeforeValidator(_iso_datetime)]


class RequestBody(BaseModel):
    """A request body: strict, no unknown field, no NUL in any text."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("text may not contain NUL characters")
        return data


# A body that is not UTF-8 JSON gets FastAPI's 400 before any validation.
BODY_PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "the body could not be read"},
    413: {"model": Problem, "description": "the body is over FM6SS_API_MAX_BODY_BYTES"},
}


def invalid(where: str, name: str, message: str, value: Any) -> RequestValidationError:
    """A 422 in the same shape as FastAPI's own validation errors, so clients read every 422 one way."""
    return RequestValidationError(
        [{"loc": (where, name), "msg": message, "type": "value_error", "input": value}]
    )


def get_repo(request: Request) -> Iterator[UnitOfWork]:
    with Session(request.app.state.engine) as session:
        yield UnitOfWork(session)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


Repo = Annotated[UnitOfWork, Depends(get_repo)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id" or not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid("query", "cursor", "not a cursor this API returned", cursor) from None


def next_cursor(rows: list[Any], limit: int) -> str | None:
    return encode_cursor(rows[-1].id) if len(rows) == limit else None


def operators_router() -> APIRouter:
    """A router whose every endpoint needs the operators' token."""
    return APIRouter(
        tags=["operators"],
        dependencies=[Operator],
        responses={401: {"model": Problem}, 403: {"model": Problem}},
    )


def fetchable(url: str | None) -> str | None:
    """An http(s) URL whose canonical form fits the page table; InvalidUrl is a ValueError, so a 422."""
    if url is not None and len(canonical_url(url)) > 2000:
        raise ValueError("the URL is too long once canonicalized (over 2000 characters)")
    return url


class Queued(BaseModel):
    run_id: int | None = None
    queued: int
