"""Store, agreement resolution and refresh: attach a report to its agreement, then settle its fields.

The decisions are in resolution.py and merging.py (pure); this module loads and writes through the repository.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import date
from typing import Any

from services.bus.messages import AgreementCandidate
from services.bus.text import fold
from services.store.db.agreements import EvidenceRow, MergeEvidence, SigningRow, StoredSigning
from services.store.db.models import Agreement, AgreementPerson, Article, Organization, utcnow
from services.store.db.unit_of_work import UnitOfWork
from services.store.merging import Support, merge
from services.store.resolution import (
    FAMILY_PARTY,
    PARTIAL_PARTIES_THRESHOLD,
    Signing,
    best_match,
    match_score,
    nested,
    party_set,
    signing_from_json,
    signing_to_json,
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
    key = _party_key(candidate)
    partners = sorted(set(key.split("|")))
    report = signing_of_candidate(candidate, article.published)
    summaries = signings(uow, uow.agreements.with_party_set(key))
    manual = _manual_match(uow, article.id, key, sole) if linked else None
    match = manual or next(
        (a for a in sorted(previous) if a in summaries and match_score(report, summaries[a]) is not None),
        None,
    )
    if match is None:
        match = best_match(report, summaries) or _partial_match(uow, report, key, partners)
    created = match is None
    if match is None:
        agreement = uow.agreements.create(key, (o.id for o in orgs if o.id is not None))
        assert agreement.id is not None
        match = agreement.id
    else:
        _widen(uow, match, key, orgs)
    uow.evidence.add_source(match, article.id, candidate.recalled)
    uow.evidence.add(evidence_rows(candidate, match, article))
    return match, created


def _partial_match(uow: UnitOfWork, report: Signing, key: str, partners: list[str]) -> int | None:
    """A record whose partners contain the report's, or are contained in them, on strong evidence."""
    related = signings(uow, [a for a in uow.agreements.with_partners(partners) if nested(a.party_set, key)])
    return best_match(report, related, PARTIAL_PARTIES_THRESHOLD)


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


def signing_of_candidate(candidate: AgreementCandidate, published: date | None) -> Signing:
    dates: set[tuple[date, str]] = set()
    if candidate.signed_on is not None:
        dates.add((candidate.signed_on, candidate.signed_on_precision or "day"))
    elif published is not None:
        dates.add((published, "inferred"))
    return Signing(
        dates=frozenset(dates),
        kinds=frozenset({candidate.kind} if candidate.kind else set()),
        themes=frozenset(candidate.themes),
        events=frozenset({fold(candidate.event)} if candidate.event else set()),
        places=frozenset({fold(candidate.place)} if candidate.place else set()),
        signatories=frozenset(person_key(p.name) for p in candidate.people if p.signed),
        recalled=candidate.recalled,
    )


def signing_of_agreement(uow: UnitOfWork, agreement_id: int) -> Signing:
    return signings_of_agreements(uow, [agreement_id])[agreement_id]


def signings(uow: UnitOfWork, agreements: list[StoredSigning]) -> dict[int, Signing]:
    """Each agreement's signing: the summary stored with it, or, when its reports changed in this
    transaction or it predates stored summaries, read from its evidence."""
    out: dict[int, Signing] = {}
    stale: list[int] = []
    for agreement in agreements:
        if agreement.signing is None or not uow.is_settled(agreement.id):
            stale.append(agreement.id)
        else:
            out[agreement.id] = signing_from_json(agreement.signing)
    out.update(signings_of_agreements(uow, stale))
    return dict(sorted(out.items()))


def signings_of_agreements(uow: UnitOfWork, agreement_ids: list[int]) -> dict[int, Signing]:
    """What the stored reports say of each agreement's signing, read in one query for all of them."""
    rows: dict[int, list[SigningRow]] = {a: [] for a in agreement_ids}
    for row in uow.evidence.signing_rows(agreement_ids):
        rows[row.agreement_id].append(row)
    return {a: _signing(found) for a, found in rows.items()}


def _signing(rows: list[SigningRow]) -> Signing:
    dates: set[tuple[date, str]] = set()
    values: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.published is not None and not row.recalled:
            dates.add((row.published, "inferred"))
        if row.field == "signed_on":
            dates.add((date.fromisoformat(row.value), row.precision or "day"))
        elif row.field == "person":
            person = json.loads(row.value)
            if person.get("signed"):
                values["signatories"].add(person["key"])
        else:
            values[row.field].add(fold(row.value) if row.field in ("event", "place") else row.value)
    return Signing(
        dates=frozenset(dates),
        kinds=frozenset(values["kind"]),
        themes=frozenset(values["theme"]),
        events=frozenset(values["event"]),
        places=frozenset(values["place"]),
        signatories=frozenset(values["signatories"]),
    )


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
    by_parties = {_party_key(c): c for c in candidates}
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


def _party_key(candidate: AgreementCandidate) -> str:
    return party_set(FAMILY_PARTY if p.family else p.key for p in candidate.parties)


def partner_locks(candidate: AgreementCandidate) -> set[str]:
    """The locks attaching this report needs: one per partner of its party key. FM6SS's family is not
    one of them unless it is the only party: it is a party of every agreement the store keeps, and its
    lock would make every report wait for every other."""
    return {f"partner:{partner}" for partner in _party_key(candidate).split("|")}


