"""Read side of the store: table rows turned into the public records of schemas.py."""

from __future__ import annotations

from collections.abc import Sequence

from services.store.db.models import Agreement, AgreementSource, Article, Organization, Rejection
from services.store.db.unit_of_work import UnitOfWork
from services.store.records.schemas import (
    AgreementDetail,
    AgreementItem,
    AgreementLine,
    AgreementOut,
    ArticleDetail,
    ArticleOut,
    EvidenceOut,
    OrganizationOut,
    PartyOut,
    PartyRef,
    PersonOut,
    RejectionOut,
    SourceOut,
)


def party_out(org: Organization) -> PartyOut:
    return PartyOut(
        key=org.key,
        name=org.name,
        acronym=org.acronym,
        aliases=org.aliases,
        kind=org.kind,
        country=org.country,
        family=org.family,
    )


def organization_out(org: Organization) -> OrganizationOut:
    assert org.id is not None
    return OrganizationOut(id=org.id, **party_out(org).model_dump())


def agreement_item(record: AgreementOut) -> AgreementItem:
    """The record as lists show it: its parties without their aliases."""
    parties = [PartyRef(**p.model_dump(exclude={"aliases"})) for p in record.parties]
    return AgreementItem.model_validate({**dict(record), "parties": parties})


def agreement_lines(uow: UnitOfWork, agreements: Sequence[Agreement]) -> list[AgreementLine]:
    """A page of agreements as table lines: parties and report counts read for all at once."""
    ids = [a.id for a in agreements if a.id is not None]
    parties, reports = uow.agreements.parties_of(ids), uow.evidence.source_counts(ids)
    return [
        AgreementLine(
            id=a.id,
            parties=[
                PartyRef(**party_out(o).model_dump(exclude={"aliases"}))
                for o in sorted(parties[a.id], key=lambda o: (not o.family, o.name))
            ],
            kind=a.kind,
            signed_on=format_signed_on(a),
            signed_on_precision=a.signed_on_precision,
            place=a.place,
            themes=a.themes,
            reports=reports.get(a.id, 0),
        )
        for a in agreements
        if a.id is not None
    ]


def format_signed_on(agreement: Agreement) -> str | None:
    if agreement.signed_on is None:
        return None
    iso = agreement.signed_on.isoformat()
    return {"month": iso[:7], "year": iso[:4]}.get(agreement.signed_on_precision or "", iso)


def agreement_out(
    uow: UnitOfWork,
    agreement: Agreement,
    parties: Sequence[Organization] | None = None,
    links: Sequence[AgreementSource] | None = None,
) -> AgreementOut:
    """The record; `parties` and `links` (its sources) when the caller has just read them."""
    assert agreement.id is not None
    if parties is None:
        parties = uow.agreements.parties(agreement.id)
    orgs = sorted(parties, key=lambda o: (not o.family, o.name))
    org_names = {o.id: o.name for o in orgs}
    people = []
    for link, person in uow.agreements.people(agreement.id):
        org_name = org_names.get(link.organization_id) if link.organization_id else None
        if link.organization_id and org_name is None:
            org_name = next((o.name for o in uow.organizations.many([link.organization_id])), None)
        people.append((link.signed, PersonOut(name=person.name, role=link.role, org=org_name)))
    return AgreementOut(
        id=agreement.id,
        parties=[party_out(o) for o in orgs],
        kind=agreement.kind,
        signed_on=format_signed_on(agreement),
        signed_on_precision=agreement.signed_on_precision,
        place=agreement.place,
        event=agreement.event,
        themes=agreement.themes,
        signatories=[p for signed, p in people if signed],
        people=[p for signed, p in people if not signed],
        sources=_sources(uow, uow.evidence.sources(agreement.id) if links is None else links),
        alternatives=agreement.alternatives,
        version=agreement.version,
        first_seen=agreement.first_seen,
        updated_at=agreement.updated_at,
    )


def _sources(uow: UnitOfWork, rows: Sequence[AgreementSource]) -> list[SourceOut]:
    links = {s.article_id: s for s in rows}
    articles = sorted(
        uow.articles.many(links), key=lambda a: (a.published is None, a.published, a.canonical_url)
    )
    return [
        SourceOut(
            url=a.url,
            canonical_url=a.canonical_url,
            outlet=a.outlet,
            published=a.published,
            lang=a.lang,
            title=a.title,
            duplicate=a.duplicate_of is not None,
            recalled=links[a.id].recalled if a.id is not None else False,
        )
        for a in articles
    ]


def agreement_detail(uow: UnitOfWork, agreement: Agreement) -> AgreementDetail:
    assert agreement.id is not None
    evidence = [
        EvidenceOut(
            field=row.field,
            value=row.value,
            precision=row.precision,
            sentence=row.sentence,
            confidence=row.confidence,
            source_url=article.url,
        )
        for row, article in uow.evidence.of_agreement(agreement.id)
    ]
    return AgreementDetail(**agreement_out(uow, agreement).model_dump(), evidence=evidence)


def article_out(uow: UnitOfWork, article: Article) -> ArticleOut:
    assert article.id is not None
    original = None
    if article.duplicate_of is not None:
        found = uow.articles.many([article.duplicate_of])
        original = found[0].canonical_url if found else None
    return ArticleOut(
        id=article.id,
        url=article.url,
        canonical_url=article.canonical_url,
        relevant=article.relevant,
        duplicate_of=original,
        lang=article.lang,
        published=article.published,
        title=article.title,
        outlet=article.outlet,
        agreements=uow.evidence.agreements_of(article.id),
    )


def rejection_out(row: Rejection) -> RejectionOut:
    assert row.id is not None
    return RejectionOut(
        id=row.id, url=row.url, reason=row.reason, run_id=row.run_id, created_at=row.created_at
    )


def article_detail(uow: UnitOfWork, article: Article) -> ArticleDetail:
    listed = article_out(uow, article)
    decision = (
        "copy" if article.duplicate_of is not None else "relevant" if article.relevant else "irrelevant"
    )
    urls = sorted({article.url, article.canonical_url})
    return ArticleDetail(
        **dict(listed),
        decision=decision,
        text=article.text,
        content_kind=article.content_kind,
        hints=article.hints,
        parser_version=article.parser_version,
        first_seen=article.first_seen,
        updated_at=article.updated_at,
        rejections=[rejection_out(r) for r in uow.pages.rejections_of(urls)],
        explain=f"/articles/{listed.id}/explain",
    )


def merged_into(uow: UnitOfWork, agreement_id: int) -> int | None:
    """Where a merged-away record went, following merges of merges to the record that is still there."""
    seen = {agreement_id}
    step = uow.agreements.merged_into(agreement_id)
    while step is not None and step not in seen:
        if uow.agreements.get(step) is not None:
            return step
        seen.add(step)
        step = uow.agreements.merged_into(step)
    return None
