"""The family prefilter, shared: could a text concern the family at all? The parser asks it of a fetched
page before extraction (step 5); the crawler asks it of a news-search item's title before spending
requests to resolve its link (step 2). Both read the family's names from one organizations file, which
lives here because both services need it (`data/organizations.yaml`; the parser's catalogue reads it too).

It can only err on the side of passing a text on:

- any name, variant or acronym of a family entity in the organizations file (the names the matcher knows);
- an organization noun followed by "Mohammed VI" in any spelling (what the matcher's misspelling and
  ambiguous-name passes start from), or "Mohammed VI" followed by such a noun;
- the words family names are built from ("sciences de la santé", "health sciences", "للعلوم والصحة", …),
  so that a misspelled name around them still reaches the matcher.

A text that fails all three cannot give a family mention to the matcher, so it cannot be relevant.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import ahocorasick
import yaml

from services.bus import text as bus_text

# Scripts (but JSON-LD, which may carry the article body), styles and comments hold no words a reader sees.
# The specification of `strip_hidden`, which gives the same text faster (the tests compare the two).
HIDDEN = re.compile(
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

# `HIDDEN` in two steps: find an opening, then its end with a plain search. One pattern with a lazy `.*?`
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
    """What `HIDDEN.sub(" ", page)` gives: each script (but JSON-LD), style and comment, from its
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


def spelling_variants(folded: str) -> set[str]:
    """The usual transliteration and spacing variants of one folded alias."""
    out = {folded}
    for a, b in (("mohammed", "mohamed"), ("mohammed", "muhammad"), ("mohammed", "mohammad")):
        out |= {v.replace(a, b) for v in out}
    out |= {re.sub(r"\bvi\b", "6", v) for v in out}
    out |= {v.replace(" و ", " و") for v in out} | {re.sub(r" و(?=\S)", " و ", v) for v in out}
    out |= {"لل" + v[2:] for v in out if v.startswith("ال")}  # "للوكالة": the article's alef drops after "ل"
    return out


def caps_only(alias: str) -> bool:
    """A short all-capital acronym: the matcher takes it only where the text writes it in capitals."""
    letters = [c for c in alias if c.isalpha()]
    return len(alias) <= 6 and bool(letters) and all(c.isupper() for c in letters)


def entry_names(entry: Mapping[str, Any]) -> list[str]:
    """An organizations file entry's names: its name, aliases (fr, en, ar) and acronym, in that order."""
    aliases: list[str] = []
    for lang in ("fr", "en", "ar"):
        aliases.extend(str(a) for a in (entry.get("aliases") or {}).get(lang) or [])
    name = str(entry["name"])
    kept = [a for a in dict.fromkeys(aliases) if a != name]
    return [name, *kept, *([str(entry["acronym"])] if entry.get("acronym") else [])]


def organizations_document() -> dict[str, Any]:
    """The packaged organizations file, parsed."""
    raw = resources.files("services.bus").joinpath("data/organizations.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(raw)
    return document


class FamilyPrefilter:
    """The check over a given set of family names: (folded alias, caps only) pairs."""

    def __init__(self, names: Iterable[tuple[str, bool]]) -> None:
        self.names = tuple(dict.fromkeys(names))

    @cached_property
    def _keys(self) -> ahocorasick.Automaton:
        """Family names, but the short all-capital acronyms, which the matcher takes only in capitals."""
        automaton = ahocorasick.Automaton()
        for folded, caps in self.names:
            if not caps:
                automaton.add_word(f" {folded} ", folded)
        for stem in _STEMS:
            automaton.add_word(f" {stem} ", stem)
        automaton.make_automaton()
        return automaton

    @cached_property
    def _acronyms(self) -> re.Pattern[str]:
        """The family's short acronyms as the matcher takes them: in capitals, as whole words."""
        names = sorted({folded.upper() for folded, caps in self.names if caps}, key=len, reverse=True)
        spelled = (r"[\W_]*".join(map(re.escape, name.split())) for name in names)  # FM6-SS, FM6 SS
        return re.compile(r"(?<!\w)(?:" + "|".join(spelled) + r")(?!\w)")

    def may_concern_family(self, *texts: str | None) -> bool:
        """False only when no text could give the matcher a family mention (see the module's rules)."""
        seen = [words(t) for t in texts if t]
        if any(self._acronyms.search(t) for t in seen):
            return True
        folded = " ".join(fold(t) for t in seen)
        if any(True for _ in self._keys.iter(folded)):
            return True
        return _FAMILY_SHAPED.search(folded) is not None


def family_names(document: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """The family's (folded alias, caps only) pairs of an organizations document, as the parser's
    catalogue keys them: every organization's variants in file order, the first to claim one keeps it."""
    claimed: dict[str, tuple[bool, bool]] = {}  # variant -> (family, caps only)
    for entry in document["organizations"]:
        family = bool(entry.get("family", False))
        for name in entry_names(entry):
            caps = caps_only(name)
            for variant in spelling_variants(bus_text.fold(name)):
                if len(variant) >= 2:
                    claimed.setdefault(variant, (family, caps))
    return [(variant, caps) for variant, (family, caps) in claimed.items() if family]


@lru_cache(maxsize=1)
def packaged() -> FamilyPrefilter:
    """The prefilter over the packaged organizations file; built on first use, then kept."""
    return FamilyPrefilter(family_names(organizations_document()))
