"""Store, ingest: the resolution decision for one report, with its reasons, from resolution.py's verdicts.

Pure. attach.py loads the records a report could join and applies what `decide` returns; `fm6ss explain`
shows the same decision, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from services.store.ingest.resolution import (
    MATCH_THRESHOLD,
    PARTIAL_PARTIES_THRESHOLD,
    best_match,
    content_verdict,
    date_verdict,
    match_score,
)
from services.store.ingest.signing import Signing

How = Literal["manual", "previous", "same_parties", "nested_parties", "new"]


@dataclass(frozen=True)
class Considered:
    """One record the report was weighed against, with the verdicts that scored it."""

    agreement_id: int
    party_set: str
    threshold: float
    date_score: float | None  # None: the dates rule the match out
    content_score: float | None
    score: float | None
    chosen: bool
    reason: str
    shared: tuple[str, ...] = ()  # what the two say alike or apart, for a reader


@dataclass(frozen=True)
class Decision:
    """The record a report joins (None: a new one), how it was found, and every record considered."""

    agreement_id: int | None
    how: How
    reason: str
    considered: tuple[Considered, ...] = ()


def decide(
    report: Signing,
    key: str,
    same: Mapping[int, Signing],
    nested: Callable[[], Mapping[int, tuple[str, Signing]]],
    previous: frozenset[int] = frozenset(),
    manual: int | None = None,
    traced: bool = False,
) -> Decision:
    """What attach.py does with a report of party key `key`: an operator's link first, then the record
    it fed before if still compatible, then the best record of the same parties, then one whose parties
    contain the report's or are contained in them (`nested`, loaded only when needed), else a new one.

    `traced` also weighs every record considered, for explain (ingest skips it: several times the cost of
    the choice); the choice is the same either way."""

    def weigh(records: Mapping[int, tuple[str, Signing]], threshold: float) -> list[Considered]:
        return [_weigh(report, a, ps, s, threshold) for a, (ps, s) in records.items()] if traced else []

    weighed = weigh({a: (key, s) for a, s in same.items()}, MATCH_THRESHOLD)
    if manual is not None:
        why = f"an operator linked this article to record {manual}"
        return Decision(manual, "manual", why, _mark(weighed, manual))
    for a in sorted(previous):
        if a in same and match_score(report, same[a]) is not None:
            why = f"the record it fed before, still allowed by its other reports ({_score(report, same[a])})"
            return Decision(a, "previous", why, _mark(weighed, a))
    match = best_match(report, dict(same))
    if match is not None:
        why = f"the best record with the same parties ({_score(report, same[match])})"
        return Decision(match, "same_parties", why, _mark(weighed, match))
    related = nested()
    weighed += weigh(related, PARTIAL_PARTIES_THRESHOLD)
    match = best_match(report, {a: s for a, (_, s) in related.items()}, PARTIAL_PARTIES_THRESHOLD)
    if match is not None:
        why = f"one party more or fewer, on strong evidence ({_score(report, related[match][1])})"
        return Decision(match, "nested_parties", why, _mark(weighed, match))
    why = "every record considered was refused" if same or related else "no stored record of these parties"
    return Decision(None, "new", f"a new record: {why}", tuple(weighed))


def _weigh(report: Signing, agreement_id: int, party_set: str, s: Signing, threshold: float) -> Considered:
    dates, content, score = date_verdict(report, s), content_verdict(report, s), match_score(report, s)
    if dates is None:
        reason = "refused: the dates rule it out"
    elif score is None:
        reason = "refused: the content describes another instrument"
    elif score < threshold:
        reason = f"refused: score {score:.2f} below {threshold:.2f}"
    else:
        reason = f"would fit: score {score:.2f} at least {threshold:.2f}"
    return Considered(
        agreement_id, party_set, threshold, dates, content, score, False, reason, _compare(report, s)
    )


def _mark(weighed: list[Considered], chosen: int) -> tuple[Considered, ...]:
    out = []
    for c in weighed:
        if c.agreement_id != chosen:
            reason = c.reason if c.reason.startswith("refused") else "not chosen: another record came first"
            out.append(replace(c, reason=reason))
        else:
            out.append(replace(c, chosen=True, reason="joined"))
    return tuple(out)


def _score(report: Signing, record: Signing) -> str:
    dates, content, score = (
        date_verdict(report, record),
        content_verdict(report, record),
        match_score(report, record),
    )
    if dates is None or content is None or score is None:
        return "no score"
    return f"score {score:.2f} = dates {dates:.2f} + content {content:.2f} + 0.50"


def _compare(report: Signing, record: Signing) -> tuple[str, ...]:
    """What the report and the record say alike or apart, field by field, in words."""
    out = []
    for name in ("kinds", "places", "events", "signatories", "themes"):
        mine, theirs = getattr(report, name), getattr(record, name)
        if mine & theirs:
            out.append(f"same {name}: {', '.join(sorted(mine & theirs))}")
        elif mine and theirs:
            out.append(f"different {name}: {', '.join(sorted(mine))} / {', '.join(sorted(theirs))}")
    mine_d = sorted(f"{d.isoformat()} ({p})" for d, p in report.dates)
    theirs_d = sorted(f"{d.isoformat()} ({p})" for d, p in record.dates)
    if mine_d or theirs_d:
        out.append(f"dates: {', '.join(mine_d) or 'none'} / {', '.join(theirs_d) or 'none'}")
    return tuple(out)
