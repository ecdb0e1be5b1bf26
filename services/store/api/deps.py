"""What the API's routers share: the database session, the token checks, cursors, problems."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.bus.urls import canonical_url

# The token checks, re-exported for the routers.
from services.store.api.tokens import Operator as Operator
from services.store.api.tokens import Reader as Reader
from services.store.db.unit_of_work import UnitOfWork
from services.store.records.presenters import merged_into

# Row ids and sequence numbers are PostgreSQL `integer`s: a larger number names nothing, and would make
# the database refuse the query (a 500) rather than find no row.
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200, description="items per page")]
Cursor = Annotated[
    str | None,
    Query(max_length=40, description="next_cursor of the previous page; it goes on in the order it began"),
]
Order = Annotated[
    Literal["newest", "oldest"] | None,
    Query(description="newest (the most recently recorded first; the default) or oldest first"),
]


class Problem(BaseModel):
    detail: str


class Moved(BaseModel):
    detail: str
    merged_into: int = Field(description="the agreement it went into; `Location` is its URL")


MOVED: dict[str, Any] = {
    "model": Moved,
    "description": "the agreement was merged into another one: the same request goes to `Location`",
}


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


def _utc(value: datetime) -> datetime:
    """Stored times are UTC: a time without a zone is read as UTC."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


QueryDate = Annotated[date, BeforeValidator(_iso_date)]
QueryDatetime = Annotated[datetime, BeforeValidator(_iso_datetime), AfterValidator(_utc)]
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


def merged_redirect(
    uow: UnitOfWork, request: Request, agreement_id: int, then: str = ""
) -> JSONResponse | None:
    """A 308 to the record a merged-away agreement went into (`then`: the rest of the path, such as
    `/merge`), for every method alike; None when the id names no agreement that ever was merged."""
    target = merged_into(uow, agreement_id)
    if target is None:
        return None
    location = f"{request.scope.get('root_path', '')}/agreements/{target}{then}"
    body = Moved(detail=f"agreement {agreement_id} was merged into {target}", merged_into=target)
    return JSONResponse(body.model_dump(), status_code=308, headers={"Location": location})


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


Repo = Annotated[UnitOfWork, Depends(get_repo)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def _query_names(dependant: Dependant) -> Iterator[str]:
    for field in dependant.query_params:
        yield field.alias
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def known_query(request: Request) -> None:
    """A query parameter the operation does not take is refused (422), not ignored: a misspelt filter
    would otherwise answer everything."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = set(_query_names(dependant))
    for name in request.query_params:
        if name not in known:
            takes = ", ".join(sorted(known)) or "none"
            message = f"unknown query parameter {name!r}; this operation takes: {takes}"
            raise invalid("query", name, message, request.query_params[name])


KnownQuery = Depends(known_query)

_CURSOR_KINDS = {"id": False, "new": True}  # the cursor's prefix: whether it walks newest first


@dataclass(frozen=True)
class Window:
    """A page to read: after the row of id `after` (0: from the start), `limit` rows, in an order."""

    after: int
    limit: int
    newest: bool

    def next_cursor(self, rows: list[Any]) -> str | None:
        return encode_cursor(rows[-1].id, self.newest) if len(rows) == self.limit else None


def encode_cursor(last_id: int, newest: bool = False) -> str:
    kind = "new" if newest else "id"
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[int, bool | None]:
    """The last id a page showed, and whether its walk is newest first (None: no cursor)."""
    if not cursor:
        return 0, None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind not in _CURSOR_KINDS or not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
            raise ValueError(raw)
        return int(value), _CURSOR_KINDS[kind]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid("query", "cursor", "not a cursor this API returned", cursor) from None


def paging(default_limit: int) -> Any:
    """The dependency that reads `cursor`, `limit` and `order` into a Window. Without `order`, a cursor
    goes on in its own order, and a first page is newest first; an `order` a cursor does not walk in is
    a 422."""

    def window(cursor: Cursor = None, limit: Limit = default_limit, order: Order = None) -> Window:
        after, walked_newest = decode_cursor(cursor)
        asked = None if order is None else order == "newest"
        if asked is not None and walked_newest is not None and asked != walked_newest:
            walked = "newest" if walked_newest else "oldest"
            raise invalid("query", "cursor", f"this cursor goes on with order={walked}", cursor)
        newest = next((x for x in (asked, walked_newest) if x is not None), True)
        return Window(after=after, limit=limit, newest=newest)

    return Depends(window)


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


Paging = Annotated[Window, paging(50)]
