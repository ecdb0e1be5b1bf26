"""Store, API: the stored articles, relevant or not, with their duplicates marked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.store.api.deps import NO_NUL, Cursor, Limit, Repo, decode_cursor, next_cursor
from services.store.api.presenters import article_out
from services.store.api.schemas import ArticleOut, Page

router = APIRouter(tags=["articles"])


@router.get("/articles", response_model=Page[ArticleOut])
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
    return Page[ArticleOut](items=[article_out(uow, a) for a in rows], next_cursor=next_cursor(rows, limit))
