"""Operators' merge, split and corrections, and that they survive a re-parse of the same articles."""

from __future__ import annotations

from datetime import date

import pytest

from services.store.db.engine import transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.manual import ManualError, correct_fields, merge_agreements, split_agreement
from tests.conftest import engine
from tests.integration.test_ingest import AZ, CANCER, FM6SS, RARE, candidate, event, ingest, snapshot

CANCER_EV = event(
    "https://a.ma/cancer",
    CANCER * 3,
    candidate(FM6SS, AZ, signed_on=date(2024, 3, 15), precision="day", themes=("cancer",)),
    published=date(2024, 3, 15),
)
RARE_EV = event(
    "https://a.ma/rare",
    RARE * 3,
    candidate(FM6SS, AZ, kind="protocole", themes=("rare-diseases",)),
    published=date(2025, 2, 1),
)


def apply(url: str, fn, *args):
    with transaction(engine(url)) as session:
        return fn(UnitOfWork(session), *args)


def ids(url: str) -> list[int]:
    with transaction(engine(url)) as session:
        return [a.id for a in UnitOfWork(session).agreements.listed({}, 0, 100)]


def reparse(url: str) -> None:
    for ev in (CANCER_EV, RARE_EV):
        ingest(url, ev.model_copy(update={"parser_version": "2"}))


def test_merge_survives_a_reparse(db_url):
    ingest(db_url, CANCER_EV)
    ingest(db_url, RARE_EV)
    keep, other = ids(db_url)
    apply(db_url, merge_agreements, keep, other)
    reparse(db_url)
    assert ids(db_url) == [keep]
    (merged,) = snapshot(db_url)
    assert merged["sources"] == ["https://a.ma/cancer", "https://a.ma/rare"]


def test_split_survives_a_reparse(db_url):
    ingest(db_url, CANCER_EV)
    copy = event(
        "https://b.ma/report",
        "Autre dépêche : " + CANCER * 4,
        candidate(FM6SS, AZ, signed_on=date(2024, 3, 15), precision="day", themes=("cancer",)),
        published=date(2024, 3, 16),
    )
    ingest(db_url, copy)
    (only,) = ids(db_url)
    with transaction(engine(db_url)) as session:
        second = UnitOfWork(session).articles.with_original("https://b.ma/report", "")[0].id
    new = apply(db_url, split_agreement, only, [second])
    ingest(db_url, copy.model_copy(update={"parser_version": "2"}))
    ingest(db_url, CANCER_EV.model_copy(update={"parser_version": "2"}))
    assert ids(db_url) == [only, new]
    with pytest.raises(ManualError, match="at least one report"):
        apply(db_url, split_agreement, new, [second])


def test_a_correction_wins_over_evidence_and_survives_a_reparse(db_url):
    ingest(db_url, CANCER_EV)
    (agreement,) = ids(db_url)
    apply(db_url, correct_fields, agreement, {"place": "Casablanca"})
    reparse(db_url)
    rows = {r["place"] for r in snapshot(db_url)}
    assert "Casablanca" in rows
    with pytest.raises(ManualError, match="cannot correct"):
        apply(db_url, correct_fields, agreement, {"parties": []})


def test_an_operators_merge_keeps_the_corrections_of_both_records(db_url):
    ingest(db_url, CANCER_EV)
    ingest(db_url, RARE_EV)
    keep, other = ids(db_url)
    apply(db_url, correct_fields, keep, {"place": "Rabat"})
    apply(db_url, correct_fields, other, {"event": "Journées de la santé 2025", "kind": "memorandum"})
    apply(db_url, merge_agreements, keep, other)
    with transaction(engine(db_url)) as session:
        record = UnitOfWork(session).agreements.get(keep)
        assert record is not None
        expected = {"place": "Rabat", "event": "Journées de la santé 2025", "kind": "memorandum"}
        assert (record.place, record.event, record.kind) == tuple(expected.values())
        assert record.manual == expected


def test_an_operators_merge_of_two_corrections_that_disagree_is_refused_naming_the_field(db_url):
    ingest(db_url, CANCER_EV)
    ingest(db_url, RARE_EV)
    keep, other = ids(db_url)
    apply(db_url, correct_fields, keep, {"place": "Rabat", "kind": "convention"})
    apply(db_url, correct_fields, other, {"place": "Casablanca", "kind": "convention"})
    with pytest.raises(ManualError, match="place") as refused:
        apply(db_url, merge_agreements, keep, other)
    assert "kind" not in str(refused.value)
    assert ids(db_url) == [keep, other]  # nothing moved
