"""The cheap first look at a fetched page (step 5, before extraction): could it concern the family at all?

Most pages a crawl fetches are unrelated news. Full extraction (main text, language, organizations,
agreements, fingerprints) costs milliseconds a page; this check costs a fraction of that and reads the
whole page, boilerplate included, so it can only err on the side of passing a page on:

- any name, variant or acronym of a family entity in the organizations file (the names the matcher knows);
- an organization noun followed by "Mohammed VI" in any spelling (what the matcher's misspelling and
  ambiguous-name passes start from), or "Mohammed VI" followed by such a noun;
- the words family names are built from ("sciences de la santé", "health sciences", "للعلوم والصحة", …),
  so that a misspelled name around them still reaches the matcher.

A page that fails all three cannot give a family mention to the matcher, so it cannot be relevant.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import ahocorasick

from services.bus import text as bus_text
from services.parser.orgs import catalog

# Scripts (but JSON-LD, which may carry the article body), styles and comments hold no words a reader sees.
# The specification of `strip_hidden`, which gives the same text faster (the tests compare the two).
_HIDDEN = re.compile(
    r"<script(?![^>]*ld\+json)[^>]*>.*?</script\s*>|<style[^>]*>.*?</style\s*>|<!--.*?-->",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^>]*>")

_NAME = r"(?:m[ou]{0,2}h?am+[ae]d|محمد) (?:vi|6|السادس)"
_NOUN = (
    r"(?:fondation|foundation|universite|university|centre|center|academie|academy|hopital|hospital|"
    r"institut|institute|ecole|school|clinique|clinic|[وبلف]?(?:ال)?(?:مؤسسه|جامعه|مركز|مستشفي|اكاديميه|معهد))"
)
_FAMILY_SHAPED = re.compile(rf" {_NOUN}(?: [^ ]+){{0,3}} {_NAME} | {_NAME} {_NOUN} ")
# What family names are made of, for names misspelled beyond the catalogue's variants.
_STEMS = (
    "sciences et de la sante",
    "sciences de la sante",
    "science et de la sante",
    "science and health",
    "sciences and health",
    "health sciences",
    "للعلوم والصحه",
    "لعلوم الصحه",
    "cheikh khalifa",
    "الشيخ خليفه",
)


# `_HIDDEN` in two steps: find an opening, then its end with a plain search. One pattern with a lazy `.*?`
# tried the end at every character of a script (0.4 ms on a 33 KB page with a 15 KB script; now 0.05).
# The "<" outside the named groups: the engine then scans for it, instead of trying each group everywhere.
_OPEN = re.compile(
    r"<(?:(?P<script>script(?![^>]*ld\+json)[^>]*>)|(?P<style>style[^>]*>)|(?P<comment>!--))", re.IGNORECASE
)
_END = {
    "script": re.compile(r"</script\s*>", re.IGNORECASE),
    "style": re.compile(r"</style\s*>", re.IGNORECASE),
    "comment": re.compile(r"-->"),
}


def strip_hidden(page: str) -> str:
    """What `_HIDDEN.sub(" ", page)` gives: each script (but JSON-LD), style and comment, from its
    opening to the first end after it, becomes a space; an opening with no end is left as it is."""
    out: list[str] = []
    pos = 0
    unended: set[str] = set()  # no end after some point: none after any later point either
    while (found := _OPEN.search(page, pos)) is not None:
        key = found.lastgroup
        assert key is not None
        end = None if key in unended else _END[key].search(page, found.end())
        if end is None:
            unended.add(key)
            out.append(page[pos : found.start() + 1])
            pos = found.start() + 1
            continue
        out.append(page[pos : found.start()])
        out.append(" ")
        pos = end.end()
    out.append(page[pos:])
    return "".join(out)


def words(page: str) -> str:
    """The page's words as a reader sees them: markup, scripts, styles and comments dropped."""
    text = _TAG.sub(" ", strip_hidden(page))
    return html.unescape(text) if "&" in text else text


def fold(text: str) -> str:
    """Folded like the catalogue's aliases (the bus's rule), padded with spaces."""
    return f" {bus_text.fold(text)} "


def quick_fold(page: str) -> str:
    return fold(words(page))


@lru_cache(maxsize=1)
def _keys() -> ahocorasick.Automaton:
    """Family names, but the short all-capital acronyms, which the matcher takes only in capitals."""
    automaton = ahocorasick.Automaton()
    for folded, alias in catalog().aliases.items():
        if alias.org.family and not alias.caps_only:
            automaton.add_word(f" {folded} ", folded)
    for stem in _STEMS:
        automaton.add_word(f" {stem} ", stem)
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=1)
def _acronyms() -> re.Pattern[str]:
    """The family's short acronyms as the matcher takes them: in capitals, as whole words."""
    names = sorted(
        {a.folded.upper() for a in catalog().aliases.values() if a.org.family and a.caps_only},
        key=len,
        reverse=True,
    )
    spelled = (r"[\W_]*".join(map(re.escape, name.split())) for name in names)  # "FM6 SS": FM6-SS, FM6 SS
    return re.compile(r"(?<!\w)(?:" + "|".join(spelled) + r")(?!\w)")


def may_concern_family(*texts: str | None) -> bool:
    """False only when no text could give the matcher a family mention (see the module's rules)."""
    seen = [words(t) for t in texts if t]
    if any(_acronyms().search(t) for t in seen):
        return True
    folded = " ".join(fold(t) for t in seen)
    if any(True for _ in _keys().iter(folded)):
        return True
    return _FAMILY_SHAPED.search(folded) is not None


__all__ = ["may_concern_family", "quick_fold"]
