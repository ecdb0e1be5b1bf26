"""Unknown partners in Arabic signing sentences (step 5), for `partners.py`: the sentence shapes Arabic
uses to name the parties of a signing next to a family entity.

"وقعت X و FAMILY", "أعلنت X وFAMILY عن توقيع": the partner before the family; "أعلنت FAMILY والمجموعة
الفرنسية “X”", "FAMILY بالدار البيضاء، والتعاضدية ...": after it; "وقعت المؤسسة ...، يوم ...، اتفاقية
مع FAMILY": the subject of the verb, the family after "مع"; "مع/بين + type noun": the older rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.bus.messages import OrgRef
from services.parser.matcher import Mention
from services.parser.org_nouns import ARABIC_TYPES, country_of, kind_of
from services.parser.orgs import unknown_org


def _letters(word: str) -> str:
    """A written Arabic word as a pattern that also takes its other hamza forms."""
    return re.sub("[أاإآ]", "[أاإآ]", word)


_TYPES = "|".join(_letters(t) for t in sorted(ARABIC_TYPES, key=len, reverse=True))
_VERB = r"(?:وق\u0651?ع|[أا]برم|[أا]علن|عقد)(?:ت|تا|ا)?"
_WORD = r"[^\s،,.:؛()]+"
# words that end a name: dates, prepositions, the instrument, the act, relative pronouns
_STOP = (
    r"(?:من|في|على|عن|إلى|الى|حول|بهدف|قصد|لتعزيز|لتطوير|بحضور|وذلك|التي|الذي|تهدف|يهدف|ترمي|تروم"
    r"|يوم|اليوم|أمس|امس|مؤخرا|[اإ]تفاقي\w*|مذكر\w*|توقيع|شراك\w*|بروتوكول\w*|مع|بين)"
)
_NAME_WORD = rf"(?!{_STOP}(?:\s|$|[،,.]))[^\s،,.:؛()]+"
_END = rf"(?=\s*(?:[،,.:؛\n]|$)|\s+{_STOP}(?:\s|$|[،,.]))"
_LATIN = re.compile(r"[A-Za-z][\w&.+-]*(?:\s+[A-Z][\w&.+-]*){0,3}")
_QUOTES = '«»"“”'

BEFORE = re.compile(rf"(?:^|\s)[وف]?(?:{_VERB}|بين)\s+(?P<name>{_WORD}(?:\s+{_WORD}){{0,4}}?)\s+و\s*$")
AFTER = re.compile(
    rf"(?:\s+ب{_WORD}(?:\s+{_WORD})?)?\s*[،,]?\s*و\s*(?:(?P<type>{_TYPES})(?P<rest>(?:\s+{_NAME_WORD}){{0,7}}?)"
    rf"|[{_QUOTES}]?(?P<latin>[A-Za-z][\w&.+-]*)[{_QUOTES}]?(?P<nation>\s+ال\w+)?){_END}"
)
SUBJECT = re.compile(
    rf"(?:^|\s)[وف]?{_VERB}\s+(?P<type>{_TYPES})(?P<rest>(?:\s+{_NAME_WORD}){{0,8}}?)\s*[،,]"
)
# a headline's order, subject then verb: "الفيدرالية ... توقع اتفاقية مع FAMILY"
SUBJECT_FIRST = re.compile(
    rf"\s*(?P<type>{_TYPES})(?P<rest>(?:\s+{_NAME_WORD}){{0,8}}?)\s+(?:[تي]وق\u0651?ع|[تي]برم|[تي]عقد|{_VERB})\s"
)
WITH = re.compile(
    rf"(?:^|(?<=\s))(?:مع|بين)\s+(?:(?P<type>{_TYPES})(?P<rest>(?:\s+{_NAME_WORD}){{1,4}}?)"
    rf"|[{_QUOTES}]?(?P<latin>[A-Za-z][\w&.+-]*)[{_QUOTES}]?(?P<nation>\s+ال\w+)?){_END}"
)
_WITH_FAMILY = re.compile(r"(?:^|\s)(?:مع|و)\s*$")


def find_arabic_partners(sentence: str, known: Sequence[Mention], offset: int) -> list[tuple[int, OrgRef]]:
    """Partners an Arabic signing sentence names beside a family entity, with their offsets."""
    family = [k for k in known if k.org.family and 0 <= k.start - offset <= len(sentence)]
    if not family:
        return []
    out: list[tuple[int, OrgRef]] = []
    for mention in family:
        lo, hi = mention.start - offset, mention.end - offset
        before = BEFORE.search(sentence[:lo])
        if before:
            out.append(_ref(before, offset, "name"))
        after = AFTER.match(sentence, hi)
        if after:
            out.append(_ref(after, offset, "type"))
    subject = SUBJECT.search(sentence) or SUBJECT_FIRST.match(sentence)
    if subject and any(
        k.start - offset > subject.end() and _WITH_FAMILY.search(sentence[: k.start - offset]) for k in family
    ):
        out.append(_ref(subject, offset, "type"))
    out += [_ref(m, offset, "type") for m in WITH.finditer(sentence)]
    return [(start, org) for start, org in out if org.name and not _overlaps(start, org.name, known)]


def _ref(m: re.Match[str], offset: int, first: str) -> tuple[int, OrgRef]:
    groups = m.groupdict()
    if groups.get("latin"):
        return offset + m.start("latin"), _named(m["latin"], None, groups.get("nation") or "")
    if first == "name":
        name = m["name"].strip(_QUOTES + " ")
        return offset + m.start("name"), _named(name, next(iter(name.split()), None), name)
    words = f"{m['type']}{m['rest']}"
    latin = _LATIN.search(words)
    if latin:  # "المجموعة الفرنسية ذات المنفعة العامة “X”": the Latin name is the one to keep
        return offset + m.start("type") + latin.start(), _named(latin.group(), m["type"], words)
    return offset + m.start("type"), _named(words.strip(_QUOTES + " "), m["type"], words)


def _named(name: str, type_noun: str | None, described: str) -> OrgRef:
    ref = unknown_org(name, kind_of(type_noun))
    country = country_of(described)
    return ref.model_copy(update={"country": country}) if country else ref


def _overlaps(start: int, name: str, known: Sequence[Mention]) -> bool:
    return any(start < k.end and k.start < start + len(name) for k in known)
