"""The page bodies the store refers to: what `fm6ss archive check` looks for in the archive."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from services.store.db.models import Article, Page, Rejection


def referenced_keys(engine: Engine) -> dict[str, str]:
    """Every archive key an article, a page or a rejection names, with one URL that names it."""
    found: dict[str, str] = {}
    with Session(engine) as session:
        for table in (Article, Page, Rejection):
            key, url = col(table.archive_key), col(table.url)
            for k, u in session.exec(select(key, url).where(key.is_not(None))):
                if k is not None:
                    found.setdefault(k, u)
    return found
