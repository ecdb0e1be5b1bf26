"""Ingest against real databases (SQLite file and PostgreSQL schema): dedup, resolution, idempotency."""

from __future__ import annotations

import random
from datetime import date

import pytest
import sqlalchemy as sa

from services.bus.messages import AgreementCandidate, ArticleParsed, OrgRef, PersonRole
from services.parser.fingerprint import minhash_signature, text_hash
from services.store.db.agreements import EvidenceRow
from services.store.db.engine import transaction
from services.store.db.models import Agreement
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.handler import ingest_article
from services.store.ingest.signing import signing_from_json, signings, signings_of_agreements
from services.store.records.presenters import agreement_out
from tests.conftest import engine

FM6SS = OrgRef(
    key="fm6ss",
    name="Fondation Mohammed VI des Sciences et de la Santé",
    acronym="FM6SS",
    kind="foundation",
    family=True,
)
AZ = OrgRef(key="astrazeneca", name="AstraZeneca", kind="company")
MSPS = OrgRef(
    key="ministere-sante", name="Ministère de la Santé et de la Protection Sociale", kind="ministry"
)

CANCER = (
    "La fondation et le laboratoire ont conclu vendredi un accord de partenariat pour créer des centres "
    "d'excellence en oncologie, développer le dépistage précoce du cancer du poumon et former les soignants. "
)
RARE = (
    "Un protocole d'accord a été signé pour créer des centres d'excellence dédiés aux maladies rares, "
    "avec des tests génétiques avancés et des parcours de soins pour les familles, "
    "selon un communiqué conjoint. "
)


def event(
    url: str, text: str, *agreements: AgreementCandidate, published: date | None = None, version: str = "1"
) -> ArticleParsed:
    return ArticleParsed(
        url=url,
        canonical_url=url,
        archive_key="0" * 64,
        outlet="Test",
        title=text[:40],
        published=published,
        lang="fr",
        text=text,
        text_hash=text_hash(text),
        minhash=minhash_signature(text),
        relevant=bool(agreements),
        agreements=agreements,
        parser_version=version,
    )


def candidate(
    *parties: OrgRef,
    signed_on: date | None = None,
    precision: str | None = None,
    kind: str = "accord",
    themes: tuple[str, ...] = (),
    people=(),
    recalled=False,
    place: str | None = None,
) -> AgreementCandidate:
    return AgreementCandidate(
        parties=parties,
        kind=kind,
        signed_on=signed_on,
        signed_on_precision=precision,
        themes=themes,
        people=people,
        recalled=recalled,
        place=place,
    )


def ingest(url: str, ev: ArticleParsed):
    with transaction(engine(url)) as session:
        return ingest_article(UnitOfWork(session), ev)


def snapshot(url: str) -> list[dict]:
    with transaction(engine(url)) as session:
        uow = UnitOfWork(session)
        rows = [
            agreement_out(uow, a).model_dump(exclude={"first_seen", "updated_at", "id"})
            for a in uow.agreements.listed({}, 0, 1000)
        ]
    for row in rows:
        row["sources"] = sorted(s["url"] for s in row["sources"])
    return sorted(rows, key=repr)


CANCER_AG = candidate(
    FM6SS,
    AZ,
    signed_on=date(2024, 3, 15),
    precision="day",
    themes=("cancer", "centres-of-excellence", "access-to-treatment"),
)
RARE_AG = candidate(
    FM6SS, AZ, kind="protocole", themes=("rare-diseases", "genetics", "centres-of-excellence")
)


def test_the_same_article_twice_changes_nothing(db_url):
    ev = event("https://a.ma/1", CANCER * 3, CANCER_AG)
    first = ingest(db_url, ev)
    before = snapshot(db_url)
    again = ingest(db_url, ev)
    assert first.status == "new" and again.status == "unchanged"
    assert snapshot(db_url) == before
    with transaction(engine(db_url)) as session:
        assert UnitOfWork(session).feed.counts()["changes"] == 2  # one article row, one agreement row


