"""Boilerplate lines around and inside an extracted news text (HTML page → article text → relevance).

The extractor keeps whole blocks; these line rules remove what the blocks still carry: the repeated
headline, a date stamp, "Read more:" cross-links, newsletter and copyright lines.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
# Lines that close (or open) a news text without being part of it, in the project's languages.
_BOILERPLATE_LINE = re.compile(
    r"^\W*(\d+\s+)?comments?\W*$|©|\bcopyright\b|all rights reserved|tous droits réservés"
    r"|جميع الحقوق محفوظة|\bsign up\b|\bsubscribe\b|newsletter|abonnez-vous|inscrivez-vous"
    r"|share (it|this)|partager|you may also like|related (articles|posts|stories)\W*$"
    r"|^\W*(à )?lire (aussi|également)|^\W*read (more|also)\b|^\W*اقرأ أيضا"
    r"|\breading time\b|temps de lecture|tempo de leitura|\bmin(ute)?s? read\b",
    re.IGNORECASE,
)
# Cross-links the page slips into the text: a label line ("DON'T MISS") heads a run of headlines,
# a label with a colon ("Read more: ...") introduces one headline.
_PROMO_LABEL = (
    r"related( posts?| articles?| stories| content)?|read (more|also)|see (more|also)|more|also"
    r"|don'?t miss|you (may|might) also like|most read\b.*|popular on\b.*|explore further|tags"
    r"|filed under|(à )?lire (aussi|également)|voir aussi|à voir (aussi)?|sur le même sujet"
    r"|leggi anche|lesen sie auch|ا?قرأ أيضا|اقرأ أيضًا|إقرأ أيضا|شاهد أيضا|مواضيع ذات صلة"
)
_PROMO_HEADER = re.compile(rf"^\W*({_PROMO_LABEL})\W*$", re.IGNORECASE)
_PROMO_LINE = re.compile(rf"^\W*({_PROMO_LABEL})\s*:", re.IGNORECASE)
_HEADLINE_MAX_CHARS = 130
LINK_MIN_CHARS = 15  # shorter link texts ("Rabat", "OMS") also occur inside real sentences
_BOILERPLATE_MAX_CHARS = 220  # a long paragraph that mentions "newsletter" is still article text
# Lines trimmed from the end at most: a closing teaser is a handful of links (6 at most on the
# benchmark's 181 pages); a page of thousands of links would otherwise cost lines x links tests.
_TAIL_MAX_LINES = 30
# A byline-like stamp above the text ("Updated: Tue., Nov. 19, 2019", "Publié le 12/03/2024 à 10h30").
_STAMP_LINE = re.compile(
    r"^\W*(\d|(last )?updated|published|posted|publié|mis à jour|نشر|آخر تحديث|تاريخ"
    r"|(mon|tue|wed|thu|fri|sat|sun)\w*\b|(lun|mar|mercre|jeu|vendre|same|diman)di\b|\w+-feira\b)"
    r".*\d",
    re.IGNORECASE,
)
_STAMP_MAX_CHARS = 60


def strip_boilerplate(text: str, titles: list[str], links: frozenset[str] = frozenset()) -> str:
    """Drop the headline repeated at the top, stamps and boilerplate at either end, and cross-links.

    `titles` are the page's headline candidates and `links` the texts of its longer links, both
    already passed through `words`.
    """
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    while lines and (_is_title(lines[0], titles) or _is_boilerplate(lines[0]) or _is_stamp(lines[0])):
        lines.pop(0)
    lines = _drop_promos(lines)
    tail = 0
    while (
        len(lines) > 1
        and tail < _TAIL_MAX_LINES
        and (_is_boilerplate(lines[-1]) or _is_link(lines[-1], links))
    ):
        lines.pop()
        tail += 1
    return "\n".join(lines)


def _drop_promos(lines: list[str]) -> list[str]:
    kept: list[str] = []
    in_block = False
    for line in lines:
        if _PROMO_HEADER.match(line):
            in_block = True
        elif in_block and len(line) <= _HEADLINE_MAX_CHARS and not line.endswith((".", "!", "?", "»", '"')):
            pass  # one more headline of the block
        elif len(line) <= _HEADLINE_MAX_CHARS and _PROMO_LINE.match(line):
            in_block = False
        else:
            in_block = False
            kept.append(line)
    return kept


def _is_title(line: str, titles: list[str]) -> bool:
    normal = words(line)
    return bool(normal) and any(normal == t or (normal.count(" ") >= 2 and normal in t) for t in titles)


def _is_stamp(line: str) -> bool:
    # A sentence ("2024 sera une année charnière.") ends with a stop; a stamp does not.
    return len(line) <= _STAMP_MAX_CHARS and not line.endswith(".") and _STAMP_LINE.match(line) is not None


def _is_link(line: str, links: frozenset[str]) -> bool:
    """Mostly the text of one link: at the end of an article, a "more stories" teaser."""
    normal = words(line)
    return normal in links or any(len(link) * 2 >= len(normal) and link in normal for link in links)


def _is_boilerplate(line: str) -> bool:
    return len(line) <= _BOILERPLATE_MAX_CHARS and _BOILERPLATE_LINE.search(line) is not None


def words(text: str) -> str:
    """Lower-cased words joined by single spaces: the form lines and titles are compared in."""
    return " ".join(_WORD.findall(text.lower()))
