"""Operators' corrections: merge two agreements, split one, or set a field by hand.

Each decision is stored (manual links, manual field values) so that re-parsing and re-ingesting the
archive keep it.
"""

from __future__ import annotations

from typing import Any

from services.store.db.models import Agreement
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.joining import join_records
from services.store.ingest.refresh import refresh_agreement

CORRECTABLE = ("kind", "signed_on", "signed_on_precision", "place", "event")


class ManualError(ValueError):
    """An operator's request that cannot be applied; the message says why."""


def _agreement(uow: UnitOfWork, agreement_id: int) -> Agreement:
    agreement = uow.agreements.get(agreement_id, for_update=True)
    if agreement is None:
        raise ManualError(f"no agreement {agreement_id}")
    return agreement


def merge_agreements(uow: UnitOfWork, keep_id: int, other_id: int) -> None:
    """Fold `other_id` into `keep_id`: its reports, parties, evidence and corrections move; it is deleted,
    and its reports stay pinned to `keep_id` through re-parsing."""
    if keep_id == other_id:
        raise ManualError("cannot merge an agreement with itself")
    first, second = sorted((keep_id, other_id))  # lock in id order: no deadlock with a reverse merge
    _agreement(uow, first), _agreement(uow, second)
    join_records(uow, keep_id, other_id)
    _pin(uow, keep_id)
    refresh_agreement(uow, keep_id)


def split_agreement(uow: UnitOfWork, agreement_id: int, article_ids: list[int]) -> int:
    """Move the given reports to a new agreement with the same parties; returns its id."""
    agreement = _agreement(uow, agreement_id)
    current = {s.article_id for s in uow.evidence.sources(agreement_id)}
    moving = sorted(set(article_ids))
    if not moving or not set(moving) <= current:
        raise ManualError(
            f"articles {sorted(set(moving) - current) or moving} are not sources of {agreement_id}"
        )
    if set(moving) == current:
        raise ManualError("a split must leave at least one report on the original agreement")
    new = uow.agreements.create(agreement.party_set, uow.agreements.party_ids(agreement_id))
    assert new.id is not None
    for article_id in moving:
        uow.evidence.move_source(agreement_id, new.id, article_id)
    _pin(uow, new.id)
    _pin(uow, agreement_id)
    refresh_agreement(uow, new.id, created=True)
    refresh_agreement(uow, agreement_id)
    return new.id


def _pin(uow: UnitOfWork, agreement_id: int) -> None:
    """Link every report of the agreement to it, so resolution puts them back together after a re-parse."""
    for source in uow.evidence.sources(agreement_id):
        uow.agreements.set_manual_link(source.article_id, agreement_id)


def correct_fields(uow: UnitOfWork, agreement_id: int, values: dict[str, Any]) -> None:
    """Set fields by hand (a value of None removes the correction and lets the evidence decide)."""
    unknown = sorted(set(values) - set(CORRECTABLE) - {"themes"})
    if unknown:
        raise ManualError(
            f"cannot correct {', '.join(unknown)}; correctable: {', '.join(CORRECTABLE)}, themes"
        )
    agreement = _agreement(uow, agreement_id)
    manual = dict(agreement.manual)
    for key, value in values.items():
        if value is None:
            manual.pop(key, None)
        else:
            manual[key] = value
    agreement.manual = manual
    uow.agreements.save(agreement)
    refresh_agreement(uow, agreement_id)
