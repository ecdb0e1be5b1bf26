"""Summaries the console draws: signings per month, who signed with whom, an agreement's change history,
and what each source's pages came to. Each is one grouped query over the same filters as the agreements'
list (`agreements.conditions`), so a picture always counts the rows the table beside it pages through."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import String, cast, func
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from services.store.db.agreements import conditions
from services.store.db.models import Agreement, AgreementParty, Article, Change, Organization, Page
from services.store.db.repository import Repository

# Dates known to the month or better; a year alone would pile every such signing onto January.
MONTHLY = ("day", "month", "inferred")


class Edge(NamedTuple):
    family_id: int
    partner_id: int
    agreements: int


class Network(NamedTuple):
    organizations: dict[int, Organization]
    agreements: dict[int, int]  # organization id: its agreements among those filtered
    edges: list[Edge]


class SourceActivity(NamedTuple):
    pages_by_run: dict[int | None, int]  # the run that last fetched each page
    articles_by_run: dict[int | None, int]
    failed: int
    last_fetched: datetime | None
    last_failure: Page | None


class Overview(Repository):
    def _filtered(self, filters: dict[str, Any]) -> Any:
        stmt = select(Agreement.id)
        for condition in conditions(filters):
            stmt = stmt.where(condition)
        return stmt

    def signings_by_month(self, filters: dict[str, Any]) -> tuple[list[tuple[str, int]], int]:
        """(month "YYYY-MM", agreements) in month order, and how many matching agreements have no date
        known to the month."""
        month = func.substr(cast(Agreement.signed_on, String), 1, 7)
        stmt = select(month, func.count()).where(
            col(Agreement.signed_on).is_not(None), col(Agreement.signed_on_precision).in_(MONTHLY)
        )
        for condition in conditions(filters):
            stmt = stmt.where(condition)
        months = [(str(m), int(n)) for m, n in self.session.exec(stmt.group_by(month).order_by(month))]
        total = select(func.count()).select_from(Agreement)
        for condition in conditions(filters):
            total = total.where(condition)
        return months, int(self.session.exec(total).one()) - sum(n for _, n in months)

    def network(self, filters: dict[str, Any], partners: int) -> Network:
        """The family's entities and their `partners` most frequent partners among the matching
        agreements, with how many agreements each pair signed together."""
        family, partner = aliased(AgreementParty), aliased(AgreementParty)
        family_org, partner_org = aliased(Organization), aliased(Organization)
        stmt = (
            select(family.organization_id, partner.organization_id, func.count())
            .join(partner, col(partner.agreement_id) == family.agreement_id)
            .join(family_org, col(family_org.id) == family.organization_id)
            .join(partner_org, col(partner_org.id) == partner.organization_id)
            .where(col(family_org.family).is_(True), col(partner_org.family).is_(False))
        )
        if any(filters.values()):
            stmt = stmt.where(col(family.agreement_id).in_(self._filtered(filters)))
        stmt = stmt.group_by(col(family.organization_id), col(partner.organization_id))
        edges = [Edge(int(f), int(p), int(n)) for f, p, n in self.session.exec(stmt)]
        weight: dict[int, int] = {}
        for edge in edges:
            weight[edge.partner_id] = weight.get(edge.partner_id, 0) + edge.agreements
        kept = set(sorted(weight, key=lambda i: (-weight[i], i))[:partners])
        edges = [e for e in edges if e.partner_id in kept]
        ids = kept | {e.family_id for e in edges}
        counts = select(AgreementParty.organization_id, func.count()).where(
            col(AgreementParty.organization_id).in_(sorted(ids))
        )
        if any(filters.values()):
            counts = counts.where(col(AgreementParty.agreement_id).in_(self._filtered(filters)))
        counted = self.session.exec(counts.group_by(col(AgreementParty.organization_id)))
        orgs = self.session.exec(select(Organization).where(col(Organization.id).in_(sorted(ids))))
        return Network(
            organizations={o.id: o for o in orgs if o.id is not None},
            agreements={int(i): int(n) for i, n in counted},
            edges=edges,
        )

    def history(self, agreement_id: int, limit: int = 100) -> list[Change]:
        """The agreement's rows of the change feed, oldest first (the latest `limit`)."""
        stmt = (
            select(Change)
            .where(Change.entity == "agreement", Change.entity_id == agreement_id)
            .order_by(col(Change.seq).desc())
            .limit(limit)
        )
        return list(reversed(self.session.exec(stmt).all()))

    def merged_here(self, agreement_id: int) -> list[Change]:
        """The records folded into this one, as the change feed recorded their deletion."""
        stmt = select(Change).where(
            Change.entity == "agreement",
            Change.action == "deleted",
            col(Change.payload)["merged_into"].as_integer() == agreement_id,
        )
        return list(self.session.exec(stmt.order_by(col(Change.seq))))

    def sources_activity(self, names: Sequence[str]) -> dict[str, SourceActivity]:
        """For each source: its pages and articles by the run that last fetched them, its failed pages,
        when a page of it was last fetched, and its latest failure."""
        pages = select(Page.source, Page.run_id, func.count()).where(col(Page.source).in_(list(names)))
        articles = (
            select(Page.source, Page.run_id, func.count())
            .join(Article, col(Article.canonical_url) == Page.canonical_url)
            .where(col(Page.source).in_(list(names)))
        )
        by_run: dict[str, dict[int | None, int]] = {n: {} for n in names}
        arts: dict[str, dict[int | None, int]] = {n: {} for n in names}
        for source, run, n in self.session.exec(pages.group_by(col(Page.source), col(Page.run_id))):
            by_run[str(source)][run] = int(n)
        for source, run, n in self.session.exec(articles.group_by(col(Page.source), col(Page.run_id))):
            arts[str(source)][run] = int(n)
        fetched = select(Page.source, func.max(Page.fetched_at)).where(
            col(Page.source).in_(list(names)), Page.state != "failed"
        )
        last = dict(self.session.exec(fetched.group_by(Page.source)).all())
        failed = select(Page.source, func.count(), func.max(Page.id)).where(
            col(Page.source).in_(list(names)), Page.state == "failed"
        )
        failures = {s: (int(n), int(i or 0)) for s, n, i in self.session.exec(failed.group_by(Page.source))}
        latest = {
            p.id: p
            for p in self.session.exec(
                select(Page).where(col(Page.id).in_([i for _, i in failures.values()]))
            )
        }
        return {
            name: SourceActivity(
                pages_by_run=by_run[name],
                articles_by_run=arts[name],
                failed=failures.get(name, (0, 0))[0],
                last_fetched=last.get(name),
                last_failure=latest.get(failures.get(name, (0, 0))[1]),
            )
            for name in names
        }
