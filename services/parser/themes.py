"""What an agreement is about (step 5): themes from the controlled vocabulary in `data/themes.yaml`.

A theme is reported when one of its French, Arabic or English cues starts a word of the agreement's
sentences; the vocabulary file documents every theme and its cues.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import accumulate

import yaml

from services.parser.text import fold


@dataclass(frozen=True)
class ThemeFinding:
    value: str
    sentence: str
    confidence: float


@lru_cache(maxsize=1)
def vocabulary() -> tuple[tuple[str, re.Pattern[str]], ...]:
    raw = resources.files("services.parser").joinpath("data/themes.yaml").read_text("utf-8")
    out: list[tuple[str, re.Pattern[str]]] = []
    for theme in yaml.safe_load(raw)["themes"]:
        cues = {fold(str(c)) for lang in ("fr", "ar", "en") for c in theme.get(lang) or []}
        # short cues ("ia", "amo") must be whole words; longer ones may start a word
        long = "|".join(sorted((re.escape(c) for c in cues if len(c) > 3), key=len, reverse=True))
        short = "|".join(re.escape(c) for c in cues if len(c) <= 3) or "(?!)"
        pattern = rf"(?:^| |\n)(?:و|ب|ل|ال|وال|بال|لل)?(?:(?:{long})|(?:{short})(?=[ \n]|$))"
        out.append((str(theme["id"]), re.compile(pattern)))
    return tuple(out)


def find_themes(sentences: Sequence[str]) -> list[ThemeFinding]:
    """Themes in vocabulary order, each with the first sentence that cued it."""
    folded = [fold(s) for s in sentences]
    starts = list(accumulate((len(f) + 1 for f in folded), initial=0))
    joined = "\n".join(folded)  # one search per theme over the whole text, not one per sentence
    found: list[ThemeFinding] = []
    for theme_id, pattern in vocabulary():
        m = pattern.search(joined)
        if m:
            index = bisect_right(starts, m.end() - 1) - 1
            found.append(ThemeFinding(theme_id, sentences[index], 0.6))
    return found
