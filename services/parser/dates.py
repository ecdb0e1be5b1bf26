"""When an agreement was signed (step 5): dates in French, Arabic and English, resolved with a precision.

Explicit dates first, then weekdays (against a dated event range the text pins, else the publication
date), then the publication date itself ("inferred"); never a date the text does not support.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.bus.messages import Precision
from services.parser.text import fold

MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        "janvier january jan يناير جانفي كانون الثاني",
        "fevrier february feb فبراير فيفري شباط",
        "mars march مارس اذار",
        "avril april apr ابريل افريل نيسان",
        "mai may ماي مايو ايار",
        "juin june يونيو جوان حزيران",
        "juillet july يوليوز يوليو جويليه تموز",
        "aout august aug غشت اغسطس اوت اب",
        "septembre september sept sep شتنبر سبتمبر ايلول",
        "octobre october oct اكتوبر تشرين الاول",
        "novembre november nov نونبر نوفمبر تشرين الثاني",
        "decembre december dec دجنبر ديسمبر كانون الاول",
    ),
    start=1,
):
    for _name in re.split(r" (?=[^\u0600-\u06ff]|[\u0600-\u06ff]+(?: |$))", _names):
        MONTHS[_name] = _num
# Two-word Levantine names must win over their first word.
for _two, _num in (("كانون الثاني", 1), ("تشرين الاول", 10), ("تشرين الثاني", 11), ("كانون الاول", 12)):
    MONTHS[_two] = _num
for _one in ("كانون", "تشرين", "الثاني", "الاول"):
    MONTHS.pop(_one, None)

WEEKDAYS = {
    **dict.fromkeys(("lundi", "monday", "الاثنين", "الإثنين"), 0),
    **dict.fromkeys(("mardi", "tuesday", "الثلاثاء"), 1),
    **dict.fromkeys(("mercredi", "wednesday", "الاربعاء"), 2),
    **dict.fromkeys(("jeudi", "thursday", "الخميس"), 3),
    **dict.fromkeys(("vendredi", "friday", "الجمعه"), 4),
    **dict.fromkeys(("samedi", "saturday", "السبت"), 5),
    **dict.fromkeys(("dimanche", "sunday", "الاحد"), 6),
}
RELATIVE = {"hier": -1, "yesterday": -1, "امس": -1, "aujourd hui": 0, "today": 0}

_M = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
_W = "|".join(sorted(map(re.escape, WEEKDAYS), key=len, reverse=True))
_DAY = r"(?P<day>[0-3]?\d)(?:er|st|nd|rd|th)?"
_MONTH = rf"(?P<month>{_M})(?: (?:{_M}))?"
DAY_MONTH_YEAR = re.compile(rf"\b{_DAY} {_MONTH}(?: (?P<year>(?:19|20)\d\d))?\b")
MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH} {_DAY}(?: (?P<year>(?:19|20)\d\d))?\b")
MONTH_YEAR = re.compile(rf"\b{_MONTH} (?P<year>(?:19|20)\d\d)\b")
NUMERIC = re.compile(r"\b(?P<day>[0-3]?\d)([/.-])(?P<month>[01]?\d)\2(?P<year>(?:19|20)\d\d)\b")
ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")
IN_YEAR = re.compile(r"\b(?:en|in|عام|سنه|سنة) (?P<year>(?:19|20)\d\d)\b")
WEEKDAY = re.compile(rf"(?:^| )(?:[وب])?(?P<weekday>{_W})\b")
RANGE = re.compile(
    rf"\b(?P<d1>[0-3]?\d)(?:er)? (?:au|a|to|and|et|الى|الي|و|"
    rf"-) (?P<d2>[0-3]?\d) {_MONTH}(?: (?P<year>(?:19|20)\d\d))?"
)
DATELINE = re.compile(r"^[^\n.]{0,40}?\b\d{1,2}\s+\S+(?:\s+\d{4})?\s*(?:\([^)]{1,15}\))?\s*[-–—]{1,2}\s")
ANY_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True)
class DateFinding:
    value: date
    precision: Precision
    sentence: str
    confidence: float


def find_signing_date(
    signing: Sequence[str], article: Sequence[str], published: date | None
) -> DateFinding | None:
    """The signing date told by the signing sentences, read against the article and its publication date."""
    years = _context_years(article, published)
    signing = [DATELINE.sub("", s) for s in signing]  # a dateline's date is the report's, not the signing's
    for sentence in signing:
        found = _explicit(sentence, published, years)
        if found:
            return found
    for sentence in signing:
        found = _weekday(sentence, article, published) or _relative(sentence, published)
        if found:
            return found
    if published is not None:
        return DateFinding(published, "inferred", signing[0] if signing else "", 0.4)
    return None


def _plausible(value: date, published: date | None) -> bool:
    return published is None or value <= published + timedelta(days=2)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _explicit(sentence: str, published: date | None, years: list[int]) -> DateFinding | None:
    text = fold(sentence)
    for m in ISO.finditer(sentence):
        value = _make(int(m["year"]), int(m["month"]), int(m["day"]))
        if value and _plausible(value, published):
            return DateFinding(value, "day", sentence, 0.85)
    for m in NUMERIC.finditer(sentence):
        value = _make(int(m["year"]), int(m["month"]), int(m["day"]))
        if value and _plausible(value, published):
            return DateFinding(value, "day", sentence, 0.85)
    for pattern in (DAY_MONTH_YEAR, MONTH_DAY_YEAR):
        for m in pattern.finditer(text):
            value = _day_month(
                int(m["day"]), MONTHS[m["month"]], m["year"], published, years, text, m.start()
            )
            if value and _plausible(value, published):
                return DateFinding(value, "day", sentence, 0.95 if m["year"] else 0.8)
    for m in MONTH_YEAR.finditer(text):
        value = date(int(m["year"]), MONTHS[m["month"]], 1)
        if _plausible(value, published):
            return DateFinding(value, "month", sentence, 0.8)
    for m in IN_YEAR.finditer(text):
        value = date(int(m["year"]), 1, 1)
        if _plausible(value, published):
            return DateFinding(value, "year", sentence, 0.6)
    return None


def _day_month(
    day: int, month: int, year: str | None, published: date | None, years: list[int], text: str, at: int
) -> date | None:
    if year:
        return _make(int(year), month, day)
    weekday = WEEKDAY.search(text[max(0, at - 14) : at])  # "mardi 15 mars": only a weekday right before
    candidates = years
    if published is not None:
        candidates = [published.year, published.year - 1, *years]
    for y in candidates:
        value = _make(y, month, day)
        if value is None or not _plausible(value, published):
            continue
        if weekday is None or value.weekday() == WEEKDAYS[weekday["weekday"]]:
            return value
    return None


def _context_years(article: Sequence[str], published: date | None) -> list[int]:
    found = [int(y) for s in article for y in ANY_YEAR.findall(s)]
    plausible = [y for y in found if published is None or y <= published.year]
    return sorted(set(plausible), key=lambda y: (-plausible.count(y), -y))


def _weekday(sentence: str, article: Sequence[str], published: date | None) -> DateFinding | None:
    m = WEEKDAY.search(fold(sentence))
    if m is None:
        return None
    weekday = WEEKDAYS[m["weekday"]]
    for start, end in _event_ranges(article):
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            if day.weekday() == weekday and _plausible(day, published):
                return DateFinding(day, "day", sentence, 0.75)
    if published is None:
        return None
    back = (published.weekday() - weekday) % 7
    return DateFinding(published - timedelta(days=back), "day", sentence, 0.7)


def _event_ranges(article: Sequence[str]) -> list[tuple[date, date]]:
    """Date ranges with a year the text pins ("du 10 au 12 avril ..., SIM AFRICA 2025")."""
    out: list[tuple[date, date]] = []
    for sentence in article:
        text = fold(sentence)
        for m in RANGE.finditer(text):
            year = m["year"] or next(iter(ANY_YEAR.findall(text)), None)
            if year is None:
                continue
            first = _make(int(year), MONTHS[m["month"]], int(m["d1"]))
            last = _make(int(year), MONTHS[m["month"]], int(m["d2"]))
            if first and last and first <= last <= first + timedelta(days=14):
                out.append((first, last))
    return out


def _relative(sentence: str, published: date | None) -> DateFinding | None:
    if published is None:
        return None
    text = f" {fold(sentence)} "
    for word, delta in RELATIVE.items():
        if f" {word} " in text:
            return DateFinding(published + timedelta(days=delta), "day", sentence, 0.7)
    return None
