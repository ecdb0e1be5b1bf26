"""`fm6ss reparse`: every archived article sent through the parser again, no network.

The store knows each article's archive key, how to read it (HTML or text) and the hints it came with;
ingest then re-resolves only what a new parser version reads differently.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.bus.messages import PageHints, ParsePage
from services.store.repository import Repository

PAGE = 500


def reparse_commands(engine: Engine, since: datetime | None = None) -> Iterator[ParsePage]:
    after = 0
    while True:
        with Session(engine) as session:
            rows = Repository(session).articles_seen_since(since, after, PAGE)
            commands = [
                ParsePage(
                    url=a.url,
                    archive_key=a.archive_key,
                    content_kind="text" if a.content_kind == "text" else "html",
                    hints=PageHints(**a.hints),
                )
                for a in rows
            ]
        if not rows:
            return
        yield from commands
        after = rows[-1].id or after


def count_articles(engine: Engine, since: datetime | None = None) -> int:
    with Session(engine) as session:
        return Repository(session).count_articles_since(since)
