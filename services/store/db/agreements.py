"""Agreements: their rows and parties, the people at their signing, and the operators' manual links
that resolution must respect. What reports them (sources, evidence) is in evidence.py."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import delete, func
from sqlalchemy.sql import ColumnElement, Executable
from sqlmodel import col, select

from services.store.db import statements as sql
from services.store.db.listing import containing, naming, paged
from services.store.db.models import (
    Agreement,
    AgreementParty,
    AgreementPerson,
    AgreementSource,
    Article,
    Change,
    FieldEvidence,
    ManualLink,
    Organization,
    Person,
)
from services.store.db.repository import Repository


class SigningRow(NamedTuple):
    agreement_id: int
    field: str
    value: str
    precision: str | None
    article_id: int
    published: date | None
    recalled: bool | None


class MergeEvidence(NamedTuple):
    field: str
    value: str
    precision: str | None
    confidence: float
    article_id: int
    published: date | None
    canonical_url: str


class EvidenceRow(NamedTuple):
    """A value an article gives for an agreement field, as it is written (`FieldEvidence` without id)."""

    agreement_id: int
    article_id: int
    field: str
    value: str
    precision: str | None = None
    sentence: str | None = None
    confidence: float = 1.0


class StoredSigning(NamedTuple):
    """An agreement as resolution weighs it: its party key and its stored signing summary."""

    id: int
    party_set: str
    signing: dict[str, Any] | None


def conditions(filters: dict[str, Any]) -> Iterator[ColumnElement[bool]]:
    """The WHERE conditions of `listed`'s filters: text is matched as written (no LIKE wildcards)."""
    if filters.get("party"):
        named = select(Organization.id).where(naming(Organization.search_names, filters["party"]))
        parties = select(AgreementParty.agreement_id).where(col(AgreementParty.organization_id).in_(named))
        yield col(Agreement.id).in_(parties)
    if filters.get("organization"):  # an organization's id: its own page lists its agreements
        of_org = select(AgreementParty.agreement_id).where(
            AgreementParty.organization_id == filters["organization"]
        )
        yield col(Agreement.id).in_(of_org)
    if filters.get("signed_from"):
        yield col(Agreement.signed_on) >= filters["signed_from"]
    if filters.get("signed_to"):
        yield col(Agreement.signed_on) <= filters["signed_to"]
    if filters.get("theme"):
        yield containing(Agreement.themes_index, f"|{filters['theme']}|")
    if filters.get("q"):
        yield containing(Agreement.search_text, filters["q"].casefold())
    if filters.get("kind"):
        yield func.lower(Agreement.kind) == filters["kind"].lower()
    if filters.get("place"):
        yield func.lower(Agreement.place) == filters["place"].lower()
    if filters.get("updated_since"):
        yield col(Agreement.updated_at) >= filters["updated_since"]
    reported = [
        col(getattr(Article, name)) == filters[name] for name in ("lang", "outlet") if filters.get(name)
    ]
    if reported:
        sources = select(AgreementSource.agreement_id).join(
            Article, col(Article.id) == AgreementSource.article_id
        )
        yield col(Agreement.id).in_(sources.where(*reported))


