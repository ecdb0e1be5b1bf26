"""When an agreement was signed (step 5): dates in French, Arabic and English, resolved with a precision.

Explicit days first; then weekdays and "yesterday" (against a dated event range the text pins, else a
day-precise publication date), which refine an explicit month; then the publication ("inferred").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from services.bus.messages import Precision
from services.parser.text import fold

PublishedPrecision = Literal["day", "month"]  # a page's date, or only its month ("2025-07" in a URL)

MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (  # folded: French, English, then Arabic (Maghreb, Egypt, Algeria/Tunisia, Levant)
        "janvier january jan يناير جانفي كانون الثاني كانون ثاني",
        "fevrier february feb فبراير فيفري شباط",
        "mars march مارس اذار",
        "avril april apr ابريل افريل نيسان",
        "mai may ماي مايو ايار",
        "juin june يونيو يونيه جوان حزيران",
        "juillet july يوليوز يوليو يوليه جويليه تموز",
        "aout august aug غشت اغسطس اوت اب",
        "septembre september sept sep شتنبر سبتمبر ايلول",
        "octobre october oct اكتوبر تشرين الاول تشرين اول",
        "novembre november nov نونبر نوفمبر تشرين الثاني تشرين ثاني",
        "decembre december dec دجنبر ديسمبر كانون الاول كانون اول",
    ),
    start=1,
):
    # Levantine names are two words ("كانون الثاني"); every other name is one.
    for _name in re.findall(r"(?:كانون|تشرين) \S+|\S+", _names):
        MONTHS[_name] = _num

WEEKDAYS = {
    **dict.fromkeys(("lundi", "monday", "الاثنين", "اثنين"), 0),
    **dict.fromkeys(("mardi", "tuesday", "الثلاثاء"), 1),
    **dict.fromkeys(("mercredi", "wednesday", "الاربعاء"), 2),
    **dict.fromkeys(("jeudi", "thursday", "الخميس"), 3),
    **dict.fromkeys(("vendredi", "friday", "الجمعه"), 4),
    **dict.fromkeys(("samedi", "saturday", "السبت"), 5),
    **dict.fromkeys(("dimanche", "sunday", "الاحد"), 6),
}

_M = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
_W = "|".join(sorted(map(re.escape, WEEKDAYS), key=len, reverse=True))
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:er|st|nd|rd|th)?"
# "12 ماي 2025", "the 12th of May", "الـ15 من شهر شتنبر", "6 شباط/فبراير 2024", "ماي من سنة 2024",
# "يناير وفبراير 2024"
_MONTH = rf"(?:من |of )?(?:[بلو]?شهر )?(?:[بلو](?!اب\b))?(?P<month>{_M})(?: (?:{_M}))?"
_TO_YEAR = r"(?: (?:من )?(?:سنه|عام))? "
DAY_MONTH_YEAR = re.compile(rf"\b{_DAY} {_MONTH}(?:{_TO_YEAR}{_YEAR})?\b")
MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH} {_DAY}(?: {_YEAR})?\b")
MONTH_YEAR = re.compile(rf"\b{_MONTH}{_TO_YEAR}{_YEAR}\b")
NUMERIC = re.compile(r"\b(?P<day>[0-3]?\d)([/.-])(?P<month>[01]?\d)\2(?P<year>(?:19|20)\d\d)\b")
ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")
IN_YEAR = re.compile(r"\b(?:en|in|عام|سنه) (?P<year>(?:19|20)\d\d)\b")
WEEKDAY = re.compile(rf"(?:^| )(?:[وبل]|يوم )?(?P<weekday>{_W})\b")
RANGE = re.compile(
    rf"\b(?P<d1>[0-3]?\d)(?:er)? (?:au|a|to|and|et|الى|الي|و|-) (?P<d2>[0-3]?\d) {_MONTH}(?: {_YEAR})?"
)
# A bound is not an event: "jusqu'au 16 avril", "until 30 June", "حتى 16 أبريل", "avant le 1er mai".
BOUND = re.compile(r"(?:jusqu au|jusqu a|avant le|until|till|by|before|حتي|الي غايه|لغايه|قبل)(?: le)? ?$")
# "vendredi dernier", "last Friday", «الجمعة الماضية»: the one before the publication day, not on it.
PAST = re.compile(r"^ (?:dernier|derniere|passe|الماضي|الماضيه|المنصرم|المنصرمه|الفارط)\b")
PAST_BEFORE = re.compile(r"\b(?:last|past) $")
NEXT = re.compile(r"^ (?:prochain|prochaine|المقبل|المقبله|القادم|القادمه)\b")
NEXT_BEFORE = re.compile(r"\b(?:next|coming) $")
_BEFORE_YESTERDAY = r"avant hier|the day before yesterday|[وب]?اول (?:ال)?امس|(?:ال)?امس الاول"
RELATIVE = (
    (re.compile(rf"(?:^| )(?:{_BEFORE_YESTERDAY})\b"), -2),
    (re.compile(r"(?:^| )(?:hier|yesterday|[وب]?(?:ال)?امس|البارحه)\b"), -1),
    # «اليوم» is "today" only as an adverb: not «اليوم العالمي», «حتى اليوم», «في اليوم نفسه».
    (re.compile(r"(?:^| )(?<!d )(?<!jusqu a )(?:aujourd hui|today)\b"), 0),
    (re.compile(rf"(?:^| )(?<!حتي )(?<!الي )(?<!منذ )اليوم(?! (?:نفسه|ذاته)\b)(?! (?!(?:{_W})\b)ال)"), 0),
)
DATELINE = re.compile(r"^[^\n.]{0,40}?\b\d{1,2}\s+\S+(?:\s+\d{4})?\s*(?:\([^)]{1,15}\))?\s*[-–—]{1,2}\s")
ANY_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# Arabic-Indic and Persian digits read as ASCII ones; Persian letters as Arabic.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹یک", "01234567890123456789يك")
_GLUED = re.compile(r"(?<=[\u0600-\u06ff])(?=\d)|(?<=\d)(?=[\u0600-\u06ff])")  # "الـ15", "15ماي"


@dataclass(frozen=True)
class DateFinding:
    value: date
    precision: Precision
    sentence: str
    confidence: float


@dataclass(frozen=True)
class Publication:
    """When the report came out: a day, or a month known only (`first` is then its first day)."""

    first: date
    precision: PublishedPrecision

    @property
    def latest(self) -> date:
        """The last day the report can have come out: a signing it reports is no later."""
        if self.precision == "day":
            return self.first
        return self.first.replace(day=calendar.monthrange(self.first.year, self.first.month)[1])


def find_signing_date(
    signing: Sequence[str],
    article: Sequence[str],
    published: date | None,
    published_precision: PublishedPrecision = "day",
) -> DateFinding | None:
    """The signing date told by the signing sentences, read against the article and its publication.

    With a publication known only to its month, a weekday or "yesterday" cannot be placed on a day; the
    inferred date is then the month's last day, the latest the signing can be.
    """
    pub = Publication(published, published_precision) if published is not None else None
    years = _context_years(article, pub)
    signing = [DATELINE.sub("", s) for s in signing]  # a dateline's date is the report's, not the signing's
    for sentence in signing:
        found = _explicit_day(sentence, pub, years)
        if found:
            return found
    period = next(filter(None, (_explicit_period(s, pub) for s in signing)), None)
    for sentence in signing:
        found = _weekday(sentence, article, pub) or _relative(sentence, pub)
        if found and (period is None or _within(found.value, period)):
            return found
    if period is not None:
        return period
    if pub is not None:
        return DateFinding(pub.latest, "inferred", signing[0] if signing else "", 0.4)
    return None


@lru_cache(maxsize=4096)
def _normal(sentence: str) -> str:
    """Folded, with any digits as ASCII ones and a number glued to an Arabic word set apart."""
    return _GLUED.sub(" ", fold(sentence.translate(_DIGITS)))


def _plausible(value: date, pub: Publication | None) -> bool:
    return pub is None or value <= pub.latest + timedelta(days=2)


def _within(value: date, period: DateFinding) -> bool:
    if period.precision == "month":
        return (value.year, value.month) == (period.value.year, period.value.month)
    return value.year == period.value.year


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _explicit_day(sentence: str, pub: Publication | None, years: list[int]) -> DateFinding | None:
    raw = sentence.translate(_DIGITS)
    for pattern in (ISO, NUMERIC):
        for m in pattern.finditer(raw):
            value = _make(int(m["year"]), int(m["month"]), int(m["day"]))
            if value and _plausible(value, pub):
                return DateFinding(value, "day", sentence, 0.85)
    text = _normal(sentence)
    ranges = [m.span() for m in RANGE.finditer(text)]
    for pattern in (DAY_MONTH_YEAR, MONTH_DAY_YEAR):
        for m in pattern.finditer(text):
            if BOUND.search(text[: m.start()]) or any(a <= m.start() < b for a, b in ranges):
                continue  # an end or a span of days, not the day of one event
            value = _day_month(int(m["day"]), MONTHS[m["month"]], m["year"], pub, years, text, m.start())
            if value and _plausible(value, pub):
                return DateFinding(value, "day", sentence, 0.95 if m["year"] else 0.8)
    return None


def _explicit_period(sentence: str, pub: Publication | None) -> DateFinding | None:
    text = _normal(sentence)
    for m in MONTH_YEAR.finditer(text):
        value = date(int(m["year"]), MONTHS[m["month"]], 1)
        if _plausible(value, pub):
            return DateFinding(value, "month", sentence, 0.8)
    for m in IN_YEAR.finditer(text):
        value = date(int(m["year"]), 1, 1)
        if _plausible(value, pub):
            return DateFinding(value, "year", sentence, 0.6)
    return None


def _day_month(
    day: int, month: int, year: str | None, pub: Publication | None, years: list[int], text: str, at: int
) -> date | None:
    if year:
        return _make(int(year), month, day)
    weekday = WEEKDAY.search(text[max(0, at - 14) : at])  # "mardi 15 mars": only a weekday right before
    candidates = years
    if pub is not None:
        candidates = [pub.latest.year, pub.latest.year - 1, *years]
    for y in candidates:
        value = _make(y, month, day)
        if value is None or not _plausible(value, pub):
            continue
        if weekday is None or value.weekday() == WEEKDAYS[weekday["weekday"]]:
            return value
    return None


def _context_years(article: Sequence[str], pub: Publication | None) -> list[int]:
    found = [int(y) for s in article for y in ANY_YEAR.findall(s.translate(_DIGITS))]
    plausible = [y for y in found if pub is None or y <= pub.latest.year]
    return sorted(set(plausible), key=lambda y: (-plausible.count(y), -y))


def _weekday(sentence: str, article: Sequence[str], pub: Publication | None) -> DateFinding | None:
    text = _normal(sentence)
    m = WEEKDAY.search(text)
    if m is None or NEXT.match(text[m.end() :]) or NEXT_BEFORE.search(text[: m.start() + 1]):
        return None  # "vendredi prochain" is yet to come
    weekday = WEEKDAYS[m["weekday"]]
    for start, end in _event_ranges(article):
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            if day.weekday() == weekday and _plausible(day, pub):
                return DateFinding(day, "day", sentence, 0.75)
    if pub is None or pub.precision != "day":
        return None
    # "hier lundi", «أمس الاثنين»: the weekday on or before the day the text points at
    anchor = pub.first + timedelta(days=_relative_days(text) or 0)
    if PAST.match(text[m.end() :]) or PAST_BEFORE.search(text[: m.start() + 1]):
        anchor -= timedelta(days=1)
    back = (anchor.weekday() - weekday) % 7
    return DateFinding(anchor - timedelta(days=back), "day", sentence, 0.7)


def _event_ranges(article: Sequence[str]) -> list[tuple[date, date]]:
    """Date ranges with a year the text pins ("du 10 au 12 avril ..., SIM AFRICA 2025")."""
    out: list[tuple[date, date]] = []
    for sentence in article:
        text = _normal(sentence)
        for m in RANGE.finditer(text):
            year = m["year"] or next(iter(ANY_YEAR.findall(text)), None)
            if year is None:
                continue
            first = _make(int(year), MONTHS[m["month"]], int(m["d1"]))
            last = _make(int(year), MONTHS[m["month"]], int(m["d2"]))
            if first and last and first <= last <= first + timedelta(days=14):
                out.append((first, last))
    return out


def _relative_days(text: str) -> int | None:
    for pattern, delta in RELATIVE:
        if pattern.search(text):
            return delta
    return None


def _relative(sentence: str, pub: Publication | None) -> DateFinding | None:
    if pub is None or pub.precision != "day":
        return None
    delta = _relative_days(_normal(sentence))
    if delta is None:
        return None
    return DateFinding(pub.first + timedelta(days=delta), "day", sentence, 0.7)
