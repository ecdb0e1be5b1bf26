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
    modified: str | None = None  # a sitemap's <lastmod>, as written: what a backfill dates a link by


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
# sees it (the parsers are configured safely too, this is the second lock). The whole body is searched,
# in every encoding an XML parser detects by itself: a DTD may come after megabytes of comment, and
# expat's guard against entity expansion measures against the document's size, so a padded "billion
# laughs" in a feed cost feedparser hundreds of MB.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_WIDE_ENTITY_DECLS = tuple("<!ENTITY".encode(e) for e in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))
# C0 controls but tab, newline and carriage return: never text, and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_entity_declarations(body: bytes) -> None:
    if _ENTITY_DECL.search(body) or any(decl in body for decl in _WIDE_ENTITY_DECLS):
        raise DiscoveryError("unsafe_xml", "the document declares XML entities")


def without_controls(value: str) -> str:
    return _CONTROL.sub("", value)


def clean_text(value: str | None, limit: int = 300) -> str | None:
    if value is None:
        return None
    text = " ".join(without_controls(value).split())
    return text[:limit] or None
