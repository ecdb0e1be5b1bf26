"""Step 2 for RSS and Atom sources: feed bytes in, article links with their title and date out.

feedparser only ever gets a BytesIO: given a str it would fetch URLs or open local files itself.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any

import feedparser

from services.crawler.links import DiscoveryError, Link, absolute, clean_text, refuse_entity_declarations


def read_feed(body: bytes, base_url: str) -> list[Link]:
    refuse_entity_declarations(body)
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": base_url},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    entries: list[Any] = list(parsed.get("entries", []))
    if not entries and parsed.get("bozo") and not parsed.get("version"):
        raise DiscoveryError("bad_feed", str(parsed.get("bozo_exception", "not a feed"))[:200])
    return [link for entry in entries if (link := _link(entry, base_url)) is not None]


def _link(entry: Any, base_url: str) -> Link | None:
    href = entry.get("feedburner_origlink") or entry.get("link")
    url = absolute(base_url, href) if isinstance(href, str) and href.strip() else None
    if url is None:
        return None
    return Link(
        url=url,
        title=clean_text(entry.get("title")),
        published=_iso(entry.get("published_parsed") or entry.get("updated_parsed")),
    )


def _iso(moment: time.struct_time | None) -> str | None:
    if moment is None:
        return None
    try:
        return datetime(*moment[:6], tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return None
