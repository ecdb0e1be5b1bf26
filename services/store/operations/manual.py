"""Operators' corrections: merge two agreements, split one, or set a field by hand.

Each decision is stored (manual links, manual field values) so that re-parsing and re-ingesting the
archive keep it. `Correction` is what both the API and the CLI accept as a correction.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.bus.limits import MAX_THEMES, Event, Place, SignedOn, Theme, signed_on_date
from services.bus.messages import Kind, Precision
from services.store.db.models import Agreement
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.joining import corrections_at_odds, join_records
from services.store.ingest.refresh import refresh_agreement

CORRECTABLE = ("kind", "signed_on", "signed_on_precision", "place", "event")
# The precision a date's form says: "2025-04-11", "2025-04", "2025".
_PRECISION_OF_FORM = {10: "day", 7: "month", 4: "year"}
_RANK = {"day": 3, "month": 2, "year": 1}


class Correction(BaseModel):
    """Fields set by hand; null removes a correction. They win over every report and survive re-parsing.
    A date may be given to the month or the year (`"2025-04"`); unless `signed_on_precision` is given
    too, the form sets it."""

    model_config = ConfigDict(extra="forbid", strict=True)
    kind: Kind | None = None
    signed_on: SignedOn | None = Field(default=None, examples=["2025-04-11", "2025-04"])
    signed_on_precision: Precision | None = None
    place: Place | None = None
    event: Event | None = None
    themes: list[Theme] | None = Field(default=None, max_length=MAX_THEMES)

    @model_validator(mode="after")
    def _precision_within_the_date(self) -> Correction:
        if self.signed_on is not None and self.signed_on_precision in _RANK:
            given = _PRECISION_OF_FORM[len(self.signed_on)]
            if _RANK[self.signed_on_precision] > _RANK[given]:
                raise ValueError(f"{self.signed_on} cannot have {self.signed_on_precision} precision")
        return self

    def stored(self) -> dict[str, Any]:
        """The fields given, as the agreement keeps them: a date as YYYY-MM-DD with its precision."""
        values = self.model_dump(mode="json", exclude_unset=True)
        if self.signed_on is not None:
            values["signed_on"] = signed_on_date(self.signed_on).isoformat()
            values.setdefault("signed_on_precision", _PRECISION_OF_FORM[len(self.signed_on)])
        return values


class ManualError(ValueError):
    """An operator's request that cannot be applied; the message says why."""


def _agreement(uow: UnitOfWork, agreement_id: int) -> Agreement:
    agreement = uow.agreements.get(agreement_id, for_update=True)
    if agreement is None:
        raise ManualError(f"no agreement {agreement_id}")
    return agreement


def merge_agreements(uow: UnitOfWork, keep_id: int, other_id: int) -> None:
    """Fold `other_id` into `keep_id`: its reports, parties, evidence and corrections move; it is deleted,
    and its reports stay pinned to `keep_id` through re-parsing. Two corrections of one field that
    disagree are refused (the API's 409), naming the field: an operator says which one holds."""
    if keep_id == other_id:
        raise ManualError("cannot merge an agreement with itself")
    first, second = sorted((keep_id, other_id))  # lock in id order: no deadlock with a reverse merge
    locked = {a.id: a for a in (_agreement(uow, first), _agreement(uow, second))}
    keep, other = locked[keep_id].manual, locked[other_id].manual
    clash = corrections_at_odds(keep, other)
    if clash:
        raise ManualError(
            f"both agreements correct {', '.join(clash)} differently "
            f"({'; '.join(f'{k}: {keep[k]!r} / {other[k]!r}' for k in clash)}): correct one of them first"
        )
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


def correction(values: dict[str, Any]) -> dict[str, Any]:
    """`values` read by `Correction`, as the agreement keeps them; a ManualError says which field is
    wrong and why."""
    unknown = sorted(set(values) - set(CORRECTABLE) - {"themes"})
    if unknown:
        raise ManualError(
            f"cannot correct {', '.join(unknown)}; correctable: {', '.join(CORRECTABLE)}, themes"
        )
    try:
        return Correction.model_validate(values).stored()
    except ValidationError as exc:
        raise ManualError(
            "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            )
        ) from None


def correct_fields(uow: UnitOfWork, agreement_id: int, values: dict[str, Any]) -> None:
    """Set fields by hand (a value of None removes the correction and lets the evidence decide)."""
    values = correction(values)
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
