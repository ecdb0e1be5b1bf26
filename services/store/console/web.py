"""What the console's pages share: the templates (autoescaped: every headline, outlet and name came from
a page someone else wrote), the database session, cursors (the API's own), and links that keep filters."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session

from services.store.api.deps import Window, decode_cursor, encode_cursor
from services.store.db.unit_of_work import UnitOfWork

HERE = Path(__file__).parent
PAGE_SIZE = 25

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


templates.filters["when"] = _when


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    html = templates.get_template(name).render(ui=root, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    with Session(request.app.state.engine) as session:
        yield UnitOfWork(session)


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def window(cursor: str | None, limit: int | None = None, size: int = PAGE_SIZE) -> Window:
    """A page of `limit` rows (default `size`, at most 200, as the API's), newest first, after the API's
    cursor (a bad one is the API's 422)."""
    if limit is not None and not 1 <= limit <= 200:
        raise HTTPException(422, f"limit: from 1 to 200 rows a page, got {limit}")
    after, newest = decode_cursor(cursor or None)
    return Window(after=after, limit=limit or size, newest=True if newest is None else newest)


def next_link(path: str, params: Mapping[str, Any], rows: list[Any], page: Window) -> str | None:
    """The next page's URL (the same filters, the cursor after the last row shown), when there is one:
    the lists read one row past the page to know, so a last full page offers no empty one after it."""
    if len(rows) <= page.limit:
        return None
    kept = {k: v for k, v in params.items() if v not in (None, "") and k != "cursor"}
    if page.limit != PAGE_SIZE:
        kept["limit"] = page.limit
    last = rows[page.limit - 1].id
    return f"{path}?{urlencode({**kept, 'cursor': encode_cursor(last, page.newest)})}"


def first_link(path: str, params: Mapping[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "") and k != "cursor"}
    return f"{path}?{urlencode(kept)}" if kept else path


def text_param(value: str | None, name: str, limit: int = 200) -> str | None:
    """A filter as typed in a form: empty means none; too long or with NUL is a 422 saying which."""
    if value is None or not value.strip():
        return None
    if len(value) > limit or "\x00" in value:
        raise HTTPException(422, f"{name}: at most {limit} characters, no NUL")
    return value.strip()


def date_param(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise HTTPException(422, f"{name}: a date is written YYYY-MM-DD, got {value[:40]!r}") from None


def id_param(value: str | None, name: str) -> int | None:
    """A row's number as a filter (`organization`): empty means none; anything but 1 to 2**31 - 1 is a
    422 saying which."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
        raise HTTPException(422, f"{name}: a number from 1 to {2**31 - 1}, got {value[:40]!r}")
    return int(text)


def kept_query(filters: Mapping[str, Any], leave_out: tuple[str, ...] = ()) -> str:
    """The filters in force as a query string, for links that narrow them further (a timeline bar sets
    its own dates)."""
    return urlencode({k: v for k, v in filters.items() if v not in (None, "") and k not in leave_out})
