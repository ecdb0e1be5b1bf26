"""Public shapes of the store's records: what the API returns and `fm6ss export` writes.

Kept apart from the tables so the schema can change without changing the contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class PartyRef(Public):
    """A party as lists show it: without its aliases (FM6SS alone has dozens, in every item); ask a list
    for `include=organizations`, or read `/organizations`, for them."""

    key: str
    name: str
    acronym: str | None
    kind: str | None
    country: str | None
    family: bool


class PartyOut(PartyRef):
    """A party with every name the reports gave it, in any language and script."""

    aliases: list[str]


class OrganizationOut(PartyOut):
    id: int


class PersonOut(Public):
    name: str
    role: str | None
    org: str | None


class SourceOut(Public):
    url: str
    canonical_url: str
    outlet: str | None
    published: date | None
    lang: str | None
    title: str | None
    duplicate: bool
    recalled: bool


class EvidenceOut(Public):
    field: str
    value: str
    precision: str | None
    sentence: str | None
    confidence: float
    source_url: str


class AgreementItem(Public):
    """An agreement as lists show it: its parties without their aliases."""

    id: int
    parties: Sequence[PartyRef]
    kind: str | None
    signed_on: str | None  # "YYYY-MM-DD", "YYYY-MM" or "YYYY" by precision
    signed_on_precision: str | None  # day, month, year, or inferred (from the publication date)
    place: str | None
    event: str | None
    themes: list[str]
    signatories: list[PersonOut]
    people: list[PersonOut]
    sources: list[SourceOut]
    alternatives: dict[str, Any]
    version: int
    first_seen: datetime
    updated_at: datetime


class AgreementLine(Public):
    """An agreement as one line of the console's tables: its own fields and how many articles report
    it, read for a whole page in a few queries."""

    id: int
    parties: Sequence[PartyRef]
    kind: str | None
    signed_on: str | None
    signed_on_precision: str | None
    place: str | None
    themes: list[str]
    reports: int


class AgreementOut(AgreementItem):
    """An agreement with its parties in full: as `fm6ss export` writes it and the change feed carries it."""

    parties: Sequence[PartyOut]


class AgreementDetail(AgreementOut):
    evidence: list[EvidenceOut]


class ArticleOut(Public):
    id: int
    url: str
    canonical_url: str
    relevant: bool
    duplicate_of: str | None  # canonical URL of the original
    lang: str | None
    published: date | None
    title: str | None
    outlet: str | None
    agreements: list[int]


class RejectionOut(Public):
    """A page that was fetched but not read as an article, and why (`off_topic: …` when it names nothing
    of the family; `not an article page: …`, `no readable article text …` when it could not be read)."""

    id: int
    url: str
    reason: str
    run_id: int | None
    created_at: datetime


class ArticleDetail(ArticleOut):
    """An article with its extracted text and what the store knows of it."""

    decision: Literal["relevant", "irrelevant", "copy"] = Field(
        description="relevant: it reports a signing of the family; copy: an exact or near copy of "
        "`duplicate_of`, relevant as its original is"
    )
    text: str = Field(description="the main text extracted from the page")
    content_kind: str = Field(description="html, or text when it was imported as text")
    hints: dict[str, Any] = Field(description="what was given with the page (outlet, lang, title, date)")
    parser_version: str
    first_seen: datetime
    updated_at: datetime
    rejections: list[RejectionOut] = Field(
        description="earlier times its page was rejected (e.g. off-topic before a name was added)"
    )
    explain: str = Field(description="where to ask why it is relevant or not, and what it reports")


class ChangeOut(Public):
    seq: int
    entity: str = Field(description="agreement or article")
    entity_id: int
    action: str = Field(description="created, updated or deleted")
    version: int | None = Field(description="the agreement's version after the change")
    payload: dict[str, Any] = Field(
        description="created or updated agreement: the record as `GET /agreements/{id}` shows it, "
        'without `evidence`; deleted agreement: `{}`, or `{"merged_into": id}` when it was folded into '
        "another; article: the article as `GET /articles` lists it"
    )
    created_at: datetime


T = TypeVar("T")


class Page(Public, Generic[T]):
    items: list[T]
    next_cursor: str | None


class AgreementPage(Public):
    items: list[AgreementItem]
    next_cursor: str | None
    organizations: list[OrganizationOut] | None = Field(
        default=None,
        description="with `include=organizations`: each party of the page once, with its aliases",
    )
