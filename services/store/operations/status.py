"""What `fm6ss status` shows of the store: row counts, the latest crawl runs, and how far each push
consumer of the change feed has been sent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from services.bus.redact import masked_text
from services.store.crawl.runs import RunOut, run_out
from services.store.db.models import RelayCursor
from services.store.db.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StoreStatus:
    counts: dict[str, int]
    runs: list[RunOut]  # newest first
    relays: list[RelayCursor]


def store_status(uow: UnitOfWork, runs: int) -> StoreStatus:
    return StoreStatus(
        counts=uow.feed.counts(),
        runs=[run_out(uow, run) for run in uow.runs.latest(runs)],
        relays=uow.feed.relay_cursors(),
    )


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
