"""Language of an extracted article text (HTML page → article text → language → relevance).

Arabic script is recognised by counting letters, which is cheaper and surer than a model on
short Arabic texts; everything else goes to py3langid.
"""

from __future__ import annotations

import py3langid

# Letters used by Persian and Urdu but not by Arabic: their presence means "let the model decide".
_NON_ARABIC_LETTERS = frozenset("پچژگکیۀےٹڈڑں")
_SAMPLE_CHARS = 4000  # the model's answer settles well before this; keeps long pages cheap


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text` ("fr", "ar", "en"...), or None when it holds no letters."""
    sample = text[:_SAMPLE_CHARS]
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return None
    arabic = sum(1 for c in letters if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f")
    if arabic * 2 > len(letters) and not _NON_ARABIC_LETTERS.intersection(sample):
        return "ar"
    lang, _score = py3langid.classify(sample)
    return str(lang)
