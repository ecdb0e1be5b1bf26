"""Finds known organizations in an article (step 5): exact aliases, misspellings, then ambiguous names.

Exact matching runs one Aho-Corasick pass over the folded text with word-boundary checks; fuzzy
matching (rapidfuzz) only looks at the uncovered words after an organization noun ("fondation", "جامعة").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
from rapidfuzz import fuzz, process

from services.bus.messages import FOUNDATION_KEY, OrgRef
from services.parser.orgs import Alias, catalog, unknown_org
from services.parser.text import Folded, fold_with_map

ARABIC_PREFIXES = "وبلفك"
TRIGGERS = frozenset(
    (
        *("fondation", "foundation", "universite", "university", "centre", "center", "hopital", "hospital"),
        *("academie", "academy", "agence", "agency", "ministere", "ministry"),
        *("مؤسسه", "جامعه", "مركز", "مستشفي", "المستشفي", "الاكاديميه", "وزاره", "الوكاله"),
    )
)
FUZZY_CUTOFF = 88.0
_AMBIGUOUS_FAMILY = re.compile(
    r"\b(?:fondation mohamm?ed (?:vi|6)|mohamm?ed (?:vi|6) foundation|مؤسسه محمد السادس)\b"
)


@dataclass(frozen=True)
class Mention:
    org: OrgRef
    start: int  # offsets in the original text
    end: int
    how: str  # "exact", "fuzzy" or "context"


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for folded, alias in catalog().aliases.items():
        automaton.add_word(folded, alias)
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=1)
def _fuzzy_choices() -> dict[str, tuple[str, ...]]:
    """Aliases of three words or more, grouped by their first word (the organization noun)."""
    out: dict[str, list[str]] = {}
    for folded in catalog().aliases:
        words = folded.split()
        if len(words) >= 3 and words[0] in TRIGGERS:
            out.setdefault(words[0], []).append(folded)
    return {k: tuple(v) for k, v in out.items()}


def find_mentions(text: str) -> list[Mention]:
    """Every organization mention in `text`, non-overlapping, in text order."""
    folded = fold_with_map(text)
    spans = _exact(folded, text)
    spans += _fuzzy(folded, spans)
    spans += _ambiguous(folded, spans)
    found = [Mention(alias.org.ref(), *folded.span(s, e), how) for s, e, alias, how in spans]
    for m in FOREIGN_BODY.finditer(folded.text):
        if not _covered(m.start(), spans):  # a foreign ministry: a partner of its own, never Morocco's
            start, end = folded.span(m.start(), m.end())
            found.append(Mention(unknown_org(text[start:end], "ministry"), start, end, "pattern"))
    return sorted(found, key=lambda m: m.start)


Span = tuple[int, int, Alias, str]


def _exact(folded: Folded, text: str) -> list[Span]:
    found: list[Span] = []
    for end, alias in _automaton().iter(folded.text):
        start = end - len(alias.folded) + 1
        if not _bounded(folded.text, start, end + 1) or _foreign(folded.text, alias, end + 1):
            continue
        if alias.caps_only:
            o_start, o_end = folded.span(start, end + 1)
            if not text[o_start:o_end].replace(" ", "").isupper():
                continue
        found.append((start, end + 1, alias, "exact"))
    return _non_overlapping(found)


FOREIGN = re.compile(
    r"^(?: [^ ]+){0,8}? (?:du|de|of|d)? ?(?:senegal|mauritanie|mauritania|cote d ivoire|mali|niger|tunisie|"
    r"tunisia|algerie|algeria|egypte|egypt|france|espagne|spain|gabon|congo|cameroun|guinee|tchad|burkina|benin|togo|"
    r"rwanda|kenya|nigeria|ghana|liban|lebanon|jordanie|jordan|senegalais\w*|mauritanien\w*|tunisien\w*|"
    r"السنغال|السنغالية|موريتانيا|الموريتانية|تونس|التونسية|الجزائر|الجزائرية|مصر|المصرية|فرنسا|الفرنسية)\b"
)


FOREIGN_BODY = re.compile(
    r"\b(?:ministere|ministry|وزاره)(?: [^ ]+){1,8}?" + FOREIGN.pattern[len("^(?: [^ ]+){0,8}?") :]
)


def _foreign(s: str, alias: Alias, end: int) -> bool:
    """ "Ministère de la Santé ... du Sénégal": a short Moroccan alias that names a foreign body."""
    if alias.org.country != "MA" or alias.org.kind not in ("ministry", "agency"):
        return False
    return FOREIGN.match(" " + " ".join(s[end:].split()[:10])) is not None


def _bounded(s: str, start: int, end: int) -> bool:
    if end < len(s) and s[end] != " ":
        return False
    if start == 0 or s[start - 1] == " ":
        return True
    # Arabic clitics written onto the name: "ومؤسسة", "بوزارة", "لجامعة", "للمؤسسة"
    head = s[:start].rsplit(" ", 1)[-1]
    return 0 < len(head) <= 2 and all(c in ARABIC_PREFIXES for c in head)


def _non_overlapping(found: list[Span]) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
        if all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
            kept.append(span)
    return kept


def _words(s: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", s)]


def _fuzzy(folded: Folded, taken: list[Span]) -> list[Span]:
    choices = _fuzzy_choices()
    words = _words(folded.text)
    found: list[Span] = []
    for i, (w_start, w_end) in enumerate(words):
        word = folded.text[w_start:w_end]
        key = word[1:] if word[0] in ARABIC_PREFIXES and word[1:] in choices else word
        if key not in choices or _covered(w_start, taken + found):
            continue
        best = _best_window(folded.text, words, i, choices[key], taken)
        if best is not None and not _foreign(folded.text, catalog().aliases[best[1]], best[0]):
            end, alias = best
            found.append((w_start, end, catalog().aliases[alias], "fuzzy"))
    return found


def _best_window(
    s: str, words: list[tuple[int, int]], i: int, choices: tuple[str, ...], taken: list[Span]
) -> tuple[int, str] | None:
    best: tuple[float, int, str] | None = None
    for n in range(3, 12):
        if i + n > len(words) or _covered(words[i + n - 1][0], taken):
            break
        window = s[words[i][0] : words[i + n - 1][1]]
        hit = process.extractOne(window, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if hit is not None and (best is None or hit[1] > best[0]):
            best = (hit[1], words[i + n - 1][1], hit[0])
    return (best[1], best[2]) if best else None


def _covered(pos: int, spans: list[Span]) -> bool:
    return any(s <= pos < e for s, e, _, _ in spans)


def _ambiguous(folded: Folded, taken: list[Span]) -> list[Span]:
    """A bare "Fondation Mohammed VI" is FM6SS only when the article names its family and no namesake."""
    family = any(a.org.family for _, _, a, _ in taken)
    namesakes = {
        a.org.key for _, _, a, _ in taken if not a.org.family and "mohammed" in fold_name(a.org.name)
    }
    if not family or namesakes:
        return []
    alias = catalog().aliases[fold_name(catalog().orgs[FOUNDATION_KEY].name)]
    out: list[Span] = []
    for m in _AMBIGUOUS_FAMILY.finditer(folded.text):
        if not _covered(m.start(), taken):
            out.append((m.start(), m.end(), alias, "context"))
    return out


def fold_name(name: str) -> str:
    return fold_with_map(name).text
