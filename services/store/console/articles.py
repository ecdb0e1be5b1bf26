"""Console: the stored articles, and one article with its text as extracted, its relevance decision,
the signings the parser read in it (the API's explain view, when this process has the parser) and the
agreements it feeds."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.bus.archive import ArchiveError
from services.store.console.web import Uow, first_link, next_link, render, text_param, window
from services.store.operations.explain import command_of, explain
from services.store.records.presenters import article_detail, article_out

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

DECISIONS = {"": None, "relevant": True, "irrelevant": False}


@router.get("/articles")
def articles(
    request: Request,
    uow: Uow,
    q: str | None = None,
    outlet: str | None = None,
    lang: str | None = None,
    relevant: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Response:
    if (relevant or "") not in DECISIONS:
        raise HTTPException(422, "relevant: relevant, irrelevant, or empty for both")
    filters = {
        "q": text_param(q, "q"),
        "outlet": text_param(outlet, "outlet"),
        "lang": text_param(lang, "lang", 8),
        "relevant": DECISIONS[relevant or ""],
    }
    page = window(cursor, limit)
    rows = uow.articles.listed(filters, page.after, page.limit + 1, page.newest)
    shown = {"q": q or "", "outlet": outlet or "", "lang": lang or "", "relevant": relevant or ""}
    return render(
        request,
        "articles.html",
        title="Articles",
        articles=[article_out(uow, a) for a in rows[: page.limit]],
        filters=shown,
        next=next_link(request.url.path, shown, rows, page),
        first=first_link(request.url.path, shown) if cursor else None,
    )


@router.get("/articles/{article_id}")
def article(request: Request, article_id: int, uow: Uow) -> Response:
    row = uow.articles.get(article_id) if 0 < article_id < 2**31 else None
    if row is None:
        raise HTTPException(404, f"There is no article {article_id}.")
    detail = article_detail(uow, row)
    return render(
        request,
        "article.html",
        title=detail.title or detail.url,
        article=detail,
        explanation=_explanation(request, uow, row),
    )


def _explanation(request: Request, uow: Any, row: Any) -> Any:
    """The explain view of the article, or None when this process cannot parse (no parser given) or
    the archived body is gone; nothing is stored."""
    explainer = request.app.state.explainer
    if explainer is None:
        return None
    try:
        parsed, trace = explainer(command_of(row))
    except ArchiveError:
        return None
    try:
        return explain(uow, parsed, trace, row)
    finally:
        uow.session.rollback()  # explain detaches the article's reports to weigh them again
