"""Console: crawl runs (trigger, scope, counters, failures grouped by reason) and the sources (kind,
URL, last success, last failure, pages and articles by run). Runs are read through the API's `run_out`."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from services.store.console.web import Uow, first_link, next_link, render, window
from services.store.crawl.runs import FailedPage, run_out
from services.store.crawl.sources import public_spec

router = APIRouter(include_in_schema=False)

FAILURES_SHOWN = 500  # a run's failed pages listed on its page


def _prefixed(counts: dict[str, int], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): v for k, v in sorted(counts.items()) if k.startswith(prefix)}


@router.get("/runs")
def runs(request: Request, uow: Uow, cursor: str | None = None, limit: int | None = None) -> Response:
    page = window(cursor, limit, 20)
    rows = uow.runs.after(page.after, page.limit + 1, page.newest)
    return render(
        request,
        "runs.html",
        title="Crawl runs",
        runs=[run_out(uow, r, failures=0) for r in rows[: page.limit]],
        prefixed=_prefixed,
        next=next_link(request.url.path, {}, rows, page),
        first=first_link(request.url.path, {}) if cursor else None,
    )


@router.get("/runs/{run_id}")
def run(request: Request, run_id: int, uow: Uow) -> Response:
    row = uow.runs.get(run_id) if 0 < run_id < 2**31 else None
    if row is None:
        raise HTTPException(404, f"There is no crawl run {run_id}.")
    out = run_out(uow, row, failures=FAILURES_SHOWN)
    grouped: dict[str, list[FailedPage]] = defaultdict(list)
    for failure in out.failures:
        grouped[failure.reason or "unknown"].append(failure)
    totals = {k: v for k, v in out.counts.items() if ":" not in k}
    detailed: dict[str, dict[str, int]] = defaultdict(dict)
    for name, value in out.counts.items():
        if ":" in name:
            head, _, tail = name.partition(":")
            detailed[head][tail] = value
    return render(
        request,
        "run.html",
        title=f"Crawl run {run_id}",
        run=out,
        totals=totals,
        detailed=sorted(detailed.items()),
        prefixed=_prefixed,
        failures=sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0])),
        shown_max=FAILURES_SHOWN,
    )


@router.get("/sources")
def sources(request: Request, uow: Uow) -> Response:
    rows = uow.sources.list_all()
    activity = uow.overview.sources_activity([s.name for s in rows])
    runs = sorted({r for a in activity.values() for r in a.pages_by_run if r is not None}, reverse=True)[:6]
    return render(
        request,
        "sources.html",
        title="Sources",
        sources=[(s, public_spec(s), activity[s.name]) for s in rows],
        runs=runs,
    )
