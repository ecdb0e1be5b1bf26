"""Which agreements an article reports with FM6SS as a party (step 5): the relevance decision.

A signing sentence counts when a family entity is one of its parties (not a venue, host or guest);
its partners form an agreement, and disjoint partner sets form separate agreements only when the text
says there were several (plurals, "également", "كما") or recalls an earlier signing. Plural
instruments between a first-named hub and others ("des conventions entre le ministère et A et B") are
the hub's with each: a family entity among the others signed with the hub only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from services.bus.messages import OrgRef
from services.parser.kinds import is_plural, is_signing, kinds_in
from services.parser.matcher import Mention
from services.parser.partners import find_unknown_partners
from services.parser.text import Sentence, fold

NOT_A_PARTY = re.compile(
    r"(?:en pr[ée]sence (?:de|du|des)|organis[ée]e?s? par|(?:^|"
    r"\s)[àa] l['’]|au si[èe]ge (?:de|du)|au sein (?:de|du)|"
    r"sous l['’][ée]gide (?:de|du)|au profit (?:de|du|des)|en faveur (?:de|du|des)|"
    r"(?:soutien|appui|concours|financement|patronage|initiative|normes|recommandations) (?:de|du|des|d['’])|"
    r"(?:partenaire|membre|filiale|partner|member|subsidiary) (?:de|du|des|d['’]|of)|شريك(?:ة)?|"
    r"with the support of|funded by|بدعم من|بتمويل من|"
    r"(?:amphith[ée][âa]tre|salle|locaux|campus|enceinte|auditorium|pavillon|stand) (?:de|du|des|d['’])|"
    r"h[ée]berg[ée]e? par|organized by|hosted by|in the presence of|at the|"
    r"بحضور|بمقر|تحت إشراف|في مقر|من تنظيم)\s*(?:la |le |les |l['’]|the )?$",
    re.IGNORECASE,
)
PRESENCE = re.compile(r"\ben pr[ée]sence\b|\bin the presence\b|بحضور|\bsous la pr[ée]sidence\b", re.I)
SEVERAL = re.compile(
    r"\b(?:[ée]galement|aussi|autre|autres|deuxi[èe]me|seconde?|troisi[èe]me|premi[èe]re|also|another|second|"
    r"third|first|respectivement|dans la foulee|tandis|while|whereas|in addition|meanwhile)\b|"
    r"(?:^| )(?:كما|اخري|الثانيه|الاولي|الثالثه|ايضا)(?= |$)",
    re.IGNORECASE,
)
RECALL = re.compile(
    r"avai(?:t|ent) (?:été )?(?:sign|conclu|paraph|scell)|pr[ée]c[ée]demment|l['’]ann[ée]e derni[èe]re|"
    r"l['’]an dernier|d[ée]j[àa] sign|dans le cadre de (?:la|l['’]|cette) (?:convention|accord|partenariat)|"
    r"en vertu de|en application de|had signed|previously signed|"
    r"last year|under the (?:agreement|partnership)|"
    r"كانت قد وقع|كان قد وقع|سبق (?:أن|ان|ل)|في إطار (?:الاتفاقية|اتفاقية|الشراكة)|تفعيلا ل",
    re.IGNORECASE,
)
ORDINAL = re.compile(
    r"\b(?:premier|premiere|deuxieme|second|seconde|troisieme|first|second|third|l une|l autre)\b|"
    r"(?:^| )(?:الاولي|الثانيه|الثالثه)(?= |$)"
)
# "les deux partenaires": the article says two parties signed, though its signing sentence names none
DUAL = re.compile(
    r"les deux (?:partenaires|parties|institutions)|the two (?:partners|parties|institutions)|"
    r"الطرفين|الطرفان|الجانبين|الجانبان|المؤسستين",
    re.IGNORECASE,
)
COORDINATED = re.compile(
    r"\s*,?\s*(?:et|and|و)\s*(?:de la |du |des |de l['’]|de |d['’]|la |le |les |l['’]|the )?(?:\w+\s+)?$",
    re.IGNORECASE,
)
WITH = re.compile(r"\b(?:avec|with)\b|(?:^|\s)مع\s", re.IGNORECASE)
STRONG = re.compile(r"sign|scell|conclu|paraph|ink|seal|وقع|توقيع|ابرام|ابرم", re.IGNORECASE)


@dataclass
class Group:
    """One reported agreement: the family party, its partners and the sentences that tell it."""

    family: list[Mention]
    partners: dict[str, OrgRef]
    sentences: list[int]
    recalled: bool = True
    how: list[str] = field(default_factory=list)


def parties_of(sentence: Sentence, mentions: Sequence[Mention]) -> list[Mention]:
    """Mentions in the sentence that can be parties: not after "en présence de", not a venue or host."""
    end = sentence.start + len(sentence.text)
    presence = PRESENCE.search(sentence.text)
    cut = sentence.start + presence.start() if presence else end
    out: list[Mention] = []
    excluded_end = -10
    for m in mentions:
        if not sentence.start <= m.start < end or m.start >= cut:
            continue
        before = sentence.text[max(0, m.start - sentence.start - 40) : m.start - sentence.start]
        if NOT_A_PARTY.search(before) or m.start - excluded_end <= 3:  # also "(UM6SS)" after an excluded name
            excluded_end = m.end
        else:
            out.append(m)
    return out


def find_groups(
    sentences: Sequence[Sentence], mentions: Sequence[Mention], titled: bool = False
) -> list[Group]:
    groups: list[Group] = []
    pending: list[int] = []  # signing sentences naming the family but no partner yet
    orphans: list[int] = []  # signing sentences naming no party at all ("signé au siège de la Fondation")
    several = any(is_plural(s.text) for s in sentences if is_signing(s.text))
    family_seen = False
    # a headline is read last: its names are often shortened, the body's are the ones to keep
    ordered = [*sentences[1:], sentences[0]] if titled and sentences else list(sentences)
    for sentence in ordered:
        parties = parties_of(sentence, mentions)
        family = [m for m in parties if m.org.family]
        listed = bool(pending) and ORDINAL.search(fold(sentence.text)) is not None
        if not is_signing(sentence.text) and not listed:
            family_seen = family_seen or bool(family)
            continue
        found = _partners(sentence, parties)
        partners = {org.key: org for _, org in found}
        # "des conventions entre le ministère et A et B": the first party named is the hub
        hub = found[0][1].key if found and family and found[0][0] < family[0].start else None
        if listed and not family and partners:  # "The first memorandum, with X, ..." after "signed two MoUs"
            family = [m for m in mentions if m.org.family and m.start < sentence.start][-1:]
        if not family and family_seen and len(partners) == 1 and WITH.search(sentence.text):
            family = [m for m in mentions if m.org.family and m.start < sentence.start][-1:]
        family_seen = family_seen or bool(family)
        if family and not partners and not groups:
            pending.append(sentence.index)
        elif family:
            _place(groups, sentence, family, partners, (several, hub))
        elif any(set(g.partners) & set(partners) for g in groups):
            next(g for g in groups if set(g.partners) & set(partners)).sentences.append(sentence.index)
        elif not partners and not RECALL.search(sentence.text) and not is_plural(sentence.text):
            orphans.append(sentence.index)
    if not groups and pending:
        groups = _from_headline(sentences, mentions, pending)
    if not groups and orphans:
        groups = _from_pair(sentences, mentions, orphans)
    if groups and pending:
        groups[0].sentences[:0] = [i for i in pending if i not in groups[0].sentences]
    return [g for g in groups if g.partners]


def _from_headline(
    sentences: Sequence[Sentence], mentions: Sequence[Mention], pending: list[int]
) -> list[Group]:
    """The family signed, the partner goes unnamed there: take the one the headline or lead names."""
    if all(is_plural(sentences[i].text) or RECALL.search(sentences[i].text) for i in pending):
        return []  # "les conventions signées depuis 2019": a record, not a signing
    for sentence in sentences[:2]:
        if not kinds_in(sentence.text):
            continue
        parties = parties_of(sentence, mentions)
        partners = {m.org.key: m.org for m in parties if not m.org.family}
        family = [m for m in mentions if m.org.family]
        if len(partners) == 1 and family:
            return [Group(family[:1], partners, list(pending), recalled=False)]
    return _from_quote(sentences, mentions, pending)


def _from_quote(
    sentences: Sequence[Sentence], mentions: Sequence[Mention], pending: list[int]
) -> list[Group]:
    """«... Ce protocole d'accord avec la Fondation ...», said by X "chez AstraZeneca": a quote speaks for
    the speaker's organization, named in the sentence that opens it."""
    first = sentences[pending[0]]
    before = [s.text for s in sentences[: first.index]]
    if sum(t.count("«") + t.count("“") for t in before) <= sum(t.count("»") + t.count("”") for t in before):
        return []  # the signing sentence is not inside a quote
    opener = next(s for s in reversed(sentences[: first.index]) if "«" in s.text or "“" in s.text)
    cut = opener.start + max(opener.text.rfind("«"), opener.text.rfind("“"))
    end = opener.start + len(opener.text)
    speakers = {m.org.key: m.org for m in mentions if opener.start <= m.start < end and not m.org.family}
    family = [m for m in mentions if m.org.family and first.start <= m.start]
    if len(speakers) == 1 and family and any(m.start < cut for m in mentions if m.org.key in speakers):
        return [Group(family[:1], speakers, list(pending), recalled=False)]
    return []


