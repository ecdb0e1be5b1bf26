"""Text folding every service agrees on: case, accents, Arabic diacritics and punctuation removed.

Used for keys and hashes (the parser's text hash, the store's person keys and search text), so that one
name or one text gives one key whatever service computes it.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640]")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _ARABIC_MARKS.sub("", text.casefold())
    return " ".join(_NON_WORD.sub(" ", text).split())
