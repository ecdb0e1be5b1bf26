"""When a report came out (step 5): the date a hint or the page gives, else its URL's, with its precision.

Dates are resolved against it (`dates.py`): a weekday needs the day, not only the month.
"""

from __future__ import annotations

import re
from datetime import date

from services.bus.limits import published_date
from services.parser.dates import PublishedPrecision

# "/2025/04/15/", "-2025-10-23-08-32", "_2024_05_31"; then "/2025/04/" (a month only)
URL_DAY = re.compile(r"\D((?:19|20)\d\d)([/_-])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?:\D|$)")
URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/")


def parse_published(value: str) -> date | None:
    """ "YYYY-MM-DD", "YYYY-MM" (taken as the 1st) or an ISO datetime; None when unreadable. The same
    reading as the check of import lines and hints (services/bus/limits.py)."""
    return published_date(value)


def publication(
    hint: str | None, found: date | None, url: str, *, today: date | None = None
) -> tuple[date | None, PublishedPrecision]:
    """The publication date and how precise it is: a readable hint, else the page's, else the URL's."""
    given = parse_published(hint) if hint else None
    if hint and given is not None:
        return given, "month" if len(hint.strip()) == 7 else "day"
    if found is not None:
        return found, "day"
    return date_in_url(url, today=today or date.today())


def date_in_url(url: str, *, today: date) -> tuple[date | None, PublishedPrecision]:
    """Many outlets put the publication date, or its month, in the article's address."""
    path = url.split("://", 1)[-1].partition("/")[2].partition("?")[0]
    path = f"/{path}"
    for m in URL_DAY.finditer(path):
        try:
            day = date(int(m[1]), int(m[3]), int(m[4]))
        except ValueError:
            continue
        if day <= today:
            return day, "day"
    for m in URL_MONTH.finditer(path):
        month = date(int(m[1]), int(m[2]), 1)
        if month <= today:
            return month, "month"
    return None, "day"
