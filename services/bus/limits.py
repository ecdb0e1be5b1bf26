"""What the store can hold, checked at every way in: import lines, API bodies, CLI arguments and bus
messages use these sizes and types, so a value the database would refuse is refused where it enters,
with its reason, instead of failing a transaction (and ending as a dead letter) later.

The sizes are the columns' own: `services/store/db/models.py` reads them from here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from services.bus.urls import InvalidUrl, canonical_url

# Characters, as PostgreSQL's varchar counts them.
URL_CHARS = 2000
TITLE_CHARS = 1000
OUTLET_CHARS = 200
LANG_CHARS = 8
LINK_PATTERN_CHARS = 500
# A source's name also names its crawl runs' counters ("source_queued:NAME") in a column of 80.
SOURCE_NAME_CHARS = 80 - len("source_queued:")
KIND_CHARS = 40
PLACE_CHARS = 200
EVENT_CHARS = 300
# Themes are also kept as "|a|b|" in a column of THEMES_INDEX_CHARS, so an operator's list must fit it:
# 1 + MAX_THEMES × (THEME_CHARS + 1) = 3,051.
THEMES_INDEX_CHARS = 4000
THEME_CHARS = 60
MAX_THEMES = 50
MAX_INT = 2**31 - 1  # PostgreSQL's integer: row ids, intervals, counts

_PUBLISHED = re.compile(r"^\d{4}-\d{2}(-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)?$")
_SIGNED_ON = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def no_nul(value: str) -> str:
    """PostgreSQL text cannot hold NUL."""
    if "\x00" in value:
        raise ValueError("may not contain a NUL character")
    return value


def _web_url(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("may not contain control characters")
    try:
        canonical_url(value)
    except InvalidUrl as exc:
        raise ValueError(exc.reason) from None
    return value


def _fetchable_url(value: str) -> str:
    """A URL the crawler records as a page: its canonical form is the page's key, of URL_CHARS at most."""
    _web_url(value)
    if len(key := canonical_url(value)) > URL_CHARS:
        raise ValueError(f"too long once canonicalized ({len(key)} characters, at most {URL_CHARS})")
    return value


def published_date(value: str) -> date | None:
    """ "YYYY-MM-DD", "YYYY-MM" (taken as the 1st) or an ISO datetime, as a date; None when it is not
    one, or names no real day ("2025-13-01")."""
    value = value.strip()
    if not _PUBLISHED.match(value):
        return None
    try:
        if len(value) == 7:
            return date.fromisoformat(value + "-01")
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _published(value: str) -> str:
    if published_date(value) is None:
        raise ValueError('must be a real date written "YYYY-MM-DD", "YYYY-MM" or as an ISO datetime')
    return value


def signed_on_date(value: str) -> date:
    """A signing date as the export writes it ("YYYY-MM-DD", "YYYY-MM" or "YYYY"), as its first day."""
    if not _SIGNED_ON.match(value):
        raise ValueError('must be written "YYYY-MM-DD", "YYYY-MM" or "YYYY"')
    try:
        return date.fromisoformat((value + "-01-01")[:10])
    except ValueError:
        raise ValueError(f"{value} is not a real date") from None


def _signed_on(value: str) -> str:
    signed_on_date(value)
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regex ({exc})") from None
    return value


def _theme(value: str) -> str:
    if not value.strip() or "|" in value:
        raise ValueError('a theme is a non-blank name without "|"')
    return value


# http(s), parsable, no control character, fits the URL columns.
WebUrl = Annotated[str, Field(max_length=URL_CHARS), AfterValidator(_web_url)]
# ... and its canonical form (a page's key) fits too: what a crawl or a source may name.
FetchableUrl = Annotated[str, Field(max_length=URL_CHARS), AfterValidator(_fetchable_url)]
Title = Annotated[str, Field(max_length=TITLE_CHARS), AfterValidator(no_nul)]
Outlet = Annotated[str, Field(max_length=OUTLET_CHARS), AfterValidator(no_nul)]
Lang = Annotated[str, Field(max_length=LANG_CHARS), AfterValidator(no_nul)]
Published = Annotated[str, Field(max_length=40), AfterValidator(_published)]
LinkPattern = Annotated[
    str, Field(max_length=LINK_PATTERN_CHARS), AfterValidator(no_nul), AfterValidator(_regex)
]
Place = Annotated[str, Field(max_length=PLACE_CHARS), AfterValidator(no_nul)]
Event = Annotated[str, Field(max_length=EVENT_CHARS), AfterValidator(no_nul)]
Theme = Annotated[str, Field(max_length=THEME_CHARS), AfterValidator(no_nul), AfterValidator(_theme)]
SignedOn = Annotated[str, Field(max_length=10), AfterValidator(_signed_on)]
Count = Annotated[int, Field(ge=1, le=MAX_INT)]
SourceName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=SOURCE_NAME_CHARS)]
