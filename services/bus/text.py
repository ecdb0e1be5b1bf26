"""Text folding every service agrees on, character by character: case, accents, Arabic marks and letter
variants, digits and punctuation. Keys and hashes (organization and person keys, the text hash, matched
names) are built on it, so one name or one text gives one key whatever service computes it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Harakat, hamza marks, superscript alef and Quranic annotation marks: what a writer may or may not add.
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed]")
# Letters written either way for one word: teh marbuta and heh at a word's end (الاتفاقية / الاتفاقيه),
# alef maqsura and yeh, alef wasla and alef (hamzated alefs fall to alef through NFKD), the Persian
# keyboard's yeh and keheh; tatweel only stretches a word. Ligatures spelled out.
_SPECIAL = {
    "œ": "oe",
    "æ": "ae",
    "ß": "ss",
    "ة": "ه",
    "ى": "ي",
    "ٱ": "ا",
    "ی": "ي",
    "ک": "ك",
    "ـ": "",
    "ı": "i",  # dotless i: a Turkish letter, and a look-alike of i in Latin names
}
# Greek and Cyrillic letters, some of which look like Latin ones (е, а, о, р, с, α, ο, ν).
_LOOKALIKE_SCRIPTS = re.compile(r"[\u0370-\u03ff\u0400-\u052f]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character folded: lower case, no accent or Arabic mark, one spelling of Arabic letters that are
    written two ways, digits of any script as ASCII digits; anything else not a letter or digit is a space."""
    if unicodedata.category(char) == "Cf":  # soft hyphen, zero-width and bidi marks: not part of a word
        return ""
    low = char.casefold()
    if low in _SPECIAL:
        return _SPECIAL[low]
    out = []
    for c in unicodedata.normalize("NFKD", low):
        if unicodedata.combining(c) or _ARABIC_MARKS.match(c):
            continue
        c = _SPECIAL.get(c, c)
        if c.isdigit() and not c.isascii():
            c = str(unicodedata.decimal(c, "")) or c  # ٢٠٢٤ and ۲۰۲۴ read as 2024
        out.append(c if c.isalnum() else " ")
    return "".join(out)


@lru_cache(maxsize=1024)
def _latin_lookalike(char: str) -> str:
    """The Latin letter a Greek or Cyrillic one is drawn like (Unicode's confusables), or the letter."""
    from confusable_homoglyphs import confusables  # its tables load only when a text needs them

    for entry in confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"]) or ():
        for glyph in entry["homoglyphs"]:
            if len(glyph["c"]) == 1 and glyph["c"].isascii() and glyph["c"].isalpha():
                return str(glyph["c"])
    return char


def fold(text: str) -> str:
    """The text folded, its words separated by single spaces. In a text written in Latin letters, a Greek
    or Cyrillic letter drawn like a Latin one is that Latin letter ("Omеga" with a Cyrillic е is Omega)."""
    table = {ord(c): fold_char(c) for c in set(text)}
    if _LOOKALIKE_SCRIPTS.search(text) and _LATIN_LETTER.search(text):
        for c in set(_LOOKALIKE_SCRIPTS.findall(text)):
            table[ord(c)] = fold_char(_latin_lookalike(c))
    return " ".join(text.translate(table).split())
