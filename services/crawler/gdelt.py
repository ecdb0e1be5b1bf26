"""Step 2 for `gdelt` sources: the GDELT DOC 2.0 API as a discovery source, its article list queued like a
feed's links.

A `gdelt` source's URL is a DOC API request whose `query=` names the family and filters it
(`sourcecountry:MO`, `sourcelang:french`, …). The request sent is that query on the configured endpoint
(`FM6SS_CRAWLER_GDELT_URL`; tests point it at a local server) with `mode=artlist&format=json`, at most
250 records, newest first, and a `timespan` within the API's three-month window (3 months when unset or
longer). GDELT asks for no more than one request every 5 seconds: the crawler's shared per-host limit
(Redis, like every host's) is held to `FM6SS_CRAWLER_GDELT_INTERVAL_S` at least, one request at a time.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from services.crawler.links import DiscoveryError, Link, clean_text

MAX_RECORDS = 250
_SPAN = re.compile(r"^(\d+)\s*(min|minutes?|h|hours?|d|days?|w|weeks?|m|months?)$", re.IGNORECASE)
_MINUTES = {"min": 1, "h": 60, "d": 1440, "w": 10080, "m": 43200}  # a month as 30 days
WINDOW_MINUTES = 3 * 43200  # the DOC API's three months


def query_of(url: str) -> str | None:
    """The `query=` of a gdelt source's URL (None when it has none)."""
    try:
        params = dict(parse_qsl(urlsplit(url).query))
    except ValueError:
        return None
    return params.get("query", "").strip() or None


def timespan(value: str | None) -> str:
    """The source's timespan, or 3 months when it is unset, unreadable or beyond the API's window."""
    found = _SPAN.match((value or "").strip())
    if not found:
        return "3months"
    unit = found.group(2).lower()
    key = "min" if unit.startswith("min") else unit[0]
    if int(found.group(1)) * _MINUTES[key] > WINDOW_MINUTES or int(found.group(1)) == 0:
        return "3months"
    return f"{int(found.group(1))}{'min' if key == 'min' else key}"


def request_url(source_url: str, endpoint: str) -> str:
    """The DOC API request for a gdelt source: its query (and sort) on `endpoint`, as an article list."""
    params = dict(parse_qsl(urlsplit(source_url).query))
    query = (params.get("query") or "").strip()
    if not query:
        raise DiscoveryError("bad_gdelt_source", "a gdelt source's URL needs a query= parameter")
    sent = {
        "query": query,
        "mode": "artlist",
        "format": "json",
        "maxrecords": str(MAX_RECORDS),
        "timespan": timespan(params.get("timespan")),
        "sort": params.get("sort") or "datedesc",
    }
    return f"{endpoint}?{urlencode(sent)}"


def read_gdelt(body: bytes) -> list[Link]:
    """The articles of an artlist answer: URL, title and the date GDELT saw each. GDELT answers a refused
    query with a line of text, not JSON: that line is the error."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return []
    try:
        document: Any = json.loads(text)
    except ValueError:
        raise DiscoveryError("bad_gdelt", " ".join(text.split())[:200]) from None
    if not isinstance(document, dict):
        raise DiscoveryError("bad_gdelt", "the answer is not a JSON object")
    articles = document.get("articles") or []
    if not isinstance(articles, list):
        raise DiscoveryError("bad_gdelt", "`articles` is not a list")
    links = []
    for article in articles:
        if not isinstance(article, dict) or not isinstance(article.get("url"), str):
            continue
        title = article.get("title") if isinstance(article.get("title"), str) else None
        seen = article.get("seendate") if isinstance(article.get("seendate"), str) else None
        links.append(Link(url=article["url"].strip(), title=clean_text(title), published=_seen(seen)))
    return links


def _seen(value: str | None) -> str | None:
    """GDELT's `seendate` (`20261205T093000Z`) as an ISO datetime."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).isoformat()
    except ValueError:
        return None
