"""Revision 0004 folds the stored person keys again by the one rule, so a report naming a person in
another spelling meets the person already stored."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from services.store.db.engine import migrate


def test_person_keys_are_folded_again_and_spellings_merged(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0003")
    engine = sa.create_engine(url)
    # Keys as the earlier store folding wrote them: teh marbuta and alef maqsura kept.
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO person (id, key, name) VALUES (:id, :key, :name)"),
            [
                {"id": 1, "key": "فاطمة-الزهراء", "name": "فاطمة الزهراء"},
                {"id": 2, "key": "فاطمه-الزهراء", "name": "فاطمه الزهراء"},
                {"id": 3, "key": "مصطفى-العلوي", "name": "مصطفى العلوي"},
            ],
        )
        conn.execute(
            sa.text("INSERT INTO agreement_person (agreement_id, person_id, signed) VALUES (:a, :p, 0)"),
            [{"a": 1, "p": 1}, {"a": 1, "p": 2}, {"a": 2, "p": 2}],
        )
        mention = {"key": "مصطفى-العلوي", "name": "مصطفى العلوي", "role": None, "signed": True}
        conn.execute(
            sa.text(
                "INSERT INTO field_evidence (agreement_id, article_id, field, value, confidence) "
                "VALUES (2, 1, 'person', :value, 1.0)"
            ),
            {"value": json.dumps(mention, ensure_ascii=False, sort_keys=True)},
        )
    migrate(url)
    with engine.connect() as conn:
        people = conn.execute(sa.text("SELECT id, key FROM person ORDER BY id")).all()
        links = conn.execute(sa.text("SELECT agreement_id, person_id FROM agreement_person ORDER BY 1")).all()
        value = conn.execute(sa.text("SELECT value FROM field_evidence")).scalar_one()
    engine.dispose()
    assert [tuple(p) for p in people] == [(1, "فاطمه-الزهراء"), (3, "مصطفي-العلوي")]
    assert [tuple(link) for link in links] == [(1, 1), (2, 1)]
    assert json.loads(value)["key"] == "مصطفي-العلوي"
