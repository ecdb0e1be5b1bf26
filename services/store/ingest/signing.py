"""The signing summary: what a report, or an agreement summed over its reports, says of one signing.

Built from a candidate, from stored evidence rows, or read back from the JSON stored with an agreement;
resolution.py weighs two summaries. Pure, but for `signings`, which reads through the unit of work.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.bus import names
from services.bus.messages import AgreementCandidate
from services.bus.text import fold
from services.store.db.agreements import MergeEvidence, SigningRow, StoredSigning
from services.store.db.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Signing:
    """What a report (or a stored agreement, summed over its reports) says about one signing."""

    dates: frozenset[tuple[date, str]] = field(default_factory=frozenset)  # (value, precision)
    kinds: frozenset[str] = field(default_factory=frozenset)
    themes: frozenset[str] = field(default_factory=frozenset)
    # Each report's own themes: a record is compared report by report, not through the union.
    theme_sets: frozenset[frozenset[str]] = field(default_factory=frozenset)
    events: frozenset[str] = field(default_factory=frozenset)
    places: frozenset[str] = field(default_factory=frozenset)
    signatories: frozenset[str] = field(default_factory=frozenset)
    recalled: bool = False


def signing_to_json(s: Signing) -> dict[str, Any]:
    """The summary as stored with an agreement: sorted lists, so equal summaries are equal documents."""
    return {
        "dates": sorted([d.isoformat(), p] for d, p in s.dates),
        "kinds": sorted(s.kinds),
        "themes": sorted(s.themes),
        "theme_sets": sorted(sorted(t) for t in s.theme_sets),
        "events": sorted(s.events),
        "places": sorted(s.places),
        "signatories": sorted(s.signatories),
    }


def signing_from_json(doc: dict[str, Any]) -> Signing:
    """A stored summary; one written before reports' own themes were kept counts its union as one."""
    themes = frozenset(doc["themes"])
    sets = doc.get("theme_sets", [sorted(themes)] if themes else [])
    return Signing(
        dates=frozenset((date.fromisoformat(d), p) for d, p in doc["dates"]),
        kinds=frozenset(doc["kinds"]),
        themes=themes,
        theme_sets=frozenset(frozenset(t) for t in sets),
        events=frozenset(doc["events"]),
        places=frozenset(doc["places"]),
        signatories=frozenset(doc["signatories"]),
    )


def joined(a: Signing, b: Signing) -> Signing:
    """What two summaries say together: a record and the report that joined it, or two records."""
    return Signing(
        dates=a.dates | b.dates,
        kinds=a.kinds | b.kinds,
        themes=a.themes | b.themes,
        theme_sets=a.theme_sets | b.theme_sets,
        events=a.events | b.events,
        places=a.places | b.places,
        signatories=a.signatories | b.signatories,
    )


def joined_all(parts: list[Signing]) -> Signing:
    together = parts[0]
    for part in parts[1:]:
        together = joined(together, part)
    return together


def person_key(name: str) -> str:
    return fold(name).replace(" ", "-")


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
        theme_sets=frozenset({frozenset(candidate.themes)} if candidate.themes else set()),
        events=frozenset({fold(candidate.event)} if candidate.event else set()),
        places=frozenset({fold(candidate.place)} if candidate.place else set()),
        signatories=frozenset(names.person_key(p.name) for p in candidate.people if p.signed),
        recalled=candidate.recalled,
    )


def signing_of_rows(rows: list[SigningRow]) -> Signing:
    dates: set[tuple[date, str]] = set()
    values: dict[str, set[str]] = defaultdict(set)
    themes_of: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        if row.published is not None and not row.recalled:
            dates.add((row.published, "inferred"))
        if row.field == "signed_on":
            dates.add((date.fromisoformat(row.value), row.precision or "day"))
        elif row.field == "person":
            person = json.loads(row.value)
            if person.get("signed"):
                values["signatories"].add(names.person_key(person["name"]))
        else:
            values[row.field].add(fold(row.value) if row.field in ("event", "place") else row.value)
            if row.field == "theme":
                themes_of[row.article_id].add(row.value)
    return Signing(
        dates=frozenset(dates),
        kinds=frozenset(values["kind"]),
        themes=frozenset(values["theme"]),
        theme_sets=frozenset(frozenset(t) for t in themes_of.values()),
        events=frozenset(values["event"]),
        places=frozenset(values["place"]),
        signatories=frozenset(values["signatories"]),
    )


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
    return {a: signing_of_rows(found) for a, found in rows.items()}


def signing_of_evidence(
    agreement_id: int, evidence: list[MergeEvidence], recalled: dict[int, bool]
) -> Signing:
    """The summary a refresh stores, from the evidence it read for merging and each source's recall."""
    return signing_of_rows(
        [
            SigningRow(
                agreement_id,
                e.field,
                e.value,
                e.precision,
                e.article_id,
                e.published,
                recalled.get(e.article_id),
            )
            for e in evidence
        ]
    )
