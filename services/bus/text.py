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
}


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character folded: lower case, no accent or Arabic mark, one spelling of Arabic letters that are
    written two ways, digits of any script as ASCII digits; anything else not a letter or digit is a space."""
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


def fold(text: str) -> str:
    """The text folded, its words separated by single spaces."""
    return " ".join(text.translate({ord(c): fold_char(c) for c in set(text)}).split())