def test_exact_and_near_copies_become_sources_not_agreements(db_url):
    ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG))
    exact = ingest(db_url, event("https://b.ma/copy", CANCER * 3, CANCER_AG))
    near = ingest(
        db_url, event("https://c.ma/x", "Par la rédaction. " + CANCER * 3 + " Partager.", CANCER_AG)
    )
    assert (exact.status, near.status) == ("duplicate", "near_duplicate")
    (agreement,) = snapshot(db_url)
    assert agreement["sources"] == ["https://a.ma/1", "https://b.ma/copy", "https://c.ma/x"]


def test_two_agreements_between_the_same_parties_stay_apart(db_url):
    ingest(db_url, event("https://a.ma/cancer", CANCER * 3, CANCER_AG))
    ingest(db_url, event("https://a.ma/rare", RARE * 3, RARE_AG))
    assert len(snapshot(db_url)) == 2


def test_a_later_report_and_a_recall_attach_to_the_signing(db_url):
    ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG, published=date(2024, 3, 15)))
    later = candidate(FM6SS, AZ, themes=("cancer", "centres-of-excellence"))
    ingest(
        db_url,
        event(
            "https://b.ma/2", RARE.replace("maladies rares", "cancer") * 3, later, published=date(2024, 3, 19)
        ),
    )
    recall = candidate(FM6SS, AZ, themes=("cancer",), recalled=True)
    ingest(
        db_url,
        event(
            "https://c.ma/3",
            "Rappel : en mars 2024 un accord sur le cancer. " * 5,
            recall,
            published=date(2025, 9, 1),
        ),
    )
    (agreement,) = snapshot(db_url)
    assert len(agreement["sources"]) == 3
    assert agreement["signed_on"] == "2024-03-15" and agreement["signed_on_precision"] == "day"


def test_fields_merge_and_people_keep_who_signed(db_url):
    tehraoui = PersonRole(name="Amine Tehraoui", role="ministre", org_key="ministere-sante", signed=True)
    quoted = PersonRole(name="Nadia Alaoui", role="directrice", org_key="fm6ss")
    a = candidate(
        FM6SS,
        MSPS,
        signed_on=date(2025, 4, 11),
        precision="day",
        kind="convention",
        themes=("plasma",),
        people=(tehraoui, quoted),
        place="Casablanca",
    )
    ingest(db_url, event("https://a.ma/1", CANCER * 3, a, published=date(2025, 4, 12)))
    (agreement,) = snapshot(db_url)
    assert [p["name"] for p in agreement["signatories"]] == ["Amine Tehraoui"]
    assert agreement["signatories"][0]["org"] == MSPS.name
    assert [p["name"] for p in agreement["people"]] == ["Nadia Alaoui"]
    assert agreement["place"] == "Casablanca" and agreement["version"] == 1


def test_result_does_not_depend_on_arrival_order(tmp_path, sqlite_template):
    import shutil

    events = [
        event("https://a.ma/1", CANCER * 3, CANCER_AG, published=date(2024, 3, 15)),
        event("https://b.ma/2", "Par la rédaction. " + CANCER * 3, CANCER_AG, published=date(2024, 3, 16)),
        event("https://a.ma/rare", RARE * 3, RARE_AG, published=date(2025, 2, 1)),
        event(
            "https://d.ma/4",
            CANCER.replace("vendredi", "le 15 mars 2024") * 4,
            candidate(FM6SS, AZ, signed_on=date(2024, 3, 15), precision="day", themes=("cancer",)),
            published=date(2024, 3, 18),
        ),
    ]
    results = set()
    for seed in range(4):
        path = tmp_path / f"{seed}.db"
        shutil.copy(sqlite_template, path)
        order = events[:]
        random.Random(seed).shuffle(order)
        for ev in order:
            ingest(f"sqlite:///{path}", ev)
        results.add(
            repr(
                [
                    (r["kind"], r["signed_on"], r["sources"], r["themes"])
                    for r in snapshot(f"sqlite:///{path}")
                ]
            )
        )
    assert len(results) == 1


