"""Store, ingest: attach a report to the agreement it describes, or create one.

The decisions are in resolution.py (pure); this module loads the candidates and writes the report's
source row and evidence through the unit of work.
"""

from __future__ import annotations

import json
from datetime import date

from services.bus.messages import AgreementCandidate
from services.store.db.agreements import EvidenceRow, SigningRow
from services.store.db.models import Article, Organization
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.decision import Decision, decide
from services.store.ingest.joining import join_records
from services.store.ingest.resolution import Reading, joinable, match_score, nested, party_key, party_set
from services.store.ingest.signing import (
    Signing,
    joined_all,
    person_key,
    signing_of_candidate,
    signing_of_rows,
    signings,
)


def attach_candidate(
    uow: UnitOfWork,
    candidate: AgreementCandidate,
    article: Article,
    previous: frozenset[int] = frozenset(),
    sole: bool = True,
    linked: bool = True,
) -> tuple[int, bool]:
    """Attach the report to the agreement it describes, or create one. Returns (agreement id, created).

    A re-parsed article goes back to the agreement it supported before (`previous`) unless the other
    reports of that agreement now rule it out, so records keep their ids across parser upgrades.
    `linked=False` says the article is stored in this transaction: no operator can have linked it yet.
    The caller holds the report's `partner_locks`, taken at the start of its transaction with its others
    (`ingest.lock_names`), so that no two workers settle reports of the same partner at once.
    """
    assert article.id is not None
    orgs = uow.organizations.upsert(candidate.parties)
    key = party_key(candidate)
    summaries = signings(uow, uow.agreements.with_party_set(key))
    decision = resolve(uow, candidate, article.id, article.published, previous, sole, linked, same=summaries)
    match = decision.agreement_id
    created = match is None
    if match is None:
        agreement = uow.agreements.create(key, (o.id for o in orgs if o.id is not None))
        assert agreement.id is not None
        match = agreement.id
    else:
        _widen(uow, match, key, orgs)
    uow.evidence.add_source(match, article.id, candidate.recalled)
    uow.evidence.add(evidence_rows(candidate, match, article))
    if match in summaries and decision.how != "manual":
        report = signing_of_candidate(candidate, article.published)
        match = _join_twins(uow, match, [summaries[match], report], summaries)
    return match, created


def resolve(
    uow: UnitOfWork,
    candidate: AgreementCandidate,
    article_id: int,
    published: date | None,
    previous: frozenset[int] = frozenset(),
    sole: bool = True,
    linked: bool = True,
    traced: bool = False,
    same: dict[int, Signing] | None = None,
) -> Decision:
    """The record this report joins and why (decision.py), from what the store holds; writes nothing,
    so `fm6ss explain` asks it too (`traced`: with every record weighed; `same`: the summaries of
    the records of the same parties, when the caller has read them)."""
    key = party_key(candidate)
    partners = sorted(set(key.split("|")))

    def nested_records() -> dict[int, tuple[str, Signing]]:
        related = [a for a in uow.agreements.with_partners(partners) if nested(a.party_set, key)]
        sets = {a.id: a.party_set for a in related}
        return {a: (sets[a], s) for a, s in signings(uow, related).items()}

    return decide(
        signing_of_candidate(candidate, published),
        key,
        signings(uow, uow.agreements.with_party_set(key)) if same is None else same,
        nested_records,
        previous,
        _manual_match(uow, article_id, key, sole) if linked else None,
        traced,
    )


def _join_twins(uow: UnitOfWork, match: int, parts: list[Signing], summaries: dict[int, Signing]) -> int:
    """The record this report joined may now be one signing with another record of the same parties (an
    earlier report was too short to tell): fold the younger into the older, so that the records do not
    depend on the order the reports came in. Records an operator split or merged are left as they are.
    Returns the record the report is now on."""
    others = {a: s for a, s in summaries.items() if a != match}
    for twin in sorted(others, key=lambda a: (-(match_score(joined_all(parts), others[a]) or -1.0), a)):
        if not joinable(parts, others[twin]) or uow.agreements.pinned([match, twin]):
            continue
        keep, gone = sorted((match, twin))
        uow.agreements.get(keep, for_update=True), uow.agreements.get(gone, for_update=True)
        join_records(uow, keep, gone)
        match = keep
        parts.append(others[twin])
    return match


def _widen(uow: UnitOfWork, agreement_id: int, key: str, orgs: list[Organization]) -> None:
    """The report's parties join the record's; its party key becomes the union of both."""
    uow.agreements.add_parties(agreement_id, (o.id for o in orgs if o.id is not None))
    agreement = uow.agreements.get(agreement_id)
    assert agreement is not None
    union = party_set(set(agreement.party_set.split("|")) | set(key.split("|")))
    if union != agreement.party_set:
        agreement.party_set = union
        uow.agreements.save(agreement)


