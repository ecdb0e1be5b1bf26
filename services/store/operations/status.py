"""What `fm6ss status` shows of the store: row counts, the latest crawl runs, and how far each push
consumer of the change feed has been sent."""

from __future__ import annotations

from dataclasses import dataclass

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