@pytest.mark.integration
def test_a_new_parser_version_re_resolves_without_duplicating(db_url):
    ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG))
    moved = candidate(FM6SS, AZ, signed_on=date(2024, 3, 14), precision="day", themes=CANCER_AG.themes)
    result = ingest(db_url, event("https://a.ma/1", CANCER * 3, moved, version="2"))
    assert result.status == "updated"
    (agreement,) = snapshot(db_url)
    assert agreement["signed_on"] == "2024-03-14" and agreement["version"] == 2


AMSD = OrgRef(key="amsd", name="Agence Marocaine du Sang et de ses Dérivés", acronym="AMSD", kind="agency")


@pytest.mark.parametrize("wide_first", [True, False])
def test_a_report_that_leaves_out_a_partner_joins_the_signing(db_url, wide_first):
    wide = event(
        "https://a.ma/wide",
        CANCER * 3,
        candidate(
            FM6SS,
            MSPS,
            AMSD,
            signed_on=date(2025, 4, 11),
            precision="day",
            kind="convention",
            themes=("blood-plasma",),
            place="Casablanca",
        ),
        published=date(2025, 4, 11),
    )
    narrow = event(
        "https://b.ma/narrow",
        RARE * 3,
        candidate(
            FM6SS,
            MSPS,
            signed_on=date(2025, 4, 11),
            precision="day",
            kind="convention",
            themes=("blood-plasma",),
            place="Casablanca",
        ),
        published=date(2025, 4, 12),
    )
    for ev in (wide, narrow) if wide_first else (narrow, wide):
        ingest(db_url, ev)
    (agreement,) = snapshot(db_url)
    assert {p["key"] for p in agreement["parties"]} == {"fm6ss", "ministere-sante", "amsd"}
    assert agreement["sources"] == ["https://a.ma/wide", "https://b.ma/narrow"]


def test_a_later_three_party_memorandum_with_the_same_company_is_another_agreement(db_url):
    ingest(
        db_url,
        event(
            "https://a.ma/2024",
            CANCER * 3,
            candidate(FM6SS, AZ, kind="partenariat", themes=("oncology",)),
            published=date(2024, 3, 1),
        ),
    )
    ingest(
        db_url,
        event(
            "https://a.ma/2025",
            RARE * 3,
            candidate(FM6SS, AZ, MSPS, kind="memorandum", themes=("oncology",)),
            published=date(2025, 3, 20),
        ),
    )
    assert len(snapshot(db_url)) == 2


def _stored_and_read(uow: UnitOfWork) -> list[tuple[object, object]]:
    """Each agreement's signing as stored with it, beside the same read from its evidence."""
    out = []
    for stored in uow.agreements.with_party_set("astrazeneca"):
        assert stored.signing is not None
        out.append((signing_from_json(stored.signing), signings_of_agreements(uow, [stored.id])[stored.id]))
    return out


def test_the_stored_signing_summary_is_what_the_evidence_says(db_url):
    ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG, published=date(2024, 3, 15)))
    later = candidate(FM6SS, AZ, themes=("cancer", "centres-of-excellence"), place="Rabat")
    text = RARE.replace("maladies rares", "cancer") * 3
    ingest(db_url, event("https://b.ma/2", text, later, published=date(2024, 3, 18)))
    recall = candidate(FM6SS, AZ, themes=("cancer",), recalled=True)
    text = "Rappel : en mars 2024 un accord sur le cancer. " * 5
    ingest(db_url, event("https://c.ma/3", text, recall, published=date(2025, 9, 1)))
    other = (
        "Un registre national des maladies génétiques sera financé par les deux signataires, qui prévoient "
        "aussi des bourses doctorales et un laboratoire de séquençage à Marrakech. "
    )
    ingest(db_url, event("https://d.ma/rare", other * 3, RARE_AG, published=date(2024, 6, 2)))
    with transaction(engine(db_url)) as session:
        pairs = _stored_and_read(UnitOfWork(session))
    assert len(pairs) == 2
    for stored, read in pairs:
        assert stored == read
    # The signing's record sums its three reports: the day, two publication dates (not the recall's).
    (cancer,) = [stored for stored, _ in pairs if "rabat" in stored.places]
    assert {d for d, _ in cancer.dates} == {date(2024, 3, 15), date(2024, 3, 18)}
    assert len(cancer.dates) == 3


