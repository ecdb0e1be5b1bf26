"""A candidate article link as a source (feed, sitemap, listing page) wrote it: step 2's raw output.

Discovery canonicalizes, filters and caps these into DiscoveredUrl messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin


@dataclass(frozen=True)
class Link:
    url: str  # absolute, resolved against the document's URL, otherwise as written
    title: str | None = None
    published: str | None = None  # ISO date or datetime


def absolute(base_url: str, href: str) -> str | None:
    """`href` resolved against `base_url`; None when either is not a URL at all (e.g. "http://[::1")."""
    try:
        return urljoin(base_url, href.strip())
    except ValueError:
        return None


class DiscoveryError(ValueError):
    """The document could not be read as the source's kind; `reason` is a short code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# Real feeds and sitemaps never declare entities; a document that does is refused before any parser
# sees it (the parsers are configured safely too, this is the second lock).
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


def refuse_entity_declarations(body: bytes) -> None:
    if _ENTITY_DECL.search(body, 0, 1 << 20):
        raise DiscoveryError("unsafe_xml", "the document declares XML entities")


def clean_text(value: str | None, limit: int = 300) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text[:limit] or None
