"""Store, ingest: settle an agreement's fields from all its evidence, and log the change if any.

The field decisions are in merging.py (pure); this module reads and writes through the unit of work.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from rapidfuzz.distance import Levenshtein

from services.bus import names
from services.store.db.agreements import MergeEvidence
from services.store.db.models import Agreement, AgreementPerson, Organization, utcnow
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.merging import Support, merge
from services.store.ingest.signing import signing_of_evidence, signing_to_json
from services.store.records.presenters import agreement_out

_ARABIC = re.compile("[\u0600-\u06ff]")


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
    agreement.signing = signing_to_json(signing_of_evidence(agreement_id, evidence, recalled))
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
        # The feed carries the record as the API shows it (the digest stays on ids: versions do not move).
        record = agreement_out(uow, agreement, orgs, sources).model_dump(mode="json")
        uow.record_change(
            "agreement", agreement_id, "created" if created else "updated", agreement.version, record
        )
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
    people = _same_people(json.loads(row.value) for row in evidence if row.field == "person")
    names = {key: mentions[0]["name"] for key, mentions in people.items()}
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


def _same_people(mentions: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Person mentions grouped by who they name, across scripts (`names.person_key`: an Arabic report's
    signer and a French report's are one person), keyed by the stored key of the name the record shows:
    one in Latin letters when a report gives one (most reports of the press the record is read in do),
    else the most frequent; that mention comes first, and the group keeps only mentions in its script
    when it has any, so the role shown is in the name's language."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for mention in mentions:
        groups[names.person_key(mention["name"])].append(mention)
    _join_transliterations(groups)
    out: dict[str, list[dict[str, Any]]] = {}
    for found in groups.values():
        latin = [m for m in found if not _ARABIC.search(m["name"])] or found
        counts = Counter(m["name"] for m in latin)
        shown = min(counts, key=lambda name: (-counts[name], name))
        first = next(m for m in latin if m["name"] == shown)
        out[first["key"]] = [first, *(m for m in latin if m is not first)]
        out[first["key"]] += [{**m, "role": None} for m in found if m not in latin]
    return out


def _join_transliterations(groups: dict[str, list[dict[str, Any]]]) -> None:
    """A name only in Arabic letters joins the one Latin-lettered name of the same record whose key is a
    letter away: transliterations differ by an article or a vowel read as a consonant («الحسن» / Lahcen).
    Only across scripts, on keys long enough that one letter cannot make another person."""
    latin = {key for key, found in groups.items() if any(not _ARABIC.search(m["name"]) for m in found)}
    for key in [k for k in groups if k not in latin and len(k) >= 6]:
        near = [other for other in latin if Levenshtein.distance(key, other, score_cutoff=1) <= 1]
        if len(near) == 1:
            groups[near[0]] += groups.pop(key)


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
