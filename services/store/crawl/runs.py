"""Crawl runs as operators see them: scope, counters, and whether work is still in flight."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.store.db.models import CrawlRun
from services.store.db.unit_of_work import UnitOfWork

IN_FLIGHT = ("queued", "parsing")


class FailedPage(BaseModel):
    url: str
    reason: str | None
    detail: str | None


class RunOut(BaseModel):
    id: int
    trigger: str
    scope: dict[str, Any]
    force: bool
    started_at: datetime
    status: str = Field(
        description="running, finished, or failed: finished having read nothing (every source or page failed)"
    )
    in_flight: int
    counts: dict[str, int]
    failures: list[FailedPage]


def run_out(uow: UnitOfWork, run: CrawlRun, failures: int = 20) -> RunOut:
    assert run.id is not None
    counts = uow.runs.counts(run.id)
    in_flight = uow.pages.count_of_run(run.id, IN_FLIGHT)
    sources_pending = counts.get("sources_queued", 0) - counts.get("sources_done", 0)
    return RunOut(
        id=run.id,
        trigger=run.trigger,
        scope=run.scope,
        force=run.force,
        started_at=run.started_at,
        status="running"
        if in_flight or sources_pending > 0
        else "failed"
        if _read_nothing(counts)
        else "finished",
        in_flight=in_flight,
        counts=counts,
        failures=[
            FailedPage(url=p.url, reason=p.failure, detail=p.failure_detail)
            for p in uow.pages.failed(run.id, failures)
        ],
    )


def _read_nothing(counts: dict[str, int]) -> bool:
    """Every source of the run failed (an operator's run of one URL: its page failed)."""
    if counts.get("sources_queued"):
        return counts.get("sources_failed", 0) >= counts["sources_queued"]
    failed = sum(_by_reason(counts, "pages_failed:").values())
    return bool(counts.get("fetches_queued")) and failed >= counts["fetches_queued"]


def summary_lines(run: RunOut) -> list[str]:
    """The closing summary of `fm6ss run`, one topic a line."""
    c = run.counts
    failed = _by_reason(c, "pages_failed:")
    failed_text = ", ".join(f"{n} {reason}" for reason, n in sorted(failed.items())) or "none"
    sources_failed = ", ".join(f"{n} {r}" for r, n in sorted(_by_reason(c, "sources_failed:").items()))
    return [
        f"run {run.id} ({run.trigger}), {run.status}",
        f"sources     {c.get('sources_done', 0)} read, {c.get('sources_failed', 0)} failed"
        + (f" ({sources_failed})" if sources_failed else ""),
        f"pages       {c.get('pages_fetched', 0)} fetched, {c.get('pages_not_modified', 0)} not modified, "
        f"{c.get('pages_unchanged', 0)} unchanged, {sum(failed.values())} failed ({failed_text}), "
        f"{c.get('pages_unreadable', 0)} unreadable, {c.get('pages_off_topic', 0)} off-topic",
        f"articles    {c.get('articles_new', 0)} new, {c.get('articles_updated', 0)} updated, "
        f"{c.get('articles_duplicate', 0) + c.get('articles_near_duplicate', 0)} duplicate, "
        f"{c.get('articles_irrelevant', 0)} irrelevant",
        f"agreements  {c.get('agreements_new', 0)} new, {c.get('agreements_updated', 0)} updated",
    ]


def _by_reason(counts: dict[str, int], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): v for k, v in counts.items() if k.startswith(prefix)}
