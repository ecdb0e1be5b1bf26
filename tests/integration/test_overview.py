"""The console's summaries (db/overview.py) on SQLite and PostgreSQL: signings per month, the partner
network, an agreement's history and the records merged into it, and the table lines of a page."""

from __future__ import annotations

from datetime import date

from services.store.db.engine import transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.manual import merge_agreements
from services.store.records.presenters import agreement_lines
from tests.conftest import engine
from tests.integration.test_ingest import AZ, FM6SS, RARE, candidate, event, ingest
from tests.integration.test_manual import CANCER_EV, RARE_EV, apply, ids


def read(url: str, fn, *args):
    with transaction(engine(url)) as session:
        return fn(UnitOfWork(session), *args)


def test_months_network_and_lines_count_the_same_agreements(db_url):
    ingest(db_url, CANCER_EV)  # 2024-03-15, day
    ingest(db_url, RARE_EV)  # no date given
    third = event(
        "https://c.ma/year",
        "Rapport annuel : " + RARE * 2,
        candidate(FM6SS, AZ, kind="accord", signed_on=date(2023, 1, 1), precision="year"),
        published=date(2023, 6, 1),
    )
    ingest(db_url, third)
    stored = len(ids(db_url))
    assert stored >= 2
    months, undated = read(db_url, lambda uow: uow.overview.signings_by_month({}))
    # No date, or a year alone, is not drawn in a month.
    assert months == [("2024-03", 1)] and undated == stored - 1
    months, undated = read(db_url, lambda uow: uow.overview.signings_by_month({"theme": "cancer"}))
    assert months == [("2024-03", 1)] and undated == 0

    network = read(db_url, lambda uow: uow.overview.network({}, 10))
    (edge,) = network.edges
    assert network.organizations[edge.family_id].family
    assert network.organizations[edge.partner_id].key == AZ.key and edge.agreements == stored
    assert network.agreements == {edge.family_id: stored, edge.partner_id: stored}
    assert read(db_url, lambda uow: uow.overview.network({"kind": "nothing"}, 10)).edges == []

    lines = read(db_url, lambda uow: agreement_lines(uow, uow.agreements.listed({}, 0, 10, True)))
    assert sum(line.reports for line in lines) == 3 and len(lines) == stored
    assert [p.key for p in lines[0].parties] == [FM6SS.key, AZ.key]


def test_history_and_merges_of_an_agreement(db_url):
    ingest(db_url, CANCER_EV)
    ingest(db_url, RARE_EV)
    keep, other = ids(db_url)
    apply(db_url, merge_agreements, keep, other)
    merged = read(db_url, lambda uow: [(c.entity_id, c.action) for c in uow.overview.merged_here(keep)])
    assert merged == [(other, "deleted")]
    history = read(db_url, lambda uow: [(c.action, c.version) for c in uow.overview.history(keep)])
    assert history[0] == ("created", 1) and history[-1][0] == "updated"
    assert read(db_url, lambda uow: uow.overview.merged_here(other)) == []


def test_sources_activity_of_a_store_without_pages(db_url):
    activity = read(db_url, lambda uow: uow.overview.sources_activity(["none"]))
    assert activity["none"].failed == 0 and activity["none"].pages_by_run == {}
