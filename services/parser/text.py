"""Text primitives for agreement extraction (step 5): folding for matching, sentences, boilerplate.

The folding rule is the bus's (`services.bus.text`), so the parser's keys are the store's; on top of it
the parser keeps a map from each folded character back to the original text, so matches found on folded
text can be reported as the words the article wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from services.bus import text as bus_text
from services.bus.text import fold_char


@dataclass(frozen=True)
class Folded:
    """Folded text (single spaces between words) and, per folded character, its original offset."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded characters [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


def fold_with_map(text: str) -> Folded:
    table = {ord(c): fold_char(c) for c in set(text)}
    if all(len(v) == 1 for v in table.values()):
        return _collapse(text.translate(table))
    return _fold_slowly(text)


def _collapse(mapped: str) -> Folded:
    """Single-spaced words of a character-for-character folding, with each one's original offset."""
    words: list[str] = []
    origin: list[int] = []
    for m in re.finditer(r"[^ ]+", mapped):
        if words:
            origin.append(m.start() - 1)
        words.append(m.group())
        origin.extend(range(m.start(), m.end()))
    return Folded(" ".join(words), tuple(origin))


def _fold_slowly(text: str) -> Folded:
    chars: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        for c in fold_char(char):
            if c == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(c)
            origin.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return Folded("".join(chars), tuple(origin))


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """The bus's folding, cached: every extractor folds the same sentences."""
    return bus_text.fold(text)


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    text: str
    paragraph: int


_BOUNDARY = re.compile(
    r"(?<=[.!?؟»\"])\s+(?=[«\"A-ZÀ-ÖØ-Þ\u0600-\u06ff0-9])|(?<=[.!?؟])(?=[A-ZÀ-Þ\u0600-\u06ff])"
)
_ABBREV = re.compile(r"(?:\b(?:M|Mme|Mr|Dr|Pr|St|Me|Prof|av|J\.-C|n°|No|cf|etc|p)\.)$")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets; paragraph breaks always end a sentence."""
    out: list[Sentence] = []
    for p_index, para in enumerate(re.finditer(r"[^\n]+", text)):
        start = para.start()
        pieces = _split_paragraph(para.group())
        offset = 0
        for piece in pieces:
            at = para.group().index(piece, offset)
            offset = at + len(piece)
            if piece.strip():
                out.append(Sentence(len(out), start + at, piece, p_index))
    return out


def _split_paragraph(para: str) -> list[str]:
    pieces: list[str] = []
    last = 0
    for m in _BOUNDARY.finditer(para):
        candidate = para[last : m.start()]
        if _ABBREV.search(candidate.rstrip()):
            continue
        pieces.append(candidate)
        last = m.end()
    pieces.append(para[last:])
    return [c.strip() for p in pieces for c in _CLAUSE.split(p) if c.strip()]


# Two signings reported in one sentence ("A a signé ..., tandis que B et C ont paraphé ...") are two clauses.
_CLAUSE = re.compile(
    r"(?<=,)\s+(?=(?:tandis que\s|tandis qu['’]|alors que\s|alors qu['’]|while\s|whereas\s))|"
    r"(?<=،)\s+(?=كما\s)"
)


_TAIL_MARKERS = re.compile(
    r"^\s*(?:laisser un commentaire|leave a (?:comment|reply)|previous post|next post|article précédent|"
    r"article suivant|related posts|articles similaires|à lire aussi|lire aussi|read also|read more|"
    r"voir aussi|اقرأ أيضا|اقرأ أيضاً|مقالات ذات صلة|أضف تعليق|اترك تعليقا|اترك تعليقاً|"
    r"votre adresse e-mail ne sera pas publiée|your email address will not be published|"
    r"total\s*$|shares\s*$|partager\s*$|tags?\s*:|mots-clés)",
    re.IGNORECASE,
)


def strip_boilerplate(text: str) -> str:
    """Drop page furniture: "read also" lines, and everything from a comment box or post navigation on."""
    kept: list[str] = []
    for line in text.split("\n"):
        if _TAIL_MARKERS.match(line):
            if re.match(r"^\s*(?:lire aussi|à lire aussi|read also|voir aussi|اقرأ أيضا)", line, re.I):
                continue
            if len(kept) >= 2 and _remaining_is_furniture(kept):
                break
            continue
        kept.append(line)
    return "\n".join(kept)


def _remaining_is_furniture(kept: list[str]) -> bool:
    """Stop at a comment box or navigation only once some article text has been kept."""
    return sum(len(k) for k in kept) > 200
