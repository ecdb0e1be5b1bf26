"""Messages that travel between services: commands are imperative, events past tense.

Every message is a frozen pydantic model with a schema version; tasks receive them as JSON dicts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

Precision = Literal["day", "month", "year", "inferred"]


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: int = SCHEMA_VERSION


class PageHints(BaseModel):
    """What is known about a page before parsing it: from an import line or a feed entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    title: str | None = None
    published: str | None = None  # "YYYY-MM-DD", "YYYY-MM" or an ISO datetime
    outlet: str | None = None
    lang: str | None = None


class ParsePage(Message):
    """Command to the parser: read the archived body at `archive_key` as the page at `url`."""

    url: str
    archive_key: str
    content_kind: Literal["html", "text"] = "html"
    hints: PageHints = PageHints()
    fetched_at: datetime | None = None
    run_id: int | None = None


class OrgRef(BaseModel):
    """An organization as the parser normalized it; `key` is stable across spellings and languages."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str
    name: str
    acronym: str | None = None
    aliases: tuple[str, ...] = ()
    kind: str | None = None
    country: str | None = None
    family: bool = False  # one of FM6SS's own entities


class PersonRole(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    role: str | None = None
    org_key: str | None = None
    signed: bool = False


class Evidence(BaseModel):
    """Where a field value came from: the sentence and how sure the parser is."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    field: str
    value: str
    sentence: str
    confidence: float = Field(ge=0.0, le=1.0)


class AgreementCandidate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    parties: tuple[OrgRef, ...]
    kind: str | None = None
    signed_on: date | None = None
    signed_on_precision: Precision | None = None
    place: str | None = None
    event: str | None = None
    themes: tuple[str, ...] = ()
    people: tuple[PersonRole, ...] = ()
    recalled: bool = False  # the article only recalls an earlier signing
    evidence: tuple[Evidence, ...] = ()


class ArticleParsed(Message):
    """Event from the parser to the store: one article, its fingerprints and its agreements."""

    url: str
    canonical_url: str
    archive_key: str
    outlet: str | None = None
    title: str | None = None
    published: date | None = None
    lang: str | None = None
    text: str
    text_hash: str
    minhash: tuple[int, ...] = ()
    relevant: bool = False
    agreements: tuple[AgreementCandidate, ...] = ()
    parser_version: str
    run_id: int | None = None


class PageRejected(Message):
    """Event: a page could not be read (empty, binary, undecodable); recorded once with its reason."""

    url: str
    archive_key: str | None = None
    reason: str
    run_id: int | None = None
