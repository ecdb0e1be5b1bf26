"""Two records that a later report shows to be one signing become one: in any order of the reports, with
the change feed saying where the merged-away record went, its id answering with that record, and the
operators' corrections of both kept."""

from __future__ import annotations

from datetime import date
from itertools import permutations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from services.bus.settings import Settings
from services.store.api.main import create_api
from services.store.db.engine import transaction
from services.store.db.models import Change
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.merging import MERGED_CORRECTIONS
from services.store.operations.manual import correct_fields, split_agreement
from tests.conftest import engine
from tests.integration.test_ingest import AZ, FM6SS, candidate, event, ingest, snapshot

# One ceremony, three reports. The first gives the day and speaks of cancer screening; the second, a
# short item a day later, speaks only of rare diseases and of the salon it was signed at; the third gives
# the day and both subjects, and only it shows that the first two are one signing.
DAY = date(2025, 5, 9)
FIRST = event(
    "https://a.ma/depistage",
    "La fondation et le laboratoire ont signé vendredi un mémorandum d'entente sur le dépistage "
    "précoce des cancers et la formation des équipes soignantes. " * 3,
    candidate(FM6SS, AZ, signed_on=DAY, precision="day", kind="memorandum", themes=("oncology", "screening")),
    published=DAY,
)
SECOND = event(
    "https://b.ma/rares",
    "A memorandum of understanding on rare diseases and genomics was inked at the salon by the two "
    "partners, according to a short statement issued on Saturday. " * 3,
    candidate(FM6SS, AZ, kind="protocole", themes=("rare-diseases", "genomics")),
    published=date(2025, 5, 10),
)
THIRD = event(
    "https://c.ma/ceremonie",
    "وقعت المؤسسة والمختبر يوم الجمعة مذكرة تفاهم تشمل الكشف المبكر عن السرطان والأمراض النادرة "
    "وعلم الجينوم. " * 3,
    candidate(
        FM6SS,
        AZ,
        signed_on=DAY,
        precision="day",
        kind="memorandum",
        themes=("oncology", "screening", "rare-diseases", "genomics"),
    ),
    published=date(2025, 5, 11),
)
REPORTS = (FIRST, SECOND, THIRD)


def agreement_ids(url: str) -> list[int]:
    with transaction(engine(url)) as session:
        return [a.id for a in UnitOfWork(session).agreements.listed({}, 0, 100) if a.id is not None]


def apply(url: str, fn, *args):
    with transaction(engine(url)) as session:
        return fn(UnitOfWork(session), *args)


def test_the_first_two_reports_alone_are_two_records(db_url):
    ingest(db_url, FIRST)
    ingest(db_url, SECOND)
    assert len(agreement_ids(db_url)) == 2


@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_the_same_reports_in_any_order_give_one_record(db_url, order):
    for i in order:
        ingest(db_url, REPORTS[i])
    (record,) = snapshot(db_url)
    assert record["sources"] == sorted(r.canonical_url for r in REPORTS)
    assert record["signed_on"] == DAY.isoformat()


def test_the_feed_says_where_a_merged_record_went_and_its_id_answers(db_url, env):
    ingest(db_url, FIRST)
    ingest(db_url, SECOND)
    first, second = agreement_ids(db_url)
    ingest(db_url, THIRD)
    assert agreement_ids(db_url) == [first]
    with transaction(engine(db_url)) as session:
        rows = list(
            session.exec(select(Change).where(Change.entity == "agreement", Change.entity_id == second))
        )
    assert rows[-1].action == "deleted" and rows[-1].payload == {"merged_into": first}
    client = TestClient(create_api(Settings(), engine(db_url)))
    moved = client.get(f"/agreements/{second}", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == f"/agreements/{first}"
    assert client.get(f"/agreements/{second}").json()["id"] == first
    assert client.get("/agreements/999").status_code == 404


def test_corrections_of_both_records_survive_their_merge(db_url):
    ingest(db_url, FIRST)
    ingest(db_url, SECOND)
    first, second = agreement_ids(db_url)
    apply(db_url, correct_fields, first, {"place": "Rabat"})
    apply(db_url, correct_fields, second, {"place": "Casablanca", "event": "GITEX Africa 2025"})
    ingest(db_url, THIRD)
    with transaction(engine(db_url)) as session:
        record = UnitOfWork(session).agreements.get(first)
        assert record is not None
        assert (record.place, record.event) == ("Rabat", "GITEX Africa 2025")
        assert record.manual[MERGED_CORRECTIONS] == [
            {"field": "place", "value": "Casablanca", "from": second}
        ]
        assert {"value": "Casablanca", "reports": 0, "precision": None, "corrected_in": second} in (
            record.alternatives["place"]
        )


def test_records_an_operator_split_are_not_joined_again(db_url):
    ingest(db_url, FIRST)
    ingest(db_url, THIRD)
    (only,) = agreement_ids(db_url)
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        third = next(
            s.article_id
            for s in uow.evidence.sources(only)
            if s.article_id != min(x.article_id for x in uow.evidence.sources(only))
        )
    apply(db_url, split_agreement, only, [third])
    ingest(db_url, SECOND)
    assert len(agreement_ids(db_url)) == 2


def test_a_record_an_article_created_and_then_joined_is_not_counted_as_new(db_url):
    ingest(db_url, FIRST)
    both = event(
        "https://d.ma/double",
        "Deux comptes rendus de la même cérémonie, l'un bref et l'autre complet, dans un seul article. " * 3,
        SECOND.agreements[0],
        THIRD.agreements[0],
        published=date(2025, 5, 11),
    )
    result = ingest(db_url, both)
    assert len(agreement_ids(db_url)) == 1
    assert result.agreements_created == [] and result.agreements_updated == agreement_ids(db_url)