def refresh_agreement(uow: UnitOfWork, agreement_id: int, created: bool = False) -> bool:
    """Settle the agreement's fields from all its evidence; bump its version and log a change if any.

    Everything is read before the record is changed, so its row is written once, not at each read."""
    agreement = uow.agreements.get(agreement_id, for_update=True)
    if agreement is None:
        return False
    sources = uow.evidence.sources(agreement_id)
    if not sources and not agreement.manual:
        uow.agreements.delete(agreement_id)
        uow.record_change("agreement", agreement_id, "deleted", agreement.version + 1, {})
        return True
    evidence = uow.evidence.for_merge(agreement_id)
    people = _apply_people(uow, agreement_id, evidence, created)
    orgs = uow.agreements.parties(agreement_id)
    parties = [o.id for o in orgs if o.id is not None]
    _apply_fields(agreement, evidence)
    agreement.search_text = _search_text(agreement, orgs)
    recalled = {s.article_id: s.recalled for s in sources}
    rows = [
        SigningRow(
            agreement_id, e.field, e.value, e.precision, e.article_id, e.published, recalled.get(e.article_id)
        )
        for e in evidence
    ]
    agreement.signing = signing_to_json(_signing(rows))
    uow.settle(agreement_id)
    state = _public_state(agreement, parties, people, sorted(s.article_id for s in sources))
    digest = hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()
    changed = digest != agreement.digest
    if changed:
        agreement.digest = digest
        agreement.version += 1
        agreement.updated_at = utcnow()
    uow.agreements.save(agreement)  # one UPDATE of the columns that changed, or none
    if changed:
        action = "created" if created else "updated"
        uow.record_change("agreement", agreement_id, action, agreement.version, state)
    return changed


def _apply_fields(agreement: Agreement, evidence: list[MergeEvidence]) -> None:
    supports = [
        Support(
            field=row.field,
            value=row.value,
            article=(row.published.isoformat() if row.published else "9999", row.canonical_url),
            precision=row.precision,
            confidence=row.confidence,
        )
        for row in evidence
        if row.field != "person"
    ]
    merged = merge(supports, agreement.manual)
    agreement.kind = merged.kind
    agreement.signed_on = merged.signed_on
    agreement.signed_on_precision = merged.signed_on_precision
    agreement.place = merged.place
    agreement.event = merged.event
    agreement.themes = merged.themes
    agreement.themes_index = "|" + "".join(f"{t}|" for t in merged.themes)
    agreement.alternatives = merged.alternatives


def _apply_people(
    uow: UnitOfWork, agreement_id: int, evidence: list[MergeEvidence], created: bool = False
) -> list[tuple[int, str | None, bool]]:
    """Settle who was there from the person mentions; the rows are rewritten only when they changed
    (a record `created` in this transaction has none yet). Returns the people as the public record lists
    them: (person id, role, signed), by name."""
    people: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in evidence:
        if row.field == "person":
            person = json.loads(row.value)
            people[person["key"]].append(person)
    names = {
        key: Counter(m["name"] for m in mentions).most_common(1)[0][0] for key, mentions in people.items()
    }
    persons = uow.organizations.upsert_people(names)
    org_of = {
        key: counts.most_common(1)[0][0]
        for key, mentions in people.items()
        if (counts := Counter(m["org_key"] for m in mentions if m.get("org_key")))
    }
    org_ids = uow.organizations.ids(set(org_of.values()))
    rows = []
    for key, mentions in sorted(people.items()):
        person_id = persons[key].id
        assert person_id is not None
        roles = Counter(m["role"] for m in mentions if m.get("role"))
        rows.append(
            AgreementPerson(
                agreement_id=agreement_id,
                person_id=person_id,
                role=roles.most_common(1)[0][0] if roles else None,
                organization_id=org_ids.get(org_of[key]) if key in org_of else None,
                signed=any(m.get("signed") for m in mentions),
            )
        )
    stored = [] if created else uow.agreements.people(agreement_id)
    current = {(p.person_id, p.role, p.organization_id, p.signed) for p, _ in stored}
    if current != {(p.person_id, p.role, p.organization_id, p.signed) for p in rows}:
        uow.agreements.replace_people(agreement_id, rows)
    name_of = {p.id: p.name for p in persons.values()}
    return [
        (p.person_id, p.role, p.signed)
        for p in sorted(rows, key=lambda r: (name_of[r.person_id], r.person_id))
    ]


def _search_text(agreement: Agreement, parties: list[Organization]) -> str:
    parts: list[str] = []
    for org in parties:
        parts.extend([org.name, org.acronym or "", *org.aliases])
    parts.extend(x for x in (agreement.kind, agreement.place, agreement.event) if x)
    parts.extend(agreement.themes)
    return " ".join(p.casefold() for p in parts if p)


def _public_state(
    agreement: Agreement,
    parties: list[int],
    people: list[tuple[int, str | None, bool]],
    source_ids: list[int],
) -> dict[str, Any]:
    return {
        "id": agreement.id,
        "parties": parties,
        "kind": agreement.kind,
        "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else None,
        "signed_on_precision": agreement.signed_on_precision,
        "place": agreement.place,
        "event": agreement.event,
        "themes": agreement.themes,
        "people": people,
        "sources": source_ids,
    }


def person_key(name: str) -> str:
    return fold(name).replace(" ", "-")
