"""What the articles report of each agreement: its source rows and the field evidence they give.
Every write here marks the agreements it touches unsettled in the unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from services.store.db import statements as sql
from services.store.db.agreements import EvidenceRow, MergeEvidence, SigningRow
from services.store.db.models import AgreementSource, Article, FieldEvidence, utcnow
from services.store.db.repository import Repository


class Evidence(Repository):
    def add_source(self, agreement_id: int, article_id: int, recalled: bool) -> bool:
        """False when the article already is a source of the agreement. One statement, no ORM object."""
        values = {"agreement_id": agreement_id, "article_id": article_id, "recalled": recalled}
        result = self.session.execute(sql.ADD_SOURCE[self.postgres], {**values, "added_at": utcnow()})
        if result.first() is None:  # the row was there already
            return False
        self.uow.unsettle([agreement_id])
        return True

    def sources(self, agreement_id: int) -> list[AgreementSource]:
        return list(self.session.exec(sql.SOURCES, params={"id": agreement_id}))

    def source_counts(self, agreement_ids: Sequence[int]) -> dict[int, int]:
        """How many articles report each of these agreements, in one query (a list's page)."""
        stmt = (
            select(AgreementSource.agreement_id, func.count())
            .where(col(AgreementSource.agreement_id).in_(list(agreement_ids)))
            .group_by(col(AgreementSource.agreement_id))
        )
        return {int(i): int(n) for i, n in self.session.exec(stmt)}

    def agreements_of(self, article_id: int) -> list[int]:
        stmt = select(AgreementSource.agreement_id).where(AgreementSource.article_id == article_id)
        return sorted(self.session.exec(stmt))

    def detach_article(self, article_id: int) -> list[int]:
        """Remove an article's sources and evidence; returns the agreements it supported."""
        touched = self.agreements_of(article_id)
        self.uow.unsettle(touched)
        self.session.execute(delete(FieldEvidence).where(col(FieldEvidence.article_id) == article_id))
        self.session.execute(delete(AgreementSource).where(col(AgreementSource.article_id) == article_id))
        return touched

    def move_sources(self, from_id: int, to_id: int) -> list[int]:
        article_ids = [s.article_id for s in self.sources(from_id)]
        for article_id in article_ids:
            self.move_source(from_id, to_id, article_id)
        return article_ids

    def move_source(self, from_id: int, to_id: int, article_id: int) -> None:
        """Move one report (its source row and its evidence) from one agreement to another."""
        link = self.session.get(AgreementSource, (from_id, article_id))
        recalled = bool(link and link.recalled)
        self.uow.unsettle((from_id, to_id))
        self.session.execute(
            delete(AgreementSource).where(
                col(AgreementSource.agreement_id) == from_id, col(AgreementSource.article_id) == article_id
            )
        )
        if self.add_source(to_id, article_id, recalled):
            self.session.execute(
                update(FieldEvidence)
                .where(
                    col(FieldEvidence.agreement_id) == from_id, col(FieldEvidence.article_id) == article_id
                )
                .values(agreement_id=to_id)
            )
        self.session.execute(
            delete(FieldEvidence).where(
                col(FieldEvidence.agreement_id) == from_id, col(FieldEvidence.article_id) == article_id
            )
        )
        self.session.flush()

    def add(self, rows: Iterable[EvidenceRow]) -> None:
        """Written in one INSERT of several rows; a value given twice is written once."""
        values: dict[tuple[int, int, str, str], dict[str, Any]] = {}
        for row in rows:
            values.setdefault((row.agreement_id, row.article_id, row.field, row.value), row._asdict())
        if values:
            self.uow.unsettle(k[0] for k in values)
            self.session.execute(sql.INSERT_EVIDENCE, list(values.values()))

    def of_agreement(self, agreement_id: int) -> list[tuple[FieldEvidence, Article]]:
        stmt = (
            select(FieldEvidence, Article)
            .join(Article, col(Article.id) == FieldEvidence.article_id)
            .where(FieldEvidence.agreement_id == agreement_id)
            .order_by(col(FieldEvidence.id))
        )
        return [(e, a) for e, a in self.session.exec(stmt)]

    def signing_rows(self, agreement_ids: Sequence[int]) -> list[SigningRow]:
        """The evidence of several agreements in one query, with each report's publication date and
        whether the report only recalls the signing (no article bodies loaded)."""
        if not agreement_ids:
            return []
        stmt = (
            sa_select(
                col(FieldEvidence.agreement_id),
                col(FieldEvidence.field),
                col(FieldEvidence.value),
                col(FieldEvidence.precision),
                col(FieldEvidence.article_id),
                col(Article.published),
                col(AgreementSource.recalled),
            )
            .join(Article, col(Article.id) == FieldEvidence.article_id)
            .outerjoin(
                AgreementSource,
                and_(
                    col(AgreementSource.agreement_id) == FieldEvidence.agreement_id,
                    col(AgreementSource.article_id) == FieldEvidence.article_id,
                ),
            )
            .where(col(FieldEvidence.agreement_id).in_(agreement_ids))
            .order_by(col(FieldEvidence.id))
        )
        return [SigningRow(*row) for row in self.session.execute(stmt)]

    def for_merge(self, agreement_id: int) -> list[MergeEvidence]:
        """An agreement's evidence with what merging needs of each report (no article bodies)."""
        return [MergeEvidence(*row) for row in self.session.execute(sql.MERGE_EVIDENCE, {"id": agreement_id})]
