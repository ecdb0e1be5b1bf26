"""Agreement resolution rules: is this report about a signing we already hold, or a new one?

Pure functions over `Signing` summaries; the ingest handler loads the summaries and applies the verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from services.bus.messages import FAMILY_PARTY, AgreementCandidate
from services.store.ingest.identity import events_relation, kinds_relation
from services.store.ingest.signing import Signing, joined_all

REPORT_LAG_DAYS = 120  # a report inferred from its publication date can trail the signing this much
MATCH_THRESHOLD = 1.0
# A report naming one partner more or fewer than a record (a wire item that leaves out the agency) joins
# it only on strong evidence: the same day, or the same signatories or event.
PARTIAL_PARTIES_THRESHOLD = 2.5


def party_set(partner_keys: Iterable[str]) -> str:
    """The canonical key of an agreement's partners: FM6SS's family counts as one party."""
    keys = sorted(set(partner_keys) - {FAMILY_PARTY})
    return "|".join(keys) if keys else FAMILY_PARTY


def _explicit(s: Signing) -> list[tuple[date, str]]:
    return [(d, p) for d, p in s.dates if p != "inferred"]


def _inferred(s: Signing) -> list[date]:
    return [d for d, p in s.dates if p == "inferred"]


def _same_period(a: date, pa: str, b: date, pb: str) -> bool:
    """Two dates one signing can have. Two days must be the same day: a tolerance would make "the same
    signing" a chain (the 10th with the 11th, the 11th with the 12th) that joins by arrival order."""
    if pa == "day" and pb == "day":
        return a == b
    if "year" in (pa, pb):
        return a.year == b.year
    return (a.year, a.month) == (b.year, b.month)


def _report_fits(signed: date, published: date, recalled: bool) -> bool:
    lag = (published - signed).days
    return lag >= -1 and (recalled or lag <= REPORT_LAG_DAYS)


def date_verdict(a: Signing, b: Signing) -> float | None:
    """None when the dates rule the match out; otherwise how much they support it."""
    ea, eb = _explicit(a), _explicit(b)
    if ea and eb:
        if any(_same_period(x, px, y, py) for x, px in ea for y, py in eb):
            both_days = any(px == py == "day" for _, px in ea for _, py in eb)
            return 2.0 if both_days else 1.0
        return None
    if ea or eb:
        explicit, other = (ea, b) if ea else (eb, a)
        published = _inferred(other)
        if not published:
            return 0.0
        fits = any(_report_fits(d, p, other.recalled) for d, _ in explicit for p in published)
        return 0.5 if fits else None
    pa, pb = _inferred(a), _inferred(b)
    if pa and pb:
        close = any(abs((x - y).days) <= REPORT_LAG_DAYS for x in pa for y in pb)
        return 0.0 if close or a.recalled or b.recalled else None
    return 0.0


def theme_overlap(a: Signing, b: Signing) -> float | None:
    """The themes' best overlap between one report of each side. A record's union of themes grows with
    every report, so a short report compared with that union would look less and less like it."""
    pairs = [(x, y) for x in a.theme_sets for y in b.theme_sets if x and y]
    if not pairs:
        return None
    return max(len(x & y) / len(x | y) for x, y in pairs)


def content_verdict(a: Signing, b: Signing) -> float | None:
    """Kinds, themes, events and signatories: None when they clearly describe another instrument."""
    score = 0.0
    kinds = kinds_relation(a.kinds, b.kinds)
    if kinds:
        score += 0.5 * kinds
    if a.places and b.places:
        score += 0.5 if a.places & b.places else -0.3
    themes = theme_overlap(a, b)
    if themes is not None:
        score += 2.0 * themes - 0.6
    if events_relation(a.events, b.events):
        score += 1.0
    if a.signatories & b.signatories:
        score += 1.5
    return score


def match_score(report: Signing, agreement: Signing) -> float | None:
    """How well a report fits an agreement with the same party set; None or < threshold: not the same."""
    dates = date_verdict(report, agreement)
    if dates is None:
        return None
    content = content_verdict(report, agreement)
    if content is None:
        return None
    return dates + content + 0.5


def best_match(
    report: Signing, agreements: dict[int, Signing], threshold: float = MATCH_THRESHOLD
) -> int | None:
    """The agreement this report belongs to, or None for a new one. Ties go to the oldest record."""
    scored = [
        (score, -agreement_id)
        for agreement_id, summary in agreements.items()
        if (score := match_score(report, summary)) is not None and score >= threshold
    ]
    if not scored:
        return None
    return -max(scored)[1]


def joinable(parts: list[Signing], twin: Signing, threshold: float = MATCH_THRESHOLD) -> bool:
    """Whether a record, made of `parts` (its reports so far, or the records already joined to it), is one
    signing with another record of the same parties. The parts together must match it, as a report must;
    and no part may rule it out on its own (dates that cannot be one day, two different instruments): a
    report that fits both of two signings bridges gaps in their evidence, never a contradiction."""
    score = match_score(joined_all(parts), twin)
    if score is None or score < threshold:
        return False
    return all(date_verdict(p, twin) is not None and kinds_relation(p.kinds, twin.kinds) != -1 for p in parts)


def nested(a: str, b: str) -> bool:
    """Two different party sets of which one contains the other (and both name a partner)."""
    left, right = _partners(a), _partners(b)
    return bool(left and right) and left != right and (left <= right or right <= left)


Reading = tuple[str, Signing]  # a report's party set and the signing it tells


def tells_another_signing(copy: Sequence[Reading], original: Sequence[Reading]) -> bool:
    """Whether a near copy of an article tells of a signing its original does not: the same press-release
    template filled in with another partner, day or place. Each side is (party set, signing) per signing
    it reads. A signing of the copy that agrees with one of the original's (its partners among that one's,
    no other day, no other place) is the original's; a copy that reads no signing at all is a reprint the
    parser read less well."""
    return any(not any(_told_alike(c, o) for o in original) for c in copy)


def _told_alike(copy: Reading, original: Reading) -> bool:
    (copy_parties, mine), (original_parties, theirs) = copy, original
    if not _partners(copy_parties) <= _partners(original_parties):
        return False
    days, their_days = ({d for d, p in s.dates if p == "day"} for s in (mine, theirs))
    if days and their_days and not days & their_days:
        return False
    return not (mine.places and theirs.places and not mine.places & theirs.places)


def _partners(party_set: str) -> set[str]:
    return set(party_set.split("|")) - {FAMILY_PARTY}


def party_key(candidate: AgreementCandidate) -> str:
    """The party key of a report: its partners' keys, FM6SS's family counted as one party."""
    return party_set(FAMILY_PARTY if p.family else p.key for p in candidate.parties)
