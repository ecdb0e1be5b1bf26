"""Partners the organizations file does not know (step 5), read from how a signing sentence names them.

"avec la société X", "et le groupe X", "entre ... et X", "with X", "مع شركة X": the name is kept as
written and keyed by its folded words, so every spelling-identical report gets the same key.
"""

from __future__ import annotations

import re

from services.bus.messages import OrgRef
from services.parser.matcher import Mention
from services.parser.orgs import unknown_org
from services.parser.places import is_city

_CAP = r"[A-ZÀ-ÖØ-Þ0-9][\w&'’.+-]*"
_LINK = (
    r"(?:\s+(?:et (?:de la|de l['’]|de|du|des|d['’])|de la|de l['’]|pour la|pour le|pour l['’]|"
    r"de|du|des|d['’]|pour|for|of|the|&)\s*|\s+)"
)
_NAME = rf"(?P<name>{_CAP}(?:{_LINK}{_CAP}){{0,5}})"
TYPE_NOUNS = {
    "société": "company", "groupe": "company", "entreprise": "company", "firme": "company",
    "laboratoire": "company", "laboratoires": "company", "start-up": "company", "startup": "company",
    "cabinet": "company", "banque": "company", "opérateur": "company", "université": "university",
    "école": "university", "institut": "research centre", "hôpital": "hospital", "clinique": "hospital",
    "association": "association", "fondation": "foundation", "agence": "agency",
    "organisation": "organization",
    "fédération": "federation", "company": "company", "group": "company", "firm": "company",
    "university": "university", "hospital": "hospital",
}  # fmt: skip
_TYPES = "|".join(sorted(map(re.escape, TYPE_NOUNS), key=len, reverse=True))
LATIN = re.compile(
    rf"\b(?P<link>avec|et|entre|with|and|between)\s+(?:(?:la|le|les|l'|l’|the)\s*)?"
    rf"(?:(?P<type>(?i:{_TYPES}))\s+(?:[a-zà-ÿ]+\s+){{0,2}}|(?<=with )(?:[a-z]+\s+){{0,2}}(?=[A-Z]))?{_NAME}"
)
# "L'Université X (UX) et la Fondation ... ont signé": the name just before "et" + a family mention
LATIN_BEFORE = re.compile(rf"{_NAME}(?:\s*\([^)]{{1,20}}\))?,?\s+(?:et|and)\s+(?:la |le |les |l['’]|the )?$")
ARABIC_BEFORE = re.compile(
    r"(?:^|\s)(?:وقع|وقعت|أبرم|أبرمت|ابرم|ابرمت|يوقع|توقع|بين|وقّع|وقّعت)\s+"
    r"(?P<name>[^\s،,.]+(?:\s+[^\s،,.]+){0,4}?)\s+و$"
)
ARABIC_TYPES = {
    "شركة": "company", "الشركة": "company", "مجموعة": "company", "المجموعة": "company", "مختبرات": "company",
    "جامعة": "university", "الجامعة": "university", "كلية": "university", "مدرسة": "university",
    "مصحة": "hospital", "مستشفى": "hospital", "المستشفى": "hospital", "جمعية": "association",
    "الجمعية": "association", "معهد": "research centre", "المعهد": "research centre",
    "مركز": "research centre", "المركز": "research centre", "مؤسسة": "foundation", "وكالة": "agency",
    "الوكالة": "agency",
    "هيئة": "agency", "الهيئة": "agency", "مجلس": "local authority", "المجلس": "local authority",
    "منظمة": "international organization", "المنظمة": "international organization", "بنك": "company",
    "صندوق": "agency", "الصندوق": "agency", "فيدرالية": "federation", "الجامعة الملكية": "federation",
}  # fmt: skip
_AR_STOP = (
    "من|في|على|إلى|حول|بهدف|قصد|لتعزيز|لتطوير|بحضور|وذلك|التي|الذي|تهدف|يهدف|ترمي"
    "|و?مؤسسة|و?جامعة|و?وزارة|اتفاقية|مذكرة|يوم|أمس|اليوم|بالرباط|بالدار"
)
ARABIC = re.compile(
    r"(?:^|(?<=\s))(?:مع\s+|بين\s+)(?P<name>(?P<type>"
    + "|".join(ARABIC_TYPES)
    + r")\s+[«\"“]?(?:[\w\u0621-\u064a-]+)(?:\s+(?!(?:"
    + _AR_STOP
    + r")(?:\s|$))[\w\u0621-\u064a-]+){0,3})"
)
SUBJECT_FIRST = re.compile(
    rf"^(?:[^\n]{{0,40}}?\s[—–-]+\s+)?(?:La |Le |Les |L['’]|The )?{_NAME}(?:\s*\([^)]{{1,20}}\))?,?\s+"
    r"(?:a |ont |has |have )?(?:sign|paraph|scell|conclu|inked|sealed)"
)
_ARTICLE = re.compile(r"^(?:La|Le|Les|L['’]|The)\s*")
BETWEEN = re.compile(r"\b(?:entre|between)\b", re.I)
_BASED = re.compile(r"^[A-Z][\w-]*-based\s+")
SUBJECT_VERB = re.compile(
    r"\s*(?:\([^)]*\)\s*)?,?\s*(?:ont|have|signent|sign|signed|inked|ink|concluent|scellent)\b"
)
NOT_ORGS = frozenset(
    (
        *(
            "Le",
            "La",
            "Les",
            "Un",
            "Une",
            "M",
            "M.",
            "Mme",
            "Mr",
            "Mr.",
            "Mrs",
            "Mrs.",
            "Ms",
            "Ms.",
            "Dr",
            "Dr.",
        ),
        *(
            "Pr",
            "Pr.",
            "Prof",
            "Prof.",
            "Professor",
            "The",
            "This",
            "Maroc",
            "Morocco",
            "Rabat",
            "Casablanca",
        ),
        *("Royaume", "Kingdom", "Sa", "Majesté", "Son", "His", "Her", "Mr", "Messrs"),
    )
)
_WEEKDAY_OR_MONTH = re.compile(
    r"^(?:lundi|mardi|mercredi|jeudi|vendredi|"
    r"samedi|dimanche|janvier|février|mars|avril|"
                               r"mai|juin|juillet|août|septembre|"
                               r"octobre|novembre|décembre|\d+)$", re.I)  # fmt: skip


