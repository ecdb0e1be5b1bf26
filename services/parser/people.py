"""Who took part (step 5): people named with a role and organization, and which of them signed.

Names come from titles ("M.", "Pr", "السيد") or a "Name, role" apposition; `signed` is only set for
people a sentence says signed ("signée par", "paraphée par", "signed by", "وقعها", "من طرف"); who presided,
attended or is quoted stays in `people`, unsigned. Arabic names are read as "name، role".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.bus.messages import PersonRole
from services.parser.matcher import find_mentions
from services.parser.text import fold

_UP = r"[A-ZÀ-ÖØ-Þ][\w'’-]+"
_PARTICLE = r"(?:(?:El|Al|Ben|Ait|Aït|Ibn|Bel|de|du|da|van|von|Ould)\s+)"
NAME = rf"{_UP}(?:\s+{_PARTICLE}?{_UP}){{0,3}}"
TITLE = (
    r"(?:M\.|MM\.|Mme|Mlle|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Pr\.?|"
    r"Prof\.?|[Pp]rofesseure?|[Dd]octeur|Professor|Doctor|Sir)"
)
ROLE_WORDS = (
    r"(?:[Mm]inistre|[Dd]irect(?:eur|rice)|[Pp]r[ée]sident(?:e)?|PDG|DG|CEO|[Ss]ecr[ée]taire|[Rr]ect(?:eur|rice)|"
    r"[Dd]oyen(?:ne)?|[Cc]hef|[Hh]ead|[Dd]irector|[Pp]resident|[Mm]inister|[Vv]ice|[Aa]dministrat(?:eur|rice)|"
    r"[Ff]ondat(?:eur|rice)|[Rr]esponsable|[Cc]oordinat(?:eur|rice)|[Ww]ali|[Gg]ouverneur|[Aa]mbassad(?:eur|rice)|"
    r"[Rr]epr[ée]sentant(?:e)?|[Mm]anaging|[Gg]eneral [Mm]anager|[Cc]hairman|[Ff]ounder|[Dd]irectrice)"
)
TITLED = re.compile(rf"\b{TITLE}\s+(?P<name>{NAME})")
APPOSITION = re.compile(
    rf"(?P<name>{_UP}\s+{_PARTICLE}?{_UP}(?:\s+{_UP})?),\s+(?P<role>(?:le |"
    rf"la |l'|the )?{ROLE_WORDS}[^,;.«»()]*)"
)
ROLE_BEFORE = re.compile(rf"(?P<role>(?:le |la |l'|the )?{ROLE_WORDS}[^,;«»()]*),\s*$")
ROLE_AFTER = re.compile(rf"^,\s+(?P<role>(?:le |la |l'|the )?{ROLE_WORDS}[^,;.«»()]*)")
_AR_NOT_NAME = (
    "رئيس|رئيسة|مدير|مديرة|وزير|وزيرة|المدير|الرئيس|نائب|نائبة|المكلف|المكلفة|بصفته|بصفتها|عضو|الكاتب|"
    "عن|من|في|على|إلى|أن|الذي|التي|بحضور|خلال|حيث|بين|مع|وذلك|أمس|اليوم|يوم|"
    "السيد|السيدة|الدكتور|الدكتورة|البروفيسور|البروفيسورة|الأستاذ|الأستاذة"  # "السيدة أ والبروفيسور ب"
)
AR_TITLED = re.compile(
    r"(?:السيد|السيدة|الدكتور|الدكتورة|البروفيسور|البروفيسورة|الأستاذ|الأستاذة|البروفسور)\s+"
    r"(?P<name>(?:[\u0621-\u064a]+)(?:\s+(?!و?(?:" + _AR_NOT_NAME + r")(?:\s|$))[\u0621-\u064a]+){0,3})"
)
_AR_ROLE = r"(?:ال)?(?:وزير|وزيرة|رئيس|رئيسة|مدير|مديرة|الكاتب|الكاتبة|عميد|عميدة|سفير|سفيرة|والي|رئيس مجلس)"
AR_ROLE_NAME = re.compile(
    rf"(?:^|\s|[وو])(?P<role>{_AR_ROLE}[^،,.]{{0,90}})[،,]\s*(?P<name>[\u0621-\u064a]+(?:\s+[\u0621-\u064a]+){{1,2}})"
    r"\s*(?=[،,.]|$)"
)
ROLE_NAME = re.compile(
    rf"(?P<role>{ROLE_WORDS}[^,;«»()]*),\s+(?P<name>{_UP}\s+{_UP}(?:\s+{_UP})?)(?=\s*[,.;]|\s+et\b|$)"
)
AR_TITLE_START = re.compile(r"و?(?:السيد|السيدة|الدكتور|الدكتورة|البروفيسور|البروفيسورة|الأستاذ|الأستاذة)\s")
EN_ROLE_NAME = re.compile(
    r"(?P<role>\b(?:[A-Z][\w&-]*\s+){0,2}(?:CEO|[Pp]resident|[Dd]irector(?:[- ][Gg]eneral)?|[Mm]inister|"
    r"[Cc]hairman|[Rr]ector|[Dd]ean|[Ss]ecretary[- ][Gg]eneral|[Mm]anaging [Dd]irector|[Ff]ounder|"
    r"[Gg]overnor|[Aa]mbassador|[Vv]ice[- ][Pp]resident|[Cc]hief \w+ [Oo]fficer|"
    rf"[Rr]epresentative|[Cc]hief [Ee]xecutive))\s+(?:and \w+\s+)?(?:{TITLE}\s+)?(?P<name>{_UP}\s+{_UP})"
)
# "عبد الجليل لحجمري، أمين السر الدائم لأكاديمية المملكة": an Arabic name, then its role after a comma
_AR_ROLE_HEAD = (
    r"(?:ال)?(?:أمين|امين|رئيس|رئيسة|مدير|مديرة|وزير|وزيرة|كاتب|كاتبة|عميد|عميدة|سفير|سفيرة|نائب|نائبة|"
    r"مندوب|مندوبة|ممثل|ممثلة|منسق|منسقة|مسؤول|مسؤولة|والي|رئيس|المدير)"
)
AR_NAME_ROLE = re.compile(
    r"(?<![\u0621-\u064a])(?P<name>[\u0621-\u064a]+(?:\s+[\u0621-\u064a]+){0,4})\s*[،,]\s*"
    rf"(?P<role>{_AR_ROLE_HEAD}(?=\s)[^،,.:؛]{{0,90}})"
)
# words that end a name read backwards from its comma: "من قبل", "كل من", "تحت رئاسة", a verb
_AR_BEFORE_NAME = frozenset(
    re.split(
        r"\s+",
        "من قبل طرف كل وقعها وقعه وقع وقعت الاتفاقية الإتفاقية الاتفاق الإتفاق المذكرة رئاسة تحت بحضور "
        "عن الجانب جانب بين مع و في على إلى الى أن ان حيث وذلك وكذا قال أكد اكد أوضح اوضح صرح",
    )
)
# a verb of saying right before a name: "أكده شكيب ...", "وأضاف رامي ..."
AR_SAYING = re.compile(
    r"^[وف]?(?:قال|أكد|اكد|أضاف|اضاف|أوضح|اوضح|صرح|أشار|اشار|اعتبر|شدد|أبرز|ابرز|ذكر|كشف|أعلن|اعلن)"
    r"(?:ت|ه|ها)?$"
)
AR_MARKS = re.compile(r"[\u064b-\u0652\u0640]")  # short vowels, shadda, tatweel: "بَلَيْماني", "كلّ"
AR_ROLE_AFTER = re.compile(
    r"^\s*[،,]\s*(?P<role>(?:وزير|وزيرة|مدير|مديرة|رئيس|رئيسة|المدير|الرئيس|الكاتب)[^،,.]*)"
)


def _marks_allowed(pattern: str) -> str:
    """An Arabic pattern that also matches words written with shadda or other marks ("وقّع")."""
    return re.sub(r"([\u0621-\u064a])", lambda m: m.group(1) + "[\u064b-\u0652]*", pattern)


SIGNED_BY = re.compile(
    r"\b(?:sign[ée]e?s?|paraph[ée]e?s?|conclu[es]*)(?: [^,.;]{0,50}?)? par\b|"
    r"(?:التوقيع|توقيع)[^.،]{0,40}?(?:من قبل|من طرف)|"
    r"\bsigned by\b|\bsignataires?\b|\bont (?:sign|paraph)|"
    r"\bhave signed\b|\bsigned (?:the|for|on behalf)\b|"
    + _marks_allowed("وقع(?:ها|ه|ت|تها|ته|وها|وه|ا)?(?=\\s|$)|بتوقيع|الموقعين"),
    re.IGNORECASE,
)
# who presided or attended did not sign, whatever the sentence says after them
PRESENCE = re.compile(
    r"\ben (?:pr[ée]sence|marge)\b|\bin the presence\b|بحضور|\bsous la pr[ée]sidence\b|"
    r"\bpr[ée]sid[ée]e? par\b|\bpresided (?:over )?by\b|\bchaired by\b|تحت رئاسة|برئاسة|تحت إشراف",
    re.I,
)
NOT_NAMES = frozenset(
    (
        *("Le", "La", "Les", "Un", "Une", "Ce", "Cette", "Selon", "Dans", "Pour", "Au", "Aux", "Par"),
        *("The", "This", "Royaume", "Maroc"),
    )
)


@dataclass
class _Person:
    name: str
    role: str | None
    org_key: str | None
    signed: bool


def find_people(sentences: Sequence[str]) -> list[PersonRole]:
    """Everyone the sentences name with a title or a role, merged by surname, in order of first mention."""
    people: dict[str, _Person] = {}
    for sentence in sentences:
        for person in _in_sentence(sentence):
            key = surname(person.name)
            if not key:
                continue
            known = people.get(key)
            if known is None:
                people[key] = person
                continue
            known.signed = known.signed or person.signed
            known.role = known.role or person.role
            known.org_key = known.org_key or person.org_key
            if len(person.name) > len(known.name):
                known.name = person.name
    return [
        PersonRole(name=p.name, role=_bare(p.role), org_key=p.org_key, signed=p.signed)
        for p in people.values()
    ]


def _bare(role: str | None) -> str | None:
    return re.sub(r"^(?:le|la|l['’]|the)\s*", "", role).strip() or None if role else None


def surname(name: str) -> str:
    words = fold(name).split()
    return words[-1] if words else ""


def _in_sentence(sentence: str) -> list[_Person]:
    sentence = AR_MARKS.sub("", sentence)
    signing = SIGNED_BY.search(sentence)
    presence = PRESENCE.search(sentence)
    cut = presence.start() if presence else len(sentence)
    out: list[_Person] = []
    for start, name, role in _names(sentence):
        signed = (
            signing is not None and start < cut and (signing.start() < start or _subject_of(sentence, start))
        )
        out.append(_Person(name, role, _org_of(role), signed))
    return out


def _subject_of(sentence: str, start: int) -> bool:
    """Names before the verb of "A et B ont signé" signed."""
    after = sentence[start:]
    return re.search(r"\b(?:ont|a) (?:sign|paraph)|\bhave signed|\bsigned\b(?! by)", after, re.I) is not None


def _names(sentence: str) -> list[tuple[int, str, str | None]]:
    found: dict[int, tuple[int, str, str | None]] = {}
    for m in TITLED.finditer(sentence):
        before = ROLE_BEFORE.search(sentence[max(0, m.start() - 160) : m.start()])
        after = ROLE_AFTER.search(sentence[m.end() :])
        around = before or after
        role = around["role"].strip() if around else None
        found[m.start("name")] = (m.start("name"), m["name"].strip(), role)
    for m in APPOSITION.finditer(sentence):
        name = re.sub(rf"^{TITLE}\s+", "", m["name"]).strip()
        start = m.end("name") - len(name)
        if name.split()[0] in NOT_NAMES or any(s <= start < s + len(n) + 1 for s, n, _ in found.values()):
            continue
        found[start] = (start, name, m["role"].strip())
    for m in AR_TITLED.finditer(sentence):
        role = AR_ROLE_AFTER.search(sentence[m.end() :])
        found[m.start("name")] = (m.start("name"), m["name"].strip(), role["role"].strip() if role else None)
    for start, name, role in _ar_named(sentence) if "،" in sentence or "," in sentence else ():
        if not _overlaps(start, start + len(name), found):
            found[start] = (start, name, role)
    for pattern in (ROLE_NAME, AR_ROLE_NAME, EN_ROLE_NAME):
        for m in pattern.finditer(sentence):
            start, name = m.start("name"), m["name"].strip()
            if AR_TITLE_START.match(name):
                continue
            if not _overlaps(start, start + len(name), found):
                found[start] = (start, name, m["role"].strip())
            elif start in found and found[start][2] is None:  # a titled name: the role before it
                found[start] = (start, found[start][1], m["role"].strip())
    return [found[k] for k in sorted(found)]


def _ar_named(sentence: str) -> list[tuple[int, str, str]]:
    """Arabic "name، role": the name is read backwards from the comma, up to a word no name holds."""
    out: list[tuple[int, str, str]] = []
    for m in AR_NAME_ROLE.finditer(sentence):
        words = m["name"].split()
        kept: list[str] = []
        for i in range(len(words) - 1, -1, -1):
            word, previous = words[i], words[i - 1] if i else ""
            if word in _AR_BEFORE_NAME or AR_SAYING.match(word) or len(kept) == 3:
                break
            kept.insert(0, word)
            if previous in ("الجانب", "جانب"):  # "عن الجانب المغربي": an adjective, not a name
                break
        if len(kept) == 3 and re.match(r"و?ال", kept[0]):  # "وعن المؤسسة نادية بنيس"
            kept = kept[1:]
        if kept and kept[0].startswith("و") and len(kept[0]) > 3 and kept != words:
            kept[0] = kept[0][1:]  # "، ولحسن بليمني": the conjunction, not the name
        elif kept and kept[0].startswith("و") and len(kept[0]) > 3 and _listed(sentence, m.start()):
            kept[0] = kept[0][1:]
        if len(kept) < 2 or AR_TITLE_START.match(" ".join(kept) + " "):
            continue
        name = " ".join(kept)
        out.append((m.end("name") - len(name), name, m["role"].strip()))
    return out


def _listed(sentence: str, start: int) -> bool:
    return re.search(r"[،,]\s*$", sentence[:start]) is not None


def _overlaps(start: int, end: int, found: dict[int, tuple[int, str, str | None]]) -> bool:
    return any(start < s + len(n) and s < end for s, n, _ in found.values())


def _org_of(role: str | None) -> str | None:
    if not role:
        return None
    text = re.sub(r"\b[Mm]inistre\b", "ministère", role)
    text = re.sub(r"\b[Mm]inister\b", "Ministry", text).replace("وزير", "وزارة")
    mentions = find_mentions(text)
    return mentions[0].org.key if mentions else None
