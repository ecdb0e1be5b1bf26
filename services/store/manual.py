"""Operators' corrections: merge two agreements, split one, or set a field by hand.

Each decision is stored (manual links, manual field values) so that re-parsing and re-ingesting the
archive keep it.
"""

from __future__ import annotations

from typing import Any

from services.store.agreements import refresh_agreement
from services.store.models import Agreement
from services.store.repository import Repository

CORRECTABLE = ("kind", "signed_on", "signed_on_precision", "place", "event")


class ManualError(ValueError):
    """An operator's request that cannot be applied; the message says why."""


def _agreement(repo: Repository, agreement_id: int) -> Agreement:
    agreement = repo.get_agreement(agreement_id, for_update=True)
    if agreement is None:
        raise ManualError(f"no agreement {agreement_id}")
    return agreement


def merge_agreements(repo: Repository, keep_id: int, other_id: int) -> None:
    """Fold `other_id` into `keep_id`: its reports, parties and evidence move; it is deleted."""
    if keep_id == other_id:
        raise ManualError("cannot merge an agreement with itself")
    first, second = sorted((keep_id, other_id))  # lock in id order: no deadlock with a reverse merge
    _agreement(repo, first), _agreement(repo, second)
    other = _agreement(repo, other_id)
    repo.add_parties(keep_id, repo.party_ids(other_id))
    repo.move_sources(other_id, keep_id)
    _pin(repo, keep_id)
    repo.delete_agreement(other_id)
    repo.record_change("agreement", other_id, "deleted", other.version + 1, {"merged_into": keep_id})
    refresh_agreement(repo, keep_id)


def split_agreement(repo: Repository, agreement_id: int, article_ids: list[int]) -> int:
    """Move the given reports to a new agreement with the same parties; returns its id."""
    agreement = _agreement(repo, agreement_id)
    current = {s.article_id for s in repo.sources(agreement_id)}
    moving = sorted(set(article_ids))
    if not moving or not set(moving) <= current:
        raise ManualError(
            f"articles {sorted(set(moving) - current) or moving} are not sources of {agreement_id}"
        )
    if set(moving) == current:
        raise ManualError("a split must leave at least one report on the original agreement")
    new = repo.create_agreement(agreement.party_set, repo.party_ids(agreement_id))
    assert new.id is not None
    for article_id in moving:
        repo.move_source(agreement_id, new.id, article_id)
    _pin(repo, new.id)
    _pin(repo, agreement_id)
    refresh_agreement(repo, new.id, created=True)
    refresh_agreement(repo, agreement_id)
    return new.id


def _pin(repo: Repository, agreement_id: int) -> None:
    """Link every report of the agreement to it, so resolution puts them back together after a re-parse."""
    for source in repo.sources(agreement_id):
        repo.set_manual_link(source.article_id, agreement_id)


def correct_fields(repo: Repository, agreement_id: int, values: dict[str, Any]) -> None:
    """Set fields by hand (a value of None removes the correction and lets the evidence decide)."""
    unknown = sorted(set(values) - set(CORRECTABLE) - {"themes"})
    if unknown:
        raise ManualError(
            f"cannot correct {', '.join(unknown)}; correctable: {', '.join(CORRECTABLE)}, themes"
        )
    agreement = _agreement(repo, agreement_id)
    manual = dict(agreement.manual)
    for key, value in values.items():
        if value is None:
            manual.pop(key, None)
        else:
            manual[key] = value
    agreement.manual = manual
    repo.save_agreement(agreement)
    refresh_agreement(repo, agreement_id)
