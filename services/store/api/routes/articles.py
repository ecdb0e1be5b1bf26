"""Store, API: the stored articles, relevant or not, with their duplicates marked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from services.bus.archive import ArchiveError
from services.store.api.deps import NO_NUL, Cursor, Id, Limit, Problem, Repo, decode_cursor, next_cursor
from services.store.operations.explain import ArticleExplanation, command_of, explain
from services.store.records.presenters import article_out
from services.store.records.schemas import ArticleOut, Page

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


@router.get(
    "/articles/{article_id}/explain",
    response_model=ArticleExplanation,
    responses={404: {"model": Problem, "description": "no such article, or its archived body is gone"}},
)
def explain_article(article_id: Id, uow: Repo, request: Request) -> Any:
    """Why the article is relevant or not, each signing it reports (parties, date, place, signatories
    and the sentences they came from), and the record each joins, or why a new one: its archived body
    parsed again and weighed against the store as it is now. Nothing is stored."""
    article = uow.articles.get(article_id)
    if article is None:
        raise HTTPException(404, f"no article {article_id}")
    explainer = request.app.state.explainer
    if explainer is None:
        raise HTTPException(503, "explain is not available: this API was started without the parser")
    try:
        parsed, trace = explainer(command_of(article))
    except ArchiveError as exc:
        raise HTTPException(404, f"the archived body of article {article_id} is gone") from exc
    try:
        return explain(uow, parsed, trace, article)
    finally:
        uow.session.rollback()  # explain detaches the article's reports to weigh them again
