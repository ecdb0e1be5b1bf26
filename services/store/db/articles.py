"""Stored articles and their MinHash bands: what dedup probes, and what operators list and re-parse."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import col, select

from services.store.db import statements as sql
from services.store.db.listing import containing, paged
from services.store.db.models import Article, ArticleBand, utcnow
from services.store.db.repository import Repository


class Articles(Repository):
    def with_original(self, canonical_url: str, text_hash: str) -> tuple[Article | None, Article | None]:
        """In one query: the article stored under this URL, and the first original (not a copy) with
        this text hash that is not that article."""
        params = {"url": canonical_url, "hash": text_hash}
        found = list(self.session.exec(sql.ARTICLE_AND_ORIGINAL, params=params))
        existing = next((a for a in found if a.canonical_url == canonical_url), None)
        original = next(
            (a for a in found if a is not existing and a.text_hash == text_hash and a.duplicate_of is None),
            None,
        )
        return existing, original

    def band_candidates(
        self, bands: Sequence[tuple[int, int]], exclude: int | None
    ) -> list[tuple[int, bytes | None]]:
        """(id, packed MinHash) of the originals sharing a band: no article body is loaded, as a
        templated outlet can put dozens of its articles in one band."""
        if not bands:
            return []
        probe = sql.band_params(bands)
        # Two statements: the band probes first, then primary-key lookups. As one (IN a subquery),
        # PostgreSQL with stale statistics walked every original and probed the bands for each.
        ids = set(self.session.execute(sql.band_probe(len(bands)), probe).scalars()) - {exclude}
        if not ids:
            return []
        return [(i, m) for i, m in self.session.execute(sql.ORIGINALS_MINHASH, {"ids": sorted(ids)})]

    def get(self, article_id: int) -> Article | None:
        return self.session.get(Article, article_id)

    def save(self, article: Article) -> Article:
        article.updated_at = utcnow()
        self.session.add(article)
        self.session.flush()
        return article

    def replace_bands(self, article_id: int, bands: Sequence[tuple[int, int]], new: bool = False) -> None:
        """A `new` article has no bands yet: nothing to delete first."""
        if not new:
            self.session.execute(delete(ArticleBand).where(col(ArticleBand.article_id) == article_id))
        if bands:  # plain rows, no ORM object per band
            self.session.execute(sql.insert_bands(len(bands)), {"a": article_id, **sql.band_params(bands)})

    def listed(self, filters: dict[str, Any], after: int, limit: int, newest: bool = False) -> list[Article]:
        stmt = select(Article)
        if filters.get("relevant") is not None:
            stmt = stmt.where(Article.relevant == filters["relevant"])
        if filters.get("lang"):
            stmt = stmt.where(Article.lang == filters["lang"])
        if filters.get("outlet"):
            stmt = stmt.where(Article.outlet == filters["outlet"])
        if filters.get("q"):
            stmt = stmt.where(containing(func.lower(Article.title), filters["q"].lower()))
        if filters.get("updated_since"):
            stmt = stmt.where(col(Article.updated_at) >= filters["updated_since"])
        return list(self.session.exec(paged(stmt, col(Article.id), after, limit, newest)))

    def seen_since(self, since: datetime | None, after: int, limit: int) -> list[Article]:
        stmt = select(Article).where(col(Article.id) > after)
        if since is not None:
            stmt = stmt.where(col(Article.first_seen) >= since)
        return list(self.session.exec(stmt.order_by(col(Article.id)).limit(limit)))

    def count_since(self, since: datetime | None) -> int:
        stmt = select(func.count()).select_from(Article)
        if since is not None:
            stmt = stmt.where(col(Article.first_seen) >= since)
        return int(self.session.exec(stmt).one())

    def many(self, ids: Iterable[int]) -> list[Article]:
        ids = list(ids)
        if not ids:
            return []
        return list(self.session.exec(select(Article).where(col(Article.id).in_(ids))))