def _manual_match(uow: UnitOfWork, article_id: int, key: str, sole: bool) -> int | None:
    """An operator linked this article to an agreement: same parties, or the article's only report."""
    linked = [
        ag for a in uow.agreements.manual_links(article_id) if (ag := uow.agreements.get(a)) is not None
    ]
    same = [ag.id for ag in linked if ag.party_set == key]
    if same:
        return same[0]
    return linked[0].id if sole and len(linked) == 1 else None


def evidence_rows(candidate: AgreementCandidate, agreement_id: int, article: Article) -> list[EvidenceRow]:
    assert article.id is not None
    found = {(e.field, e.value): e for e in candidate.evidence}
    by_field = {e.field: e for e in candidate.evidence}
    rows: list[tuple[str, str, str | None, str]] = []  # field, stored value, precision, evidence key
    if candidate.kind:
        rows.append(("kind", candidate.kind, None, candidate.kind))
    if candidate.signed_on is not None:
        iso = candidate.signed_on.isoformat()
        rows.append(("signed_on", iso, candidate.signed_on_precision or "day", iso))
    if candidate.place:
        rows.append(("place", candidate.place, None, candidate.place))
    if candidate.event:
        rows.append(("event", candidate.event, None, candidate.event))
    rows.extend(("theme", t, None, t) for t in candidate.themes)
    for p in candidate.people:
        person = {
            "key": person_key(p.name),
            "name": p.name,
            "role": p.role,
            "org_key": p.org_key,
            "signed": p.signed,
        }
        # The parser keys a person's evidence by name; the store keeps the whole mention as the value.
        rows.append(("person", json.dumps(person, ensure_ascii=False, sort_keys=True), None, p.name))
    out = []
    for name, value, precision, key in rows:
        ev = found.get((name, key)) or by_field.get(name)
        confidence = ev.confidence if ev else 0.5
        out.append(
            EvidenceRow(
                agreement_id, article.id, name, value, precision, ev.sentence if ev else None, confidence
            )
        )
    return out


def attach_copy(
    uow: UnitOfWork, original_id: int, copy: Article, candidates: tuple[AgreementCandidate, ...]
) -> set[int]:
    """A copy supports its original's agreements as a report of its own, and never creates one.

    Its own reading of an agreement counts where it names the same parties; otherwise the original's
    reading is credited to it. Either way the evidence no longer depends on which copy arrived first.
    """
    assert copy.id is not None
    by_parties = {party_key(c): c for c in candidates}
    touched = set()
    # An operator's link wins over the original's agreements.
    targets = uow.agreements.manual_links(copy.id) or uow.evidence.agreements_of(original_id)
    for agreement_id in targets:
        agreement = uow.agreements.get(agreement_id)
        assert agreement is not None
        recalled = any(s.recalled for s in uow.evidence.sources(agreement_id) if s.article_id == original_id)
        own = by_parties.get(agreement.party_set)
        uow.evidence.add_source(agreement_id, copy.id, own.recalled if own else recalled)
        if own is not None:
            uow.evidence.add(evidence_rows(own, agreement_id, copy))
        else:
            uow.evidence.add(
                EvidenceRow(
                    agreement_id, copy.id, row.field, row.value, row.precision, row.sentence, row.confidence
                )
                for row, _ in uow.evidence.of_agreement(agreement_id)
                if row.article_id == original_id
            )
        touched.add(agreement_id)
    return touched


def readings_of(uow: UnitOfWork, article_id: int) -> list[Reading]:
    """What a stored article said of each signing it supports: the record's parties, and the signing the
    article's own evidence gives (one query for all of them, no article bodies)."""
    supported = uow.evidence.agreements_of(article_id)
    rows: dict[int, list[SigningRow]] = {a: [] for a in supported}
    for row in uow.evidence.signing_rows(supported):
        if row.article_id == article_id:
            rows[row.agreement_id].append(row)
    out = []
    for agreement_id in supported:
        agreement = uow.agreements.get(agreement_id)
        assert agreement is not None
        out.append((agreement.party_set, signing_of_rows(rows[agreement_id])))
    return out


def partner_locks(candidate: AgreementCandidate) -> set[str]:
    """The locks attaching this report needs: one per partner of its party key. FM6SS's family is not
    one of them unless it is the only party: it is a party of every agreement the store keeps, and its
    lock would make every report wait for every other."""
    return {f"partner:{partner}" for partner in party_key(candidate).split("|")}
