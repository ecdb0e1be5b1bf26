"""Store, API: the stored articles, relevant or not, with their duplicates marked, and the pages that
were rejected before they became articles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from services.bus.archive import ArchiveError, ArchiveUnavailable
from services.store.api.deps import NO_NUL, Id, Paging, Problem, QueryDatetime, Repo
from services.store.operations.explain import ArticleExplanation, command_of, explain
from services.store.records.presenters import article_detail, article_out, rejection_out
from services.store.records.schemas import ArticleDetail, ArticleOut, Page, RejectionOut

router = APIRouter(tags=["articles"])


@router.get("/articles", response_model=Page[ArticleOut])
def list_articles(
    uow: Repo,
    page: Paging,
    relevant: bool | None = None,
    lang: Annotated[str | None, Query(max_length=8, pattern=NO_NUL)] = None,
    outlet: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL, description="in the title")] = None,
    updated_since: Annotated[
        QueryDatetime | None, Query(description="stored or changed at or after this time (ISO 8601)")
    ] = None,
) -> Any:
    filters = {"relevant": relevant, "lang": lang, "outlet": outlet, "q": q, "updated_since": updated_since}
    rows = uow.articles.listed(filters, page.after, page.limit, page.newest)
    return Page[ArticleOut](items=[article_out(uow, a) for a in rows], next_cursor=page.next_cursor(rows))


@router.get("/articles/{article_id}", response_model=ArticleDetail, responses={404: {"model": Problem}})
def get_article(article_id: Id, uow: Repo) -> Any:
    """The article with its extracted text, its metadata, whether it is relevant (a copy takes its
    original's decision), and the earlier rejections of its page with their reasons."""
    article = uow.articles.get(article_id)
    if article is None:
        raise HTTPException(404, f"no article {article_id}")
    return article_detail(uow, article)


@router.get("/rejections", response_model=Page[RejectionOut])
def list_rejections(
    uow: Repo,
    page: Paging,
    reason: Annotated[
        str | None,
        Query(max_length=200, pattern=NO_NUL, description="those whose reason starts with this (off_topic…)"),
    ] = None,
) -> Any:
    """Pages fetched but not read as articles, each with its reason: off-topic (naming nothing of the
    family), or not an article page, or no readable text."""
    rows = uow.pages.rejections(reason, page.after, page.limit, page.newest)
    return Page[RejectionOut](items=[rejection_out(r) for r in rows], next_cursor=page.next_cursor(rows))


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
    except ArchiveUnavailable as exc:
        raise HTTPException(503, "the page archive does not answer now; try again later") from exc
    try:
        return explain(uow, parsed, trace, article)
    finally:
        uow.session.rollback()  # explain detaches the article's reports to weigh them again