def test_reports_added_in_the_transaction_count_before_the_summary_is_written(db_url):
    ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG, published=date(2024, 3, 15)))
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        (stored,) = uow.agreements.with_party_set("astrazeneca")
        article = uow.articles.with_original("https://a.ma/1", "")[0]
        assert article is not None and article.id is not None
        uow.evidence.add(
            [EvidenceRow(agreement_id=stored.id, article_id=article.id, field="place", value="Rabat")]
        )
        assert "rabat" in signings(uow, uow.agreements.with_party_set("astrazeneca"))[stored.id].places
        session.rollback()


def test_an_agreement_stored_without_a_summary_is_read_from_its_evidence(db_url):
    """Rows written before the summary existed have none: resolution reads their evidence, and the
    next refresh writes it."""
    ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG, published=date(2024, 3, 15)))
    with transaction(engine(db_url)) as session:
        session.execute(sa.update(Agreement).values(signing=None))
    later = candidate(FM6SS, AZ, themes=("cancer", "centres-of-excellence"))
    text = RARE.replace("maladies rares", "cancer") * 3
    ingest(db_url, event("https://b.ma/2", text, later, published=date(2024, 3, 19)))
    assert len(snapshot(db_url)) == 1
    with transaction(engine(db_url)) as session:
        ((stored, read),) = _stored_and_read(UnitOfWork(session))
    assert stored == read


def test_a_party_named_twice_in_a_report_is_one_organization(db_url):
    twice = candidate(FM6SS, AZ, AZ, signed_on=date(2024, 3, 15), precision="day", themes=("cancer",))
    ingest(db_url, event("https://a.ma/1", CANCER * 3, twice, published=date(2024, 3, 15)))
    (agreement,) = snapshot(db_url)
    assert sorted(p["name"] for p in agreement["parties"]) == sorted([FM6SS.name, AZ.name])


def test_change_rows_are_written_at_commit_in_the_order_they_were_recorded(db_url):
    ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG))
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        before = uow.feed.last_seq()
        for i in range(3):
            uow.record_change("article", 100 + i, "updated", None, {"n": i})
        assert uow.feed.last_seq() == before  # kept until the transaction ends
    with pytest.raises(RuntimeError), transaction(engine(db_url)) as session:
        UnitOfWork(session).record_change("article", 200, "updated", None, {})
        raise RuntimeError("rolled back: its change row is never written")
    with transaction(engine(db_url)) as session:
        rows = UnitOfWork(session).feed.changes_after(before, 10)
    assert [(c.entity_id, c.payload) for c in rows] == [(100 + i, {"n": i}) for i in range(3)]


def test_an_article_whose_text_another_original_has_is_its_copy_even_if_it_had_that_text(db_url):
    """The URL's stored article and the original with the same text come from one query: the article
    itself is never taken for its own original."""
    ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG))
    again = ingest(db_url, event("https://a.ma/1", CANCER * 3, CANCER_AG, version="2"))  # same text
    copy = ingest(db_url, event("https://b.ma/1", CANCER * 3, CANCER_AG))
    assert (again.status, copy.status) == ("updated", "duplicate")
    with transaction(engine(db_url)) as session:
        uow = UnitOfWork(session)
        itself, none = uow.articles.with_original("https://a.ma/1", text_hash(CANCER * 3))
        existing, original = uow.articles.with_original("https://b.ma/1", text_hash(CANCER * 3))
    assert itself is not None and itself.duplicate_of is None and none is None
    assert existing is not None and original is not None
    assert (existing.canonical_url, original.canonical_url) == ("https://b.ma/1", "https://a.ma/1")
    assert existing.duplicate_of == original.id
