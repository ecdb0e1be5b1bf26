"""Revision 0005 renames the webhook cursors that were named after their URL (and so showed its secrets)
to the name the same setting now gives them, keeping their place in the feed."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from services.store.db.engine import migrate
from services.store.settings import parse_webhooks

PLANTED = "http://alice:hunter2pw@hooks.example.org/services/T0/B0/XSECRETX?token=tok3n"


def test_webhook_cursors_named_by_url_are_renamed_and_keep_their_place(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0004")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO relay_cursor (name, seq, failures, last_error, updated_at) "
                "VALUES (:name, :seq, 2, :error, '2026-12-01 00:00:00')"
            ),
            [
                {"name": f"webhook:{PLANTED}", "seq": 41, "error": f"DeliveryError: {PLANTED}: HTTP 500"},
                {"name": "redis-stream:fm6ss:changes", "seq": 57, "error": None},
            ],
        )
    migrate(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT name, seq, last_error, pending_seq FROM relay_cursor ORDER BY seq")
        ).all()
    engine.dispose()
    (hook,) = parse_webhooks(PLANTED)
    assert [tuple(r) for r in rows] == [
        (hook.name, 41, None, None),
        ("redis-stream:fm6ss:changes", 57, None, None),
    ]
    assert "hunter2pw" not in hook.name
