"""Proper names compared across scripts: the consonant skeleton that an Arabic and a Latin spelling of one
name share (لحجمري / Lahjomri). The parser keys unknown organizations' proper names with it and the store
compares signatories' names with `person_key`, so both sides must build it the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

from services.bus.text import fold

# Titles and honorifics written before a name: they are not part of who the person is.
TITLES = frozenset(
    (
        *("m", "mme", "mlle", "mr", "mrs", "ms", "dr", "pr", "prof", "professeur", "professor", "docteur"),
        *("me", "sir", "monsieur", "madame", "السيد", "السيده", "الدكتور", "الدكتوره", "البروفيسور"),
        *("الاستاذ", "الاستاذه", "د", "ذ"),
    )
)
_ARTICLES = frozenset(("al", "el", "ال"))
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# Latin spellings of one Arabic sound, and letters Arabic has no sign for (p, v), in the order they apply:
# digraphs first, then the single letters. "tech" is English: its ch is a k (تك), not the French ch (ش).
_LATIN = (
    ("tech", "tek"),
    ("sch", "S"),
    ("ch", "S"),
    ("sh", "S"),
    ("kh", "k"),
    ("gh", "j"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("ou", "u"),
)
_CE = re.compile(r"c(?=[eiy])")
_SINGLE = str.maketrans({"c": "k", "q": "k", "g": "j", "p": "b", "v": "f", "x": "ks"})
_VOWELS = re.compile(r"[aeiouyw'`\W_]")
_DOUBLE = re.compile(r"(.)\1+")
_ABD = re.compile(r"^(?:abd(?:el|al|oul|ul|ou)|عبدال)(?=\w{2})")


def _strip_article(word: str) -> str:
    """A word without its article: الرازق / El-Razik / Abdelrazik all keep only what follows."""
    if word.startswith("ال") and len(word) > 3:
        return word[2:]
    if (m := _ABD.match(word)) is not None:
        return "abd" + word[m.end() :] if word.isascii() else "عبد" + word[m.end() :]
    return word


@lru_cache(maxsize=8192)
def skeleton(word: str) -> str:
    """One folded word's consonants, spelled the same from Arabic and from Latin script: vowels, w, y and a
    final h (ة) fall, letters Arabic writes one way fold together (p/b, v/f, g/j, c/k/q, ch/sh)."""
    word = _strip_article(word)
    latin = anyascii(word).lower() if _ARABIC.search(word) else word
    for a, b in _LATIN:
        latin = latin.replace(a, b)
    latin = _CE.sub("s", latin).translate(_SINGLE)
    latin = re.sub(r"(?<=\w)h$", "", latin)
    return _DOUBLE.sub(r"\1", _VOWELS.sub("", latin)).replace("S", "x")


def person_key(name: str) -> str:
    """A person's name as a key that its Arabic and Latin spellings share: titles and articles dropped, the
    skeletons of its words joined (بنعبد الرازق and Ben Abderrazak agree whatever the word breaks)."""
    words = [w for w in fold(name).split() if w not in TITLES and w not in _ARTICLES]
    key = "".join(skeleton(w) for w in words)
    return _DOUBLE.sub(r"\1", key) or "-".join(words)
