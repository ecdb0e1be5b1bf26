"""Store, API: the organizations named as parties."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.store.api.deps import NO_NUL, Cursor, Limit, Repo, decode_cursor, next_cursor
from services.store.records.presenters import organization_out
from services.store.records.schemas import OrganizationOut, Page

router = APIRouter(tags=["organizations"])


@router.get("/organizations", response_model=Page[OrganizationOut])
def list_organizations(
    uow: Repo,
    q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    rows = uow.organizations.listed(q, decode_cursor(cursor), limit)
    return Page[OrganizationOut](
        items=[organization_out(o) for o in rows], next_cursor=next_cursor(rows, limit)
    )
