"""What `fm6ss status` shows of the store: row counts, the latest crawl runs, and how far each push
consumer of the change feed has been sent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from services.bus.checks import SourceCheck
from services.bus.redact import masked_text
from services.store.crawl.runs import RunOut, run_out
from services.store.crawl.sources import checks
from services.store.db.models import RelayCursor
from services.store.db.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StoreStatus:
    counts: dict[str, int]
    runs: list[RunOut]  # newest first
    relays: list[RelayCursor]
    checks: dict[str, SourceCheck]  # the last `fm6ss sources check` of each enabled source checked


def store_status(uow: UnitOfWork, runs: int) -> StoreStatus:
    return StoreStatus(
        counts=uow.feed.counts(),
        runs=[run_out(uow, run) for run in uow.runs.latest(runs)],
        relays=uow.feed.relay_cursors(),
        # A disabled source is not crawled: whatever its last check found, nothing waits on it.
        checks=checks(uow, enabled_only=True),
    )


def check_lines(found: dict[str, SourceCheck]) -> Iterator[str]:
    """How many enabled sources worked at their last check, then each failing one with what to change."""
    if not found:
        return
    failing = [c for c in found.values() if not c.ok]
    last = max(c.checked_at for c in found.values())
    yield (
        f"sources checked {len(found)}: {len(found) - len(failing)} working, {len(failing)} failing"
        f" (last check {last:%Y-%m-%d %H:%M} UTC)"
    )
    for c in sorted(failing, key=lambda c: c.name):
        yield f"  {c.name}: {c.problem}: {c.advice}"


def relay_lines(cursors: list[RelayCursor]) -> Iterator[str]:
    """One line a push consumer: its name, where it delivers (never a URL's secret parts), how far it has
    been sent, and when failing, why and when it is tried again."""
    for cursor in cursors:
        where = f" ({masked_text(cursor.target)})" if cursor.target else ""
        line = f"relay {cursor.name}{where}: sent up to change {cursor.seq}"
        if cursor.failures:
            line += f", {cursor.failures} failure(s): {masked_text(cursor.last_error or '')}"
            if cursor.retry_at:
                line += f"; next try after {cursor.retry_at:%Y-%m-%d %H:%M:%S} UTC"
        yield line
