"""Store, API: the change feed, read in sequence order from a last-seen number."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.store.api.deps import MAX_ID, Repo
from services.store.records.schemas import ChangeOut

router = APIRouter(tags=["changes"])


class Changes(BaseModel):
    items: list[ChangeOut]
    next_after: int


@router.get("/changes", response_model=Changes)
def changes(
    uow: Repo,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="last sequence number already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    rows = uow.feed.changes_after(after, limit)
    items = [ChangeOut.model_validate(c, from_attributes=True) for c in rows]
    return Changes(items=items, next_after=items[-1].seq if items else after)
