"""One transaction of the store: its session, the repositories that read and write through it, and
what it keeps until it commits (locks held, rows read once, run counters, change rows, agreements whose
signing summary is stale). Every handler of crawl, ingest and operations takes one."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.store.db import statements as sql
from services.store.db.agreements import Agreements
from services.store.db.articles import Articles
from services.store.db.engine import transaction
from services.store.db.evidence import Evidence
from services.store.db.feed import Feed
from services.store.db.models import Agreement, CrawlRun, Page, utcnow
from services.store.db.organizations import Organizations
from services.store.db.overview import Overview
from services.store.db.pages import Pages, Runs, Sources


class UnitOfWork:
    """The store's per-transaction state and the commit listeners that write what it kept.

    With `tally`, run counters are summed in memory and written at commit, or earlier by `flush_counts`
    (a batch updates each counter row once, in name order, instead of once a page). Change rows wait for
    the commit too: one statement for all, and the change feed's lock is taken only then, so concurrent
    writers wait on it for the commit alone."""

    def __init__(self, session: Session, tally: bool = False) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self._tally: dict[tuple[int, str], int] | None = {} if tally else None
        self._changes: list[dict[str, Any]] = []
        self._locks: set[int] = set()  # advisory locks held until this transaction ends
        # Agreements whose reports changed in this transaction: their stored signing summary is stale
        # until their refresh writes it again, so resolution reads their evidence instead.
        self._unsettled: set[int] = set()
        # Rows read once a transaction (None: known missing). A batch loads its pages in one query; the
        # session holds rows weakly, so without these a batch read its run again for every page.
        self.pages_read: dict[str, Page | None] = {}
        self.runs_read: dict[int, CrawlRun | None] = {}
        # Agreements created in this transaction: their refresh finds them without reading them back
        # (their inserts already lock them).
        self.created: dict[int, Agreement] = {}
        self.pages = Pages(self)
        self.runs = Runs(self)
        self.sources = Sources(self)
        self.articles = Articles(self)
        self.agreements = Agreements(self)
        self.evidence = Evidence(self)
        self.organizations = Organizations(self)
        self.feed = Feed(self)
        self.overview = Overview(self)
        event.listen(session, "before_commit", self._before_commit)
        event.listen(session, "after_transaction_end", self._after_transaction)

    def _before_commit(self, _session: Session) -> None:
        """What this unit of work kept for the end of the transaction is written before it commits."""
        self.flush_changes()
        self.flush_counts()

    def _after_transaction(self, _session: Session, transaction: Any) -> None:
        """Locks, rows held and rows kept belong to one transaction: a next one starts without them."""
        if transaction.parent is None:
            self._locks.clear()
            self.pages_read.clear()
            self.runs_read.clear()
            self.created.clear()
            self._changes.clear()
            self._unsettled.clear()
            if self._tally is not None:
                self._tally.clear()

    # -- locks ---------------------------------------------------------------------------------
    def lock_all(self, names: Iterable[str]) -> None:
        """Transaction-scoped locks (PostgreSQL; SQLite already runs one writer at a time), taken in one
        statement in the order of their keys, and not asked again while held. Transactions that take all
        their locks this way, before any other, never wait on each other crosswise."""
        if self.postgres:
            self._lock_keys(zlib.crc32(name.encode("utf-8")) for name in names)

    def _lock_keys(self, keys: Iterable[int]) -> None:
        new = sorted(set(keys) - self._locks)
        if new:
            self.session.execute(sql.LOCKS, {"keys": new})
            self._locks.update(new)

    # -- agreements whose signing summary is stale ---------------------------------------------
    def unsettle(self, agreement_ids: Iterable[int]) -> None:
        self._unsettled.update(agreement_ids)

    def settle(self, agreement_id: int) -> None:
        """The agreement's summary was written again (or the agreement is gone)."""
        self._unsettled.discard(agreement_id)

    def is_settled(self, agreement_id: int) -> bool:
        return agreement_id not in self._unsettled

    # -- change feed ---------------------------------------------------------------------------
    def record_change(
        self, entity: str, entity_id: int, action: str, version: int | None, payload: dict[str, Any]
    ) -> None:
        """Kept until the transaction ends (`flush_changes`, called before every commit)."""
        row = {"entity": entity, "entity_id": entity_id, "action": action, "version": version}
        self._changes.append({**row, "payload": payload, "created_at": utcnow()})

    def flush_changes(self) -> None:
        """Write the change rows kept so far, in the order they were recorded, in one statement."""
        if not self._changes:
            return
        rows, self._changes = self._changes, []
        if self.postgres:
            self._lock_keys([sql.CHANGE_FEED_LOCK])
        self.session.execute(sql.INSERT_CHANGES, rows)

    # -- run counters --------------------------------------------------------------------------
    def count(self, run_id: int | None, name: str, by: int = 1) -> None:
        """Add to a run's counter in one statement, safe under concurrent workers."""
        if run_id is None or by == 0:
            return
        if self._tally is not None:
            self._tally[(run_id, name)] = self._tally.get((run_id, name), 0) + by
            return
        self._add_counts([(run_id, name, by)])

    def flush_counts(self) -> None:
        """Write the tallied counters (a unit of work made without `tally` writes them as it goes)."""
        if self._tally is None:
            return
        tally, self._tally = self._tally, {}
        rows = [(run_id, name, by) for (run_id, name), by in sorted(tally.items()) if by]
        if rows:  # one statement for all; rows in key order, so two batches never lock crosswise
            self._add_counts(rows)

    def pending_count(self, run_id: int, name: str) -> int:
        """What this transaction has tallied for a counter but not written yet."""
        return self._tally.get((run_id, name), 0) if self._tally is not None else 0

    def _add_counts(self, rows: list[tuple[int, str, int]]) -> None:
        params = [{"run_id": r, "name": n, "by": by} for r, n, by in rows]
        self.session.execute(sql.add_counts_statement(self.postgres), params)


@contextmanager
def unit_of_work(engine: Engine, tally: bool = False) -> Iterator[UnitOfWork]:
    """A unit of work whose transaction commits at the end of the block, or rolls back on error."""
    with transaction(engine) as session:
        yield UnitOfWork(session, tally=tally)
