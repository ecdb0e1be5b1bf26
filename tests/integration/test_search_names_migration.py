"""Revision 0006 fills the folded names of the organizations already stored, so `party=` and the
organizations' `q` find them by any alias right after `fm6ss migrate`."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from services.store.db.engine import migrate
from services.store.db.unit_of_work import UnitOfWork


def test_stored_organizations_are_found_by_any_alias_after_the_upgrade(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0005")
    engine = sa.create_engine(url)
    rows = [
        (1, "universite-euromed-de-fes", "Université Euromed de Fès", "UEMF", ["Euromed Fès"]),
        (2, "astrazeneca", "AstraZeneca", None, ["Astra Zeneca", "أسترازينيكا"]),
    ]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO organization (id, key, name, acronym, aliases, family, created_at) "
                "VALUES (:id, :key, :name, :acronym, :aliases, 0, '2026-01-01 00:00:00')"
            ),
            [
                {"id": i, "key": k, "name": n, "acronym": a, "aliases": json.dumps(al)}
                for i, k, n, a, al in rows
            ],
        )
    migrate(url)
    with engine.connect() as conn:
        names = dict(conn.execute(sa.text("SELECT id, search_names FROM organization")).all())
    assert names[2] == "|astrazeneca|استرازينيكا|"
    with Session(engine) as session:
        orgs = UnitOfWork(session).organizations
        for q, found in (("euromed fes", [1]), ("uemf", [1]), ("أسترازينيكا", [2]), ("Astra Zeneca", [2])):
            assert [o.id for o in orgs.listed(q, 0, 10)] == found, q
    engine.dispose()
