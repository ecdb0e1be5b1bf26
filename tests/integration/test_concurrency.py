"""Two store processes ingesting reports of one signing at the same moment on PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date

import pytest

from tests.integration.test_ingest import AZ, CANCER, FM6SS, candidate, event

pytestmark = pytest.mark.integration


def _worker(url: str, start: mp.synchronize.Barrier, offset: int, out: mp.Queue) -> None:

    from services.store.db.engine import make_engine, transaction
    from services.store.db.unit_of_work import UnitOfWork
    from services.store.ingest.handler import ingest_article

    engine = make_engine(url)
    start.wait()
    statuses = []
    for i in range(offset, 12, 2):
        text = f"Dépêche numéro {i}. " + CANCER * (2 + i) + f" Fin de la dépêche {i * 7919}."
        ev = event(
            f"https://outlet{i}.ma/a",
            text,
            candidate(FM6SS, AZ, signed_on=date(2024, 3, 15), precision="day", themes=("cancer",)),
            published=date(2024, 3, 15 + i % 3),
        )
        for attempt in range(5):  # what Celery's autoretry does on a unique-key race
            try:
                with transaction(engine) as session:
                    statuses.append(ingest_article(UnitOfWork(session), ev).status)
                break
            except Exception:
                if attempt == 4:
                    raise
    engine.dispose()
    out.put(statuses)


def test_two_store_processes_make_one_agreement(pg_url):
    from services.store.db.unit_of_work import UnitOfWork

    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(pg_url, start, k, out)) for k in (0, 1)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert sum(len(r) for r in results) == 12

    from services.store.db.engine import transaction
    from tests.conftest import engine

    with transaction(engine(pg_url)) as session:
        uow = UnitOfWork(session)
        agreements = uow.agreements.listed({}, 0, 100)
        assert len(agreements) == 1
        assert len(uow.evidence.sources(agreements[0].id)) == 12
        versions = [c.version for c in uow.feed.changes_after(0, 1000) if c.entity == "agreement"]
        assert versions == sorted(versions) and len(set(versions)) == len(versions)


def _at_once(pg_url: str, first, second):
    """`first(uow)` runs in a transaction held open; `second(uow)` starts while it is open, and the first
    commits half a second later. Both results."""
    import threading

    from services.store.db.engine import transaction
    from services.store.db.unit_of_work import UnitOfWork
    from tests.conftest import engine

    out, holding, release = {}, threading.Event(), threading.Event()

    def hold_open() -> None:
        with transaction(engine(pg_url)) as session:
            out["first"] = first(UnitOfWork(session))
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold_open)
    thread.start()
    assert holding.wait(30)
    threading.Timer(0.5, release.set).start()  # the first commits while the second waits on its rows
    with transaction(engine(pg_url)) as session:
        out["second"] = second(UnitOfWork(session))
    thread.join(30)
    return out["first"], out["second"]


def test_two_workers_naming_a_new_organization_at_once_share_one_row(pg_url):
    """The second waits for the first's commit and finds its row: no unique-key error, no retry."""

    from services.bus.messages import OrgRef
    from services.store.db.engine import transaction
    from services.store.db.unit_of_work import UnitOfWork
    from tests.conftest import engine

    first = OrgRef(key="universite-euromed-de-fes", name="Université Euromed de Fès", aliases=("UEMF",))
    second = OrgRef(key=first.key, name="جامعة الأورومتوسطية بفاس", aliases=("Euromed Fès",))
    ids = _at_once(
        pg_url,
        lambda uow: uow.organizations.upsert([first])[0].id,
        lambda uow: uow.organizations.upsert([second])[0].id,
    )
    assert ids[0] == ids[1]
    with transaction(engine(pg_url)) as session:
        (stored,) = UnitOfWork(session).organizations.many([ids[0]])
        assert stored.name == first.name  # the first to commit names it; the second adds its names
        assert set(stored.aliases) == {"UEMF", "Euromed Fès", "جامعة الأورومتوسطية بفاس"}


def test_two_workers_naming_a_new_person_at_once_share_one_row(pg_url):
    """Reports of two partners, stored at once, name the same signatory for the first time: the second
    waits for the first's commit and finds the person, instead of failing on the unique key."""

    from services.store.db.engine import transaction
    from services.store.db.unit_of_work import UnitOfWork
    from tests.conftest import engine

    def ids(names: dict[str, str]):
        return lambda uow: {k: p.id for k, p in uow.organizations.upsert_people(names).items()}

    first, second = _at_once(
        pg_url,
        ids({"amina-tazi": "Amina Tazi", "karim-idrissi": "Karim Idrissi"}),
        ids({"karim-idrissi": "K. Idrissi", "salma-alaoui": "Salma Alaoui"}),
    )
    assert second["karim-idrissi"] == first["karim-idrissi"]
    with transaction(engine(pg_url)) as session:
        stored = UnitOfWork(session).organizations.upsert_people(
            {"karim-idrissi": "autre", "salma-alaoui": "autre"}
        )
        assert {k: p.name for k, p in stored.items()} == {
            "karim-idrissi": "Karim Idrissi",  # the first to commit names them
            "salma-alaoui": "Salma Alaoui",
        }


def test_a_report_waits_only_for_reports_that_name_one_of_its_partners(pg_url):
    """While one transaction stores a report on AstraZeneca, a report on the ministry is stored at once,
    and another report on AstraZeneca waits for the first's commit (FM6SS's family, a party of both, is
    not a partner key: it would make every report wait for every other)."""
    import threading

    import sqlalchemy as sa
    from sqlalchemy.exc import OperationalError

    from services.store.db.engine import transaction
    from services.store.db.unit_of_work import UnitOfWork
    from services.store.ingest.handler import ingest_article
    from tests.conftest import engine
    from tests.integration.test_ingest import MSPS, RARE

    first = event("https://un.ma/cancer", CANCER * 3, candidate(FM6SS, AZ, themes=("cancer",)))
    other_partner = event("https://deux.ma/rares", RARE * 3, candidate(FM6SS, MSPS))
    imaging = (
        "Une convention a été signée avec le laboratoire pour équiper les hôpitaux universitaires en "
        "imagerie médicale et former des radiologues, annonce un communiqué publié lundi. "
    )
    same_partner = event("https://trois.ma/az", imaging * 3, candidate(FM6SS, AZ, kind="convention"))
    holding, release = threading.Event(), threading.Event()

    def hold_open() -> None:
        with transaction(engine(pg_url)) as session:
            ingest_article(UnitOfWork(session), first)
            holding.set()
            release.wait(30)

    def store(report, wait_s: float) -> str:
        with transaction(engine(pg_url)) as session:
            session.execute(sa.text(f"SET LOCAL lock_timeout = '{int(wait_s * 1000)}ms'"))
            return ingest_article(UnitOfWork(session), report).status

    with transaction(engine(pg_url)) as session:  # known already: a new one is waited on by all who name it
        UnitOfWork(session).organizations.upsert([FM6SS, AZ, MSPS])
    thread = threading.Thread(target=hold_open)
    thread.start()
    try:
        assert holding.wait(30)
        assert store(other_partner, 5) == "new"
        with pytest.raises(OperationalError, match="lock timeout"):
            store(same_partner, 0.5)
    finally:
        release.set()
        thread.join(30)
    assert store(same_partner, 5) == "new"
