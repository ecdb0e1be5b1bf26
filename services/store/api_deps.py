"""What the API's routers share: the database session, the operator token check, cursors, problems."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.store.repository import Repository

Limit = Annotated[int, Query(ge=1, le=200, description="items per page")]
Cursor = Annotated[str | None, Query(max_length=40, description="next_cursor of the previous page")]


class Problem(BaseModel):
    detail: str


def get_repo(request: Request) -> Iterator[Repository]:
    with Session(request.app.state.engine) as session:
        yield Repository(session)


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


Repo = Annotated[Repository, Depends(get_repo)]
EngineDep = Annotated[Engine, Depends(get_engine)]


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


def next_cursor(rows: list[Any], limit: int) -> str | None:
    return encode_cursor(rows[-1].id) if len(rows) == limit else None
