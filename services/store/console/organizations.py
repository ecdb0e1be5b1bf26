"""Console: the organizations named as parties, and one organization with every name it was given and
its agreements on a timeline."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.store.console import charts
from services.store.console.web import Uow, first_link, kept_query, next_link, render, text_param, window
from services.store.records.presenters import agreement_lines, organization_out

router = APIRouter(include_in_schema=False)


@router.get("/organizations")
def organizations(
    request: Request, uow: Uow, q: str | None = None, cursor: str | None = None, limit: int | None = None
) -> Response:
    q = text_param(q, "q")
    page = window(cursor, limit, 50)
    rows = uow.organizations.listed(q, page.after, page.limit + 1, page.newest)
    shown = {"q": q or ""}
    return render(
        request,
        "organizations.html",
        title="Organizations",
        organizations=[organization_out(o) for o in rows[: page.limit]],
        filters=shown,
        next=next_link(request.url.path, shown, rows, page),
        first=first_link(request.url.path, shown) if cursor else None,
    )


@router.get("/organizations/{organization_id}")
def organization(
    request: Request, organization_id: int, uow: Uow, cursor: str | None = None, limit: int | None = None
) -> Response:
    found = uow.organizations.many([organization_id]) if 0 < organization_id < 2**31 else []
    if not found:
        raise HTTPException(404, f"There is no organization {organization_id}.")
    filters = {"organization": organization_id}
    page = window(cursor, limit)
    rows = uow.agreements.listed(filters, page.after, page.limit + 1, page.newest)
    timeline = request.app.state.pictures.get(
        uow.feed.last_seq(),
        ("timeline", organization_id),
        lambda: charts.timeline(*uow.overview.signings_by_month(filters)),
    )
    org = organization_out(found[0])
    return render(
        request,
        "organization.html",
        title=org.name,
        org=org,
        names=_by_script(org.aliases),
        records=agreement_lines(uow, rows[: page.limit]),
        timeline=timeline,
        bar_filters=kept_query(filters),
        next=next_link(request.url.path, {}, rows, page),
        first=request.url.path if cursor else None,
    )


def _by_script(names: list[str]) -> list[tuple[str, list[str]]]:
    """Aliases in Arabic script apart from those in Latin script: the press writes both."""
    arabic = [n for n in names if any("\u0600" <= c <= "\u06ff" for c in n)]
    latin = [n for n in names if n not in arabic]
    return [(label, group) for label, group in (("Latin script", latin), ("Arabic script", arabic)) if group]
