"""What every repository of the store is: a view of one aggregate's tables through the session of a
unit of work, whose per-transaction state it shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

if TYPE_CHECKING:
    from services.store.db.unit_of_work import UnitOfWork


class Repository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def postgres(self) -> bool:
        return self.uow.postgres
