"""Two store processes ingesting reports of one signing at the same moment on PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date

import pytest

from tests.integration.test_ingest import AZ, CANCER, FM6SS, candidate, event

pytestmark = pytest.mark.integration


def _worker(url: str, start: mp.synchronize.Barrier, offset: int, out: mp.Queue) -> None:
    from services.store.db import make_engine, transaction
    from services.store.ingest import ingest_article
    from services.store.repository import Repository

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
                    statuses.append(ingest_article(Repository(session), ev).status)
                break
            except Exception:
                if attempt == 4:
                    raise
    engine.dispose()
    out.put(statuses)


def test_two_store_processes_make_one_agreement(pg_url):
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

    from services.store.db import transaction
    from services.store.repository import Repository
    from tests.conftest import engine

    with transaction(engine(pg_url)) as session:
        repo = Repository(session)
        agreements = repo.list_agreements({}, 0, 100)
        assert len(agreements) == 1
        assert len(repo.sources(agreements[0].id)) == 12
        versions = [c.version for c in repo.changes_after(0, 1000) if c.entity == "agreement"]
        assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_two_workers_naming_a_new_organization_at_once_share_one_row(pg_url):
    """The second waits for the first's commit and finds its row: no unique-key error, no retry."""
    import threading

    from services.bus.messages import OrgRef
    from services.store.db import transaction
    from services.store.repository import Repository
    from tests.conftest import engine

    first = OrgRef(key="universite-euromed-de-fes", name="Université Euromed de Fès", aliases=("UEMF",))
    second = OrgRef(key=first.key, name="جامعة الأورومتوسطية بفاس", aliases=("Euromed Fès",))
    created, holding, release = {}, threading.Event(), threading.Event()

    def hold_open() -> None:
        with transaction(engine(pg_url)) as session:
            created["first"] = Repository(session).upsert_organizations([first])[0].id
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=hold_open)
    thread.start()
    assert holding.wait(30)
    threading.Timer(0.5, release.set).start()  # the first commits while the second waits on its row
    with transaction(engine(pg_url)) as session:
        org = Repository(session).upsert_organizations([second])[0]
        created["second"] = org.id
    thread.join(30)
    assert created["first"] == created["second"]
    with transaction(engine(pg_url)) as session:
        (stored,) = Repository(session).organizations([created["first"]])
        assert stored.name == first.name  # the first to commit names it; the second adds its names
        assert set(stored.aliases) == {"UEMF", "Euromed Fès", "جامعة الأورومتوسطية بفاس"}


def test_two_batches_of_the_same_reports_in_opposite_orders_do_not_deadlock(pg_url, monkeypatch):
    """A batch takes every lock its reports need at its start, in one ordered request: the second batch
    waits for the first's commit, instead of holding one report's lock while the first waits for it (a
    deadlock PostgreSQL would break by failing one of them)."""
    import threading
    import time

    from services.store import ingest as ingest_module
    from services.store.db import transaction
    from services.store.repository import Repository
    from tests.conftest import engine
    from tests.integration.test_ingest import MSPS, RARE

    a = event("https://un.ma/cancer", CANCER * 3, candidate(FM6SS, AZ, themes=("cancer",)))
    b = event("https://deux.ma/rares", RARE * 3, candidate(FM6SS, MSPS))
    original, first_half = ingest_module.ingest_article, threading.Event()

    def paced(repo, report):
        result = original(repo, report)
        if threading.current_thread().name == "first" and report is a:
            first_half.set()  # the second batch starts while the first is between its two reports
            time.sleep(0.5)
        return result

    monkeypatch.setattr(ingest_module, "ingest_article", paced)
    statuses: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def run(name: str, reports: list) -> None:
        try:
            with transaction(engine(pg_url)) as session:
                done = ingest_module.ingest_articles(Repository(session), reports)
            statuses[name] = [r.status for r in done]
        except BaseException as exc:
            errors.append(exc)

    first = threading.Thread(target=run, args=("first", [a, b]), name="first")
    first.start()
    assert first_half.wait(30)
    run("second", [b, a])
    first.join(30)
    assert errors == []
    assert statuses == {"first": ["new", "new"], "second": ["unchanged", "unchanged"]}
