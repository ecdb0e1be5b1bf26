"""Store, API: the agreements, one normalized record each, with the reports that support it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import RedirectResponse

from services.store.api.deps import (
    NO_NUL,
    Cursor,
    Id,
    Limit,
    Problem,
    QueryDate,
    Repo,
    decode_cursor,
    next_cursor,
)
from services.store.db.unit_of_work import UnitOfWork
from services.store.records.presenters import agreement_detail, agreement_out
from services.store.records.schemas import AgreementDetail, AgreementOut, Page

router = APIRouter(tags=["agreements"])


@router.get("/agreements", response_model=Page[AgreementOut])
def list_agreements(
    uow: Repo,
    party: Annotated[
        str | None, Query(max_length=200, pattern=NO_NUL, description="name, acronym or key")
    ] = None,
    theme: Annotated[str | None, Query(max_length=80, pattern=NO_NUL)] = None,
    signed_from: QueryDate | None = None,
    signed_to: QueryDate | None = None,
    q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL, description="free text")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    filters = {"party": party, "theme": theme, "signed_from": signed_from, "signed_to": signed_to, "q": q}
    rows = uow.agreements.listed(filters, decode_cursor(cursor), limit)
    items = [agreement_out(uow, a) for a in rows]
    return Page[AgreementOut](items=items, next_cursor=next_cursor(rows, limit))


@router.get(
    "/agreements/{agreement_id}",
    response_model=AgreementDetail,
    responses={
        301: {"description": "the agreement was merged into another one: its URL is in `Location`"},
        404: {"model": Problem},
    },
)
def get_agreement(agreement_id: Id, uow: Repo) -> Any:
    agreement = uow.agreements.get(agreement_id)
    if agreement is None:
        target = _merged_into(uow, agreement_id)
        if target is None:
            raise HTTPException(status_code=404, detail=f"no agreement {agreement_id}")
        return RedirectResponse(f"/agreements/{target}", status_code=301)
    return agreement_detail(uow, agreement)


def _merged_into(uow: UnitOfWork, agreement_id: int) -> int | None:
    """Where a merged-away record went, following merges of merges to the record that is still there."""
    seen = {agreement_id}
    step = uow.agreements.merged_into(agreement_id)
    while step is not None and step not in seen:
        if uow.agreements.get(step) is not None:
            return step
        seen.add(step)
        step = uow.agreements.merged_into(step)
    return None