def _from_pair(sentences: Sequence[Sentence], mentions: Sequence[Mention], orphans: list[int]) -> list[Group]:
    """No party in the signing sentence, but "les deux partenaires" and one sentence that coordinates
    the family with a single organization ("les équipes de la Fondation ... et des laboratoires X")."""
    if not DUAL.search(" ".join(s.text for s in sentences)):
        return []
    for sentence in sentences:
        parties = parties_of(sentence, mentions)
        for a, b in pairwise(parties):
            between = sentence.text[a.end - sentence.start : b.start - sentence.start]
            if a.org.family != b.org.family and COORDINATED.fullmatch(between):
                family, partner = (a, b) if a.org.family else (b, a)
                return [Group([family], {partner.org.key: partner.org}, orphans, recalled=False)]
    return []


def _partners(sentence: Sentence, parties: Sequence[Mention]) -> list[tuple[int, OrgRef]]:
    """The non-family parties of the sentence with where they start, in the text's order."""
    found = [(m.start, m.org) for m in parties if not m.org.family]
    found += find_unknown_partners(sentence.text, list(parties), sentence.start)
    return sorted(found, key=lambda f: f[0])


def _place(
    groups: list[Group],
    sentence: Sentence,
    family: list[Mention],
    partners: dict[str, OrgRef],
    several_hub: tuple[bool, str | None],
) -> None:
    several, hub = several_hub
    recalled = RECALL.search(sentence.text) is not None
    if not partners:
        if groups:
            groups[-1].sentences.append(sentence.index)
        return
    for group in groups:
        if set(group.partners) & set(partners):
            group.sentences.append(sentence.index)
            group.recalled = group.recalled and recalled
            if STRONG.search(fold(sentence.text)) and not several:
                group.partners.update(partners)
            return
    if groups and not (recalled or is_plural(sentence.text) or SEVERAL.search(fold(sentence.text))):
        return  # a partner named in passing, not another agreement
    if is_plural(sentence.text) and len(partners) > 1 and hub is not None:
        # the hub signed with each of the others; the family entity only with the hub
        groups.append(Group(family, {hub: partners[hub]}, [sentence.index], recalled))
    elif is_plural(sentence.text) and len(partners) > 1:
        groups.extend(Group(family, {k: v}, [sentence.index], recalled) for k, v in partners.items())
    else:
        groups.append(Group(family, dict(partners), [sentence.index], recalled))
