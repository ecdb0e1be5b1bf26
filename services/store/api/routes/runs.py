"""Store, API: crawl runs, their counters and whether work is still in flight."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from services.store.api.deps import Id, Problem, Repo, Window, paging
from services.store.crawl.runs import RunOut, run_out

router = APIRouter(tags=["crawling"])


class RunPage(BaseModel):
    items: list[RunOut]
    next_cursor: str | None


@router.get("/crawl-runs", response_model=RunPage)
def list_runs(uow: Repo, page: Annotated[Window, paging(20)]) -> Any:
    rows = uow.runs.after(page.after, page.limit, page.newest)
    return RunPage(items=[run_out(uow, x) for x in rows], next_cursor=page.next_cursor(rows))


@router.get("/crawl-runs/{run_id}", response_model=RunOut, responses={404: {"model": Problem}})
def get_run(run_id: Id, uow: Repo) -> Any:
    run = uow.runs.get(run_id)
    if run is None:
        raise HTTPException(status_code=404, detail=f"no crawl run {run_id}")
    return run_out(uow, run)
