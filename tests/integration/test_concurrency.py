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
