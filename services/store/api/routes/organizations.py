"""Store, API: the organizations named as parties."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.store.api.deps import NO_NUL, Paging, Repo
from services.store.records.presenters import organization_out
from services.store.records.schemas import OrganizationOut, Page

router = APIRouter(tags=["organizations"])


@router.get("/organizations", response_model=Page[OrganizationOut])
def list_organizations(
    uow: Repo,
    page: Paging,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=NO_NUL,
            description="in a name, acronym, key or alias, any script; case, accents and spaces do not count",
        ),
    ] = None,
) -> Any:
    rows = uow.organizations.listed(q, page.after, page.limit, page.newest)
    return Page[OrganizationOut](
        items=[organization_out(o) for o in rows], next_cursor=page.next_cursor(rows)
    )
