"""Agreement extraction, step 5 of the data flow: an article's text in, the agreements it reports out.

Pure: text, title, publication date and language in; an `Extraction` (relevance and one
`AgreementCandidate` per reported agreement, each field with its evidence sentence) out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache

from services.bus.messages import FOUNDATION_KEY, AgreementCandidate, Evidence, OrgRef, PersonRole
from services.parser.dates import PublishedPrecision, find_signing_date
from services.parser.events import find_event
from services.parser.kinds import find_kind, is_plural, kinds_in, mentions_instrument
from services.parser.matcher import Mention, find_mentions
from services.parser.model import Extraction
from services.parser.people import find_people
from services.parser.places import find_place, find_seat, is_city
from services.parser.relevance import Group, find_groups
from services.parser.text import Sentence, fold, split_sentences, strip_boilerplate
from services.parser.themes import find_themes

RECALL_AFTER = timedelta(days=60)  # a signing reported this long after it happened is a recollection
SEAT = re.compile(r"(?:\s*\([^)]{1,20}\))?\s*(?:de |d['’]|of |in |في )?\s*(?P<city>[^\s,.،]+(?: [^\s,.،]+)?)")
ORDINALS = re.compile(
    r"(?:^| )(?:(premier|premiere|first|الاولي)|(deuxieme|seconde?|second|الثانيه)|(troisieme|third|الثالثه)|"
    r"(enfin|finally|derniere|dernier|last|الاخيره))(?= |$)"
)
# sentences about the signing ceremony tell its place even without an instrument word
CEREMONY = re.compile(r"c[ée]r[ée]monie|ceremony|حفل|مراسي?م|s['’]est d[ée]roul[ée]e", re.IGNORECASE)
SIGNING_ACT = re.compile(r"\b(?:signature|signing|paraphe)\b|توقيع", re.IGNORECASE)
HELD = re.compile(r"\b(?:a eu lieu|took place|(?:was|were) held)\b|(?:^|\s)و?(?:جر[تى]|تم)\s", re.IGNORECASE)


def extract_agreements(
    text: str,
    *,
    title: str | None = None,
    published: date | None = None,
    published_precision: PublishedPrecision = "day",
    lang: str | None = None,
) -> Extraction:
    """Whether the article reports FM6SS agreements, and each one it reports.

    `published_precision` is "month" when only the publication's month is known (`published` is then
    its first day). `lang` is accepted but not needed: every extractor reads French, Arabic and English.
    """
    body = strip_boilerplate(text)
    dateline = body.lstrip()[:120]
    titled = bool(title and title.strip() and title.strip()[:60] not in body[:400])
    if titled and title:
        body = f"{title.strip()}\n{body}"
    sentences = split_sentences(body)
    mentions = find_mentions(body)
    groups = find_groups(sentences, mentions, titled)
    if any(not g.recalled for g in groups):
        # an article about a new signing that recalls older ones in passing reports only the new one
        groups = [g for g in groups if not g.recalled]
    if not groups:
        return Extraction(relevant=False)
    agreements = tuple(
        _candidate(g, groups, sentences, mentions, (published, published_precision), (dateline, title))
        for g in groups
    )
    return Extraction(relevant=True, agreements=agreements)


def _candidate(
    group: Group,
    groups: Sequence[Group],
    sentences: Sequence[Sentence],
    mentions: Sequence[Mention],
    publication: tuple[date | None, PublishedPrecision],
    heads: tuple[str, str | None],
) -> AgreementCandidate:
    dateline, title = heads
    published = publication[0]
    mine = _own_sentences(group, groups, sentences, mentions)
    # a signing sentence that another agreement's ordinal or partner claims is not this one's
    signing = [sentences[i].text for i in group.sentences if i in mine] or [
        sentences[i].text for i in group.sentences
    ]
    own = [sentences[i].text for i in sorted(mine)]
    parties = (_family_party(group, mentions), *group.partners.values())
    # Several agreements are usually signed at one ceremony: the others' sentences tell its date and place.
    ceremony = signing + [sentences[g.sentences[0]].text for g in groups if g is not group]
    # "deux conventions": the plural names all the kinds signed, this one's own sentence names its kind
    kind = (
        find_kind([s for s in signing if not is_plural(s)])
        or find_kind([s for s in own if mentions_instrument(s) and not is_plural(s)])
        or find_kind(signing)
        or find_kind([s for s in own if mentions_instrument(s)])
    )
    signed = find_signing_date(ceremony, [s.text for s in sentences], *publication)
    # a city inside an organization's name ("جامعة الأخوين بإفران") is not where it was signed
    ceremonies = [s.text for s in sentences if _is_ceremony(s.text)]
    place = find_place(
        _masked(ceremony, sentences, mentions), dateline, _masked(ceremonies, sentences, mentions)
    )
    if place is None:  # "الداخلة: اتفاقية إطار ...", then the seat of a party ("l'Hôpital ... de Casablanca")
        place = find_place([], title or "") or find_seat(signing)
    event = find_event(signing + own)
    themes = find_themes(_masked(own, sentences, mentions))
    people = _own_people(find_people(own), group, groups)
    evidence = [Evidence(field="party", value=p.key, sentence=signing[0], confidence=0.9) for p in parties]
    for name, found in (("kind", kind), ("place", place), ("event", event), *(("theme", t) for t in themes)):
        if found is not None:
            evidence.append(_evidence(name, found.value, found.sentence, found.confidence))
    if signed is not None:
        evidence.append(_evidence("signed_on", signed.value.isoformat(), signed.sentence, signed.confidence))
    evidence += [_evidence("person", p.name, _first_with(own, p.name), 0.7) for p in people]
    return AgreementCandidate(
        parties=parties,
        kind=kind.value if kind else None,
        signed_on=signed.value if signed else None,
        signed_on_precision=signed.precision if signed else None,
        place=place.value if place else None,
        event=event.value if event else None,
        themes=tuple(t.value for t in themes),
        people=tuple(people),
        recalled=group.recalled or _old(signed.value if signed else None, published),
        evidence=tuple(evidence),
    )


def _own_people(people: list[PersonRole], group: Group, groups: Sequence[Group]) -> list[PersonRole]:
    """With several agreements, a signatory of another agreement's partner is not this one's."""
    others = {k for g in groups if g is not group for k in g.partners} - set(group.partners)
    return [p for p in people if p.org_key not in others]


def _evidence(name: str, value: str, sentence: str, confidence: float) -> Evidence:
    return Evidence(field=name, value=value, sentence=sentence, confidence=confidence)


def _family_party(group: Group, mentions: Sequence[Mention]) -> OrgRef:
    """FM6SS itself when the article names it; otherwise the family entity the signing names."""
    named = [m for m in mentions if m.org.key == FOUNDATION_KEY]
    return named[0].org if named else group.family[0].org


def _own_sentences(
    group: Group, groups: Sequence[Group], sentences: Sequence[Sentence], mentions: Sequence[Mention]
) -> set[int]:
    """The sentences about this agreement: all of them, or, with several, those naming its partner
    alone, saying "la deuxième" or its instrument for it, or following such a sentence, and its own
    signing sentences unless one of those marks gives them to another agreement."""
    if len(groups) == 1:
        return {s.index for s in sentences}
    order = sorted(groups, key=lambda g: g.sentences[0])
    owner: int | None = None
    out: set[int] = set()
    for i, sentence in enumerate(sentences):
        named = _partners_named(sentence, groups, mentions)
        rank = _ordinal(sentence.text, len(order))
        decided: int | None = None
        if len(named) == 1:
            owner = decided = next(iter(named))
        elif named:
            owner = None
        elif rank is not None:
            owner = decided = id(order[rank])
        elif (kind := _by_kind(sentence.text, groups, sentences)) is not None:
            owner = decided = kind
        if (i in group.sentences and decided in (None, id(group))) or owner == id(group):
            out.add(i)
    return out


def _by_kind(text: str, groups: Sequence[Group], sentences: Sequence[Sentence]) -> int | None:
    """ "L'accord entre le ministère et la fondation ...": the one agreement whose signing named that
    instrument, when the others were of other kinds."""
    kinds = kinds_in(text)
    if not kinds:
        return None
    owners = [g for g in groups if kinds[0] in _kinds_of(sentences[g.sentences[0]].text)]
    return id(owners[0]) if len(owners) == 1 else None


@lru_cache(maxsize=1024)
def _is_ceremony(text: str) -> bool:
    return bool(CEREMONY.search(text) or (SIGNING_ACT.search(text) and HELD.search(text)))


@lru_cache(maxsize=256)
def _kinds_of(text: str) -> tuple[str, ...]:
    return tuple(kinds_in(text))


def _ordinal(text: str, count: int) -> int | None:
    m = ORDINALS.search(fold(text))
    if m is None:
        return None
    rank = next(i for i, word in enumerate(m.groups()) if word)
    return min(rank, count - 1) if rank < 3 else count - 1


def _partners_named(sentence: Sentence, groups: Sequence[Group], mentions: Sequence[Mention]) -> set[int]:
    """The groups whose partners the sentence names (by a mention, the name, or its initials)."""
    end = sentence.start + len(sentence.text)
    keys = {m.org.key for m in mentions if sentence.start <= m.start < end}
    text = f" {fold(sentence.text)} "
    out: set[int] = set()
    for g in groups:
        for key, org in g.partners.items():
            words = org.name.split()
            initials = "".join(w[0] for w in words if w[0].isupper()).lower()
            head = fold(words[0]) if not org.acronym and len(words[0]) >= 5 and words[0][0].isupper() else ""
            shorts = [fold(org.name), initials if len(initials) >= 3 else "", head]
            if key in keys or any(x and f" {x} " in text for x in shorts):
                out.add(id(g))
    return out


def _masked(own: Sequence[str], sentences: Sequence[Sentence], mentions: Sequence[Mention]) -> list[str]:
    """Sentences with organization names blanked, so "Protection sociale" in a ministry's name is no theme."""
    by_text = {s.text: s for s in sentences}
    out: list[str] = []
    for text in own:
        sentence = by_text[text]
        chars = list(text)
        for m in mentions:
            lo, hi = m.start - sentence.start, m.end - sentence.start
            if 0 <= lo < len(chars):
                hi = _seat_end(text, min(hi, len(text)))  # "UM6SS de Casablanca", "... بالدار البيضاء"
                chars[lo:hi] = " " * (min(hi, len(chars)) - lo)
        out.append("".join(chars))
    return out


def _seat_end(text: str, end: int) -> int:
    """Where a city written right after an organization's name ends, or `end` when there is none."""
    m = SEAT.match(text, end)
    if m is None:
        return end
    for words in (m["city"], m["city"].split(" ")[0]):
        if is_city(words) or is_city(words[1:]) or (words.startswith("بال") and is_city(words[1:])):
            return m.start("city") + len(words)
    return end


def _first_with(sentences: Sequence[str], name: str) -> str:
    return next((s for s in sentences if name in s), sentences[0] if sentences else "")


def _old(value: date | None, published: date | None) -> bool:
    return value is not None and published is not None and value < published - RECALL_AFTER


__all__ = ["extract_agreements"]
