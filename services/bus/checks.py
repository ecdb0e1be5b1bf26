"""What `fm6ss sources check` found at a source: written by the crawler, kept by the store, shown by
`fm6ss status` and the API's `/sources`.

A source that does not work is otherwise seen only in crawl counters; this says, once per check, what the
URL really answers and what to change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# What a document really is, whatever the source says: `sitemap_index` lists sitemaps, `html` is a page.
FoundKind = Literal["rss", "atom", "sitemap", "sitemap_index", "news_sitemap", "html", "gdelt", "other"]
# Why a source does not work, as a short code (None: it works).
Problem = Literal[
    "wrong_kind",
    "html_not_feed",
    "forbidden",
    "not_found",
    "robots_disallowed",
    "empty",
    "unreadable",
    "unreachable",
    "http_error",
    "fetch_error",
]


class SourceCheck(BaseModel):
    """One source, fetched once: its answer, what it is, what it lists, and what to change."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(max_length=80)
    checked_at: datetime
    ok: bool = Field(description="the source gives article links as configured")
    status: int | None = Field(default=None, description="HTTP status of the answer; none when no answer")
    found_kind: FoundKind | None = Field(default=None, description="what the document really is")
    items: int = Field(default=0, ge=0, description="article links found (sitemaps listed, for an index)")
    newest: datetime | None = Field(default=None, description="the newest item's date, when items have one")
    problem: Problem | None = None
    advice: str | None = Field(default=None, max_length=500, description="what to change")
