"""The change feed as its readers see it (the relay's cursors, the API's `changes`), the dead letters,
and the store's totals. Change rows themselves are written by the unit of work at commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from services.store.db.listing import paged
from services.store.db.models import (
    Agreement,
    Article,
    Change,
    DeadLetter,
    Organization,
    RelayCursor,
    utcnow,
)
from services.store.db.repository import Repository


class Feed(Repository):
    def last_seq(self) -> int:
        return int(self.session.exec(select(func.max(Change.seq))).one() or 0)

    def changes_after(self, seq: int, limit: int, upto: int | None = None) -> list[Change]:
        stmt = select(Change).where(col(Change.seq) > seq)
        if upto is not None:
            stmt = stmt.where(col(Change.seq) <= upto)
        return list(self.session.exec(stmt.order_by(col(Change.seq)).limit(limit)))

    def last_seq_before(self, moment: datetime) -> int:
        stmt = select(func.max(Change.seq)).where(col(Change.created_at) < moment)
        return int(self.session.exec(stmt).one() or 0)

    def relay_cursor(self, name: str, start: int | datetime | None = None) -> RelayCursor:
        """The consumer's cursor, locked until commit (relays hold it only for their short bookkeeping
        transactions, never while they deliver). A consumer not seen before starts after change `start`,
        or after the last change written before the moment `start`, or at the head of the feed (None);
        two first sights at once create it once (insert or nothing)."""
        insert = pg_insert if self.postgres else sqlite_insert
        if isinstance(start, datetime):
            first = self.last_seq_before(start)
        else:
            first = self.last_seq() if start is None else start
        values = {"name": name, "seq": first, "failures": 0, "updated_at": utcnow()}
        self.session.execute(insert(RelayCursor).values(**values).on_conflict_do_nothing())
        stmt = select(RelayCursor).where(RelayCursor.name == name).with_for_update()
        return self.session.exec(stmt).one()

    def relay_cursors(self) -> list[RelayCursor]:
        return list(self.session.exec(select(RelayCursor).order_by(col(RelayCursor.name))))

    def add_dead_letter(self, task: str, payload: dict[str, Any], error: str, retries: int) -> DeadLetter:
        row = DeadLetter(task=task, payload=payload, error=error, retries=retries)
        self.session.add(row)
        self.session.flush()
        return row

    def dead_letters(
        self, after: int, limit: int, pending_only: bool = False, newest: bool = False
    ) -> list[DeadLetter]:
        stmt = select(DeadLetter)
        if pending_only:
            stmt = stmt.where(col(DeadLetter.retried_at).is_(None))
        return list(self.session.exec(paged(stmt, col(DeadLetter.id), after, limit, newest)))

    def count_dead_letters(self) -> int:
        return int(self.session.exec(select(func.count()).select_from(DeadLetter)).one())

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        return self.session.get(DeadLetter, letter_id)

    def counts(self) -> dict[str, int]:
        out = {}
        for name, table in (
            ("articles", Article),
            ("agreements", Agreement),
            ("organizations", Organization),
            ("changes", Change),
        ):
            out[name] = int(self.session.exec(select(func.count()).select_from(table)).one())
        return out