def find_unknown_partners(sentence: str, known: list[Mention], offset: int) -> list[tuple[int, OrgRef]]:
    """Unknown organizations a signing sentence names as a party, with their offset in the article."""
    out = _before_family(sentence, known, offset)
    for m in list(LATIN.finditer(sentence)) + list(ARABIC.finditer(sentence)):
        start, name = offset + m.start("name"), m["name"].strip(" .,'’«»")
        if m["type"] and m["type"][0].isupper():  # "l'Université de Montréal": the noun is part of the name
            start, name = offset + m.start("type"), sentence[m.start("type") : m.end("name")].strip(" .,'’")
        if _overlaps(start, start + len(name), known) or not _plausible(name, m["type"]):
            continue
        if (
            m.groupdict().get("link") in ("et", "and")
            and not m["type"]
            and not SUBJECT_VERB.match(sentence[m.end() :])
            and not BETWEEN.search(sentence[: m.start()])
        ):
            continue  # "A et B" only names an organization B when B is a subject of the signing
        kind = TYPE_NOUNS.get(m["type"].lower()) if m["type"] else None
        kind = kind or ARABIC_TYPES.get(m["type"] or "")
        out.append((start, unknown_org(_BASED.sub("", name), kind)))
    return out


def _before_family(sentence: str, known: list[Mention], offset: int) -> list[tuple[int, OrgRef]]:
    out: list[tuple[int, OrgRef]] = []
    first = SUBJECT_FIRST.match(sentence)
    if first and any(k.org.family for k in known):
        name = first["name"].strip(" .,'’")
        start = offset + first.start("name")
        if not _overlaps(start, start + len(name), known) and _plausible(name, None):
            out.append((start, unknown_org(name)))
    for mention in known:
        if not mention.org.family or not 0 <= mention.start - offset <= len(sentence):
            continue
        head = sentence[: mention.start - offset]
        m = LATIN_BEFORE.search(head) or ARABIC_BEFORE.search(head)
        if m is None:
            continue
        name = m["name"].strip(" .,'’")
        article = _ARTICLE.match(name)
        start = offset + m.start("name") + (article.end() if article else 0)
        name = name[article.end() :] if article else name
        if _overlaps(start, start + len(name), known) or not _plausible(
            name, "arabic" if m.re is ARABIC_BEFORE else None
        ):
            continue
        out.append((start, unknown_org(name)))
    return out


def _overlaps(start: int, end: int, known: list[Mention]) -> bool:
    return any(start < k.end and k.start < end for k in known)


def _plausible(name: str, type_noun: str | None) -> bool:
    first = name.split()[0]
    if (
        first in NOT_ORGS
        or _WEEKDAY_OR_MONTH.match(first)
        or len(name) < 2
        or (is_city(name) and len(name.split()) == 1)
    ):
        return False
    # Without an organization noun, only a name of capital letters or an unusual capitalized word is taken.
    return type_noun is not None or any(c.isupper() for c in name[1:]) or len(name.split()) <= 3
