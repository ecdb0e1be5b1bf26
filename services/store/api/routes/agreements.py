"""Store, API: the agreements, one normalized record each, with the reports that support it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from services.store.api.deps import (
    MOVED,
    NO_NUL,
    Id,
    Paging,
    Problem,
    QueryDate,
    QueryDatetime,
    Repo,
    merged_redirect,
)
from services.store.records.presenters import (
    agreement_detail,
    agreement_item,
    agreement_out,
    organization_out,
)
from services.store.records.schemas import AgreementDetail, AgreementPage

router = APIRouter(tags=["agreements"])


@router.get("/agreements", response_model=AgreementPage)
def list_agreements(
    uow: Repo,
    page: Paging,
    party: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="a party's name, acronym, key or any alias, in any script; case, accents and "
            "spaces do not count",
        ),
    ] = None,
    theme: Annotated[str | None, Query(max_length=80, pattern=NO_NUL)] = None,
    kind: Annotated[
        str | None, Query(max_length=40, pattern=NO_NUL, description="the kind shown: accord, convention…")
    ] = None,
    place: Annotated[str | None, Query(max_length=200, pattern=NO_NUL, description="the place shown")] = None,
    lang: Annotated[
        str | None, Query(max_length=8, pattern=NO_NUL, description="reported by an article in this language")
    ] = None,
    outlet: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="reported by this outlet")
    ] = None,
    signed_from: QueryDate | None = None,
    signed_to: QueryDate | None = None,
    updated_since: Annotated[
        QueryDatetime | None, Query(description="changed at or after this time (ISO 8601; UTC if no zone)")
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, pattern=NO_NUL, description="free text in parties, kind, place, event, themes"),
    ] = None,
    include: Annotated[
        Literal["organizations"] | None,
        Query(description="organizations: add the page's parties once each, with their aliases"),
    ] = None,
) -> Any:
    """Items show their parties without aliases; `include=organizations` lists them once a page."""
    filters = {
        "party": party,
        "theme": theme,
        "kind": kind,
        "place": place,
        "lang": lang,
        "outlet": outlet,
        "signed_from": signed_from,
        "signed_to": signed_to,
        "updated_since": updated_since,
        "q": q,
    }
    rows = uow.agreements.listed(filters, page.after, page.limit, page.newest)
    records = [agreement_out(uow, a) for a in rows]
    organizations = None
    if include == "organizations":
        ids = sorted({i for a in rows if a.id is not None for i in uow.agreements.party_ids(a.id)})
        organizations = [organization_out(o) for o in sorted(uow.organizations.many(ids), key=_id)]
    return AgreementPage(
        items=[agreement_item(r) for r in records],
        next_cursor=page.next_cursor(rows),
        organizations=organizations,
    )


@router.get(
    "/agreements/{agreement_id}",
    response_model=AgreementDetail,
    responses={
        308: MOVED,
        404: {"model": Problem},
    },
)
def get_agreement(agreement_id: Id, uow: Repo, request: Request) -> Any:
    agreement = uow.agreements.get(agreement_id)
    if agreement is None:
        moved = merged_redirect(uow, request, agreement_id)
        if moved is None:
            raise HTTPException(status_code=404, detail=f"no agreement {agreement_id}")
        return moved
    return agreement_detail(uow, agreement)


def _id(org: Any) -> int:
    return int(org.id)
