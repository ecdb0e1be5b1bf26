"""Store, ingest: two records found to be one signing become one, whoever finds it (a later report or
an operator). The merged-away record's reports, parties and corrections move; the change feed says where
it went, and the API answers its id with the record it joined.
"""

from __future__ import annotations

from typing import Any

from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.merging import MERGED_CORRECTIONS


def join_records(uow: UnitOfWork, keep_id: int, other_id: int) -> None:
    """Fold `other_id` into `keep_id`; both rows are locked by the caller. The caller refreshes `keep_id`."""
    keep = uow.agreements.get(keep_id)
    other = uow.agreements.get(other_id)
    assert keep is not None and other is not None
    uow.agreements.add_parties(keep_id, uow.agreements.party_ids(other_id))
    uow.evidence.move_sources(other_id, keep_id)
    if other.manual:
        keep.manual = carried_corrections(keep.manual, other.manual, other_id)
        uow.agreements.save(keep)
    uow.agreements.delete(other_id)
    uow.unsettle([keep_id])
    uow.record_change("agreement", other_id, "deleted", other.version + 1, {"merged_into": keep_id})


def corrections_at_odds(keep: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """The fields two records' corrections both set, to different values: what `carried_corrections`
    keeps as the kept record's and an operator's merge refuses."""
    return sorted(k for k in keep.keys() & other.keys() if k != MERGED_CORRECTIONS and keep[k] != other[k])


def carried_corrections(keep: dict[str, Any], other: dict[str, Any], other_id: int) -> dict[str, Any]:
    """The kept record's corrections with the merged-away record's: a field only the other corrected is
    taken as corrected; a field both corrected differently keeps the kept record's value, and the other's
    stays listed (merging.py shows it among the field's alternatives)."""
    out = dict(keep)
    carried = list(out.get(MERGED_CORRECTIONS, []))
    for key, value in other.items():
        if key == MERGED_CORRECTIONS:
            carried.extend(value)
        elif key not in out:
            out[key] = value
        elif out[key] != value:
            carried.append({"field": key, "value": value, "from": other_id})
    if carried:
        out[MERGED_CORRECTIONS] = carried
    return out
