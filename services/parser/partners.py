"""Partners the organizations file does not know (step 5), read from how a signing sentence names them.

"avec la société X", "et le groupe X", "entre ... et X", "with X", "مع شركة X": the name is kept as
written and keyed by its folded words, so every spelling-identical report gets the same key.
"""

from __future__ import annotations

import re

from services.bus.messages import OrgRef
from services.parser.arabic_partners import find_arabic_partners
from services.parser.matcher import Mention
from services.parser.org_nouns import NATION_WORDS, TYPE_NOUNS, country_of, kind_of
from services.parser.orgs import unknown_org
from services.parser.places import is_city

_CAP = r"[A-ZÀ-ÖØ-Þ0-9][\w&'’.+-]*"
_LINK = (
    r"(?:\s+(?:et (?:de la|de l['’]|de|du|des|d['’])|de la|de l['’]|pour la|pour le|pour l['’]|"
    r"de|du|des|d['’]|pour|for|of|the|&)\s*|\s+)"
)
_NAME = rf"(?P<name>{_CAP}(?:{_LINK}{_CAP}){{0,5}})"
_TYPES = "|".join(sorted(map(re.escape, TYPE_NOUNS), key=len, reverse=True))
_NATION = "|".join(NATION_WORDS)
# words that cannot describe an organization: they end the description ("avec le groupe qui a ...")
_FUNCTION = (
    r"de|du|des|la|le|les|et|qui|que|a|ont|pour|avec|en|dans|sur|par|au|aux|afin|lors|un|une|ce|cette|"
    r"son|sa|ses|leur|leurs|se|the|and|to|of|for|in|on|with|has|have|is|will|which|that|its|their|an"
)
# "le groupe pharmaceutique marocain X", "le Groupement d'Intérêt Public français X", "d'intérêt général"
_DESC = rf"(?:d['’][\wÀ-ÿ-]+(?:\s+[A-ZÀ-Þ][\wà-ÿ-]+)?|(?:{_NATION})\b|(?!(?:{_FUNCTION})\b)[a-zà-ÿ][\wà-ÿ-]*)"
# a type noun or a nationality, then descriptors: what introduces a name ("le groupe français ... X")
_HEAD = (
    rf"(?P<type>(?i:{_TYPES})|(?:{_NATION})\b|[A-Z][\w]*-based)(?P<desc>(?:\s+{_DESC}){{0,5}})\s+"
    r"(?P<of>(?:de la|de l['’]|de|du|des|d['’])\s*)?"
)
LATIN = re.compile(
    rf"\b(?P<link>avec|et|entre|with|and|between)\s+(?:(?:la|le|les|l'|l’|the|an|a)\s*)?"
    rf"(?:{_HEAD}|(?<=with )(?:[a-z]+\s+){{0,2}}(?=[A-Z]))?{_NAME}"
)
# "L'Université X (UX) et la Fondation ... ont signé": the name just before "et" + a family mention
LATIN_BEFORE = re.compile(
    rf"(?:{_HEAD})?{_NAME}(?:\s*\([^)]{{1,20}}\))?,?\s+(?:et|and)\s+(?:la |le |les |l['’]|the )?$"
)
_VERBS = r"(?:sign|paraph|scell|conclu|inked|sealed|annonc|announc|établi|nou[ée])"
SUBJECT_FIRST = re.compile(
    rf"^(?:[^\n]{{0,40}}?\s[—–-]+\s+)?(?:La |Le |Les |L['’]|The )?(?:{_HEAD})?{_NAME}"
    rf"(?:\s*\([^)]{{1,20}}\))?,?\s+(?:a |ont |has |have )?{_VERBS}"
)
_ARTICLE = re.compile(r"^(?:La|Le|Les|L['’]|The)\s*")
BETWEEN = re.compile(r"\b(?:entre|between)\b", re.I)
_BASED = re.compile(r"^[A-Z][\w-]*-based\s+")
SUBJECT_VERB = re.compile(
    r"\s*(?:\([^)]*\)\s*)?,?\s*(?:ont|have|signent|sign|signed|inked|ink|concluent|scellent|annoncent|"
    r"announce|announced|paraphent|nouent)\b"
)
# "X, présidente de ORG, et Y, directeur de la FM6SS, lors de la signature": parties named through people
_ROLE = (
    r"(?:[Pp]r[ée]sident(?:e)?|[Dd]irect(?:eur|rice)(?: g[ée]n[ée]ral(?:e)?| d[ée]l[ée]gu[ée]e?)?|PDG|DG|CEO|"
    r"[Ff]ondat(?:eur|rice)|[Ss]ecr[ée]taire g[ée]n[ée]ral(?:e)?|"
    r"[Aa]dministrat(?:eur|rice) d[ée]l[ée]gu[ée]e?|"
    r"[Cc]hairman|[Ff]ounder|[Dd]irector(?: [Gg]eneral)?|[Mm]anaging [Dd]irector|[Cc]hief [Ee]xecutive)"
)
_OF = r"\s+(?:de la |de l['’]|du |des |de |d['’]|of the |of )"
AFFILIATION = re.compile(
    rf",\s+(?:le |la |l['’]|the )?(?:vice-|co-)?{_ROLE}{_OF}(?P<name>[A-ZÀ-Þ][^,;()«»]{{1,60}}?)"
    rf"(?=\s*(?:[,;()]|$)|\s+(?:et|and)\s+(?:vice-|co-)?{_ROLE}|\s+(?:lors|au|à|during|at)\b)"
)
AFFILIATED = re.compile(rf"{_ROLE}{_OF}\s*$")
PRESENCE = re.compile(
    r"\ben pr[ée]sence\b|\bin the presence\b|\bsous la pr[ée]sidence\b|\bpr[ée]sid[ée]e? par\b"
)
ACRONYM = re.compile(r"\s*\((?P<acronym>[A-Z][A-Za-z0-9&.-]{1,11})\)")
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
    for m in LATIN.finditer(sentence):
        start, ref = _named(m, sentence, offset)
        # the span as written: a name the catalogue knows under a longer one must not seem to overlap
        if _overlaps(start, offset + m.end("name"), known) or not _plausible(ref.name, m["type"]):
            continue
        if (
            m["link"] in ("et", "and")
            and not m["type"]
            and not SUBJECT_VERB.match(sentence[m.end() :])
            and not BETWEEN.search(sentence[: m.start()])
        ):
            continue  # "A et B" only names an organization B when B is a subject of the signing
        out.append((start, ref))
    return out + _affiliations(sentence, known, offset) + find_arabic_partners(sentence, known, offset)