class Agreements(Repository):
    """An agreement's own row and its parties. Every write that changes an agreement's reports marks it
    unsettled in the unit of work, until its refresh writes its signing summary again."""

    def with_party_set(self, party_set: str) -> list[StoredSigning]:
        """The candidates of resolution: id, party key and signing summary, no other column."""
        return self._stored_signings(sql.SIGNINGS_BY_PARTY_SET, {"party_set": party_set})

    def with_partners(self, keys: Sequence[str]) -> list[StoredSigning]:
        """Agreements one of whose parties has one of these organization keys."""
        return self._stored_signings(sql.SIGNINGS_BY_PARTNER, {"keys": list(keys)})

    def _stored_signings(self, stmt: Executable, params: dict[str, Any]) -> list[StoredSigning]:
        return [StoredSigning(*row) for row in self.session.execute(stmt, params)]

    def create(self, party_set: str, organization_ids: Iterable[int]) -> Agreement:
        agreement = Agreement(party_set=party_set, version=0)
        self.session.add(agreement)
        self.session.flush()
        assert agreement.id is not None
        self.uow.created[agreement.id] = agreement
        self.session.add_all(
            AgreementParty(agreement_id=agreement.id, organization_id=o)
            for o in sorted(set(organization_ids))
        )
        return agreement

    def get(self, agreement_id: int, for_update: bool = False) -> Agreement | None:
        """`for_update` locks the row until commit (PostgreSQL), so two writers never lose a version;
        one created in this transaction is locked already and is not read again."""
        if agreement_id in self.uow.created:
            return self.uow.created[agreement_id]
        if not for_update:
            return self.session.get(Agreement, agreement_id)
        stmt = select(Agreement).where(Agreement.id == agreement_id).with_for_update()
        return self.session.exec(stmt.execution_options(populate_existing=True)).first()

    def save(self, agreement: Agreement) -> None:
        self.session.add(agreement)
        self.session.flush()

    def delete(self, agreement_id: int) -> None:
        self.uow.settle(agreement_id)
        self.uow.created.pop(agreement_id, None)
        for table in (FieldEvidence, AgreementSource, AgreementPerson, AgreementParty):
            self.session.execute(delete(table).where(col(table.agreement_id) == agreement_id))
        self.session.execute(delete(Agreement).where(col(Agreement.id) == agreement_id))

    def party_ids(self, agreement_id: int) -> list[int]:
        return sorted(self.session.exec(sql.PARTY_IDS, params={"id": agreement_id}))

    def parties(self, agreement_id: int) -> list[Organization]:
        """The agreement's parties, by id, in one query."""
        return list(self.session.exec(sql.PARTIES, params={"id": agreement_id}))

    def parties_of(self, agreement_ids: Sequence[int]) -> dict[int, list[Organization]]:
        """The parties of many agreements, in one query (a list's page)."""
        stmt = (
            select(AgreementParty.agreement_id, Organization)
            .join(Organization, col(Organization.id) == AgreementParty.organization_id)
            .where(col(AgreementParty.agreement_id).in_(list(agreement_ids)))
        )
        out: dict[int, list[Organization]] = {i: [] for i in agreement_ids}
        for agreement_id, org in self.session.exec(stmt):
            out[agreement_id].append(org)
        return out

    def add_parties(self, agreement_id: int, organization_ids: Iterable[int]) -> None:
        missing = set(organization_ids) - set(self.party_ids(agreement_id))
        if missing:
            self.session.add_all(
                AgreementParty(agreement_id=agreement_id, organization_id=o) for o in sorted(missing)
            )
            self.session.flush()

    def listed(
        self, filters: dict[str, Any], after: int, limit: int, newest: bool = False
    ) -> list[Agreement]:
        """A page of agreements matching every filter given (see the API's `GET /agreements`)."""
        stmt = select(Agreement)
        for condition in conditions(filters):
            stmt = stmt.where(condition)
        return list(self.session.exec(paged(stmt, col(Agreement.id), after, limit, newest)))

    # -- people --------------------------------------------------------------------------------
    def replace_people(self, agreement_id: int, people: Iterable[AgreementPerson]) -> None:
        self.session.execute(delete(AgreementPerson).where(col(AgreementPerson.agreement_id) == agreement_id))
        self.session.add_all(people)
        self.session.flush()

    def people(self, agreement_id: int) -> list[tuple[AgreementPerson, Person]]:
        return [(ap, p) for ap, p in self.session.exec(sql.PEOPLE, params={"id": agreement_id})]

    # -- operators' links ----------------------------------------------------------------------
    def manual_links(self, article_id: int) -> list[int]:
        return sorted(self.session.exec(sql.MANUAL_LINKS, params={"id": article_id}))

    def pinned(self, agreement_ids: Sequence[int]) -> set[int]:
        """The agreements an operator linked a report to (a split or a merge they decided)."""
        stmt = select(ManualLink.agreement_id).where(col(ManualLink.agreement_id).in_(list(agreement_ids)))
        return set(self.session.exec(stmt))

    def merged_into(self, agreement_id: int) -> int | None:
        """The record a merged-away agreement was folded into, as the change feed recorded it."""
        stmt = (
            select(Change.payload)
            .where(Change.entity == "agreement", Change.entity_id == agreement_id, Change.action == "deleted")
            .order_by(col(Change.seq).desc())
            .limit(1)
        )
        payload = self.session.exec(stmt).first()
        target = payload.get("merged_into") if payload else None
        return int(target) if target is not None else None

    def set_manual_link(self, article_id: int, agreement_id: int) -> None:
        self.session.execute(delete(ManualLink).where(col(ManualLink.article_id) == article_id))
        self.session.add(ManualLink(article_id=article_id, agreement_id=agreement_id))
        self.session.flush()
