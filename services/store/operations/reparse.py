"""`fm6ss reparse`: every archived article sent through the parser again, no network.

The store knows each article's archive key, how to read it (HTML or text) and the hints it came with;
ingest then re-resolves only what a new parser version reads differently. Pages the parser dropped as
off-topic are sent again too (their body is archived), so a name added to the catalogue finds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.bus.messages import PageHints, ParsePage
from services.store.db.unit_of_work import UnitOfWork

PAGE = 500


def reparse_commands(engine: Engine, since: datetime | None = None) -> Iterator[ParsePage]:
    after = 0
    while True:
        with Session(engine) as session:
            rows = UnitOfWork(session).articles.seen_since(since, after, PAGE)
            commands = [
                ParsePage(
                    url=a.url,
                    archive_key=a.archive_key,
                    content_kind="text" if a.content_kind == "text" else "html",
                    hints=PageHints.stored(a.hints),
                    screen=False,
                )
                for a in rows
            ]
        if not rows:
            break
        yield from commands
        after = rows[-1].id or after
    yield from _off_topic_commands(engine, since)


def _off_topic_commands(engine: Engine, since: datetime | None) -> Iterator[ParsePage]:
    after = 0
    while True:
        with Session(engine) as session:
            rows = UnitOfWork(session).pages.off_topic_since(since, after, PAGE)
            commands = [
                ParsePage(url=r.url, archive_key=r.archive_key or "", content_kind="html") for r in rows
            ]
        if not rows:
            return
        yield from commands
        after = rows[-1].id or after


def count_articles(engine: Engine, since: datetime | None = None) -> int:
    """What `reparse_commands` will send: articles and off-topic pages."""
    with Session(engine) as session:
        uow = UnitOfWork(session)
        return uow.articles.count_since(since) + uow.pages.count_off_topic_since(since)