def _affiliations(sentence: str, known: list[Mention], offset: int) -> list[tuple[int, OrgRef]]:
    """A signing told through its signers ("X, directeur de la FM6SS, et Y, présidente de ORG"): their
    organizations are the parties, when a family entity is named that way too; guests after "en
    présence de" are not."""
    presence = PRESENCE.search(sentence)
    text = sentence[: presence.start()] if presence else sentence
    if not any(
        k.org.family and 0 <= k.start - offset <= len(text) and AFFILIATED.search(text[: k.start - offset])
        for k in known
    ):
        return []
    out: list[tuple[int, OrgRef]] = []
    for m in AFFILIATION.finditer(text):
        name = m["name"].strip(" .'’")
        start = offset + m.start("name")
        if not _overlaps(start, start + len(name), known) and _plausible(name, None):
            out.append((start, unknown_org(name, kind_of(name.split()[0]))))
    return out


def _named(m: re.Match[str], sentence: str, offset: int) -> tuple[int, OrgRef]:
    """The organization a match names, with the kind, country and acronym its introduction gives."""
    start, name = m.start("name"), m["name"].strip(" .,'’«»")
    head, desc = m["type"] or "", m["desc"] or ""
    if head[:1].isupper() and kind_of(head) and (m["of"] or not desc.strip()):
        # "l'Université de Montréal": the noun is part of the name; "le Groupement ... français X": not
        start, name = m.start("type"), sentence[m.start("type") : m.end("name")].strip(" .,'’")
    article = _ARTICLE.match(name) if m.re is LATIN_BEFORE else None
    if article:
        start, name = start + article.end(), name[article.end() :]
    acronym = ACRONYM.match(sentence, m.end("name"))
    # "the French insurer X": the first type noun among the descriptors, or the name's own first word
    kind = kind_of(head) or next(filter(None, map(kind_of, [*desc.split(), *name.split()[:1]])), None)
    ref = unknown_org(_BASED.sub("", name), kind)
    found = {"country": country_of(f"{head} {desc}"), "acronym": acronym["acronym"] if acronym else None}
    return offset + start, ref.model_copy(update={k: v for k, v in found.items() if v})


def _before_family(sentence: str, known: list[Mention], offset: int) -> list[tuple[int, OrgRef]]:
    matches: list[re.Match[str]] = []
    first = SUBJECT_FIRST.match(sentence)
    if first and any(k.org.family for k in known):
        matches.append(first)
    for mention in known:
        if mention.org.family and 0 <= mention.start - offset <= len(sentence):
            m = LATIN_BEFORE.search(sentence[: mention.start - offset])
            matches += [m] if m else []
    found = [(m, *_named(m, sentence, offset)) for m in matches]
    return [
        (start, ref)
        for m, start, ref in found
        if not _overlaps(start, offset + m.end("name"), known) and _plausible(ref.name, None)
    ]


def _overlaps(start: int, end: int, known: list[Mention]) -> bool:
    return any(start < k.end and k.start < end for k in known)


def _plausible(name: str, type_noun: str | None) -> bool:
    if not name.split():
        return False
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
