"""Public shapes of the store's records: what the API returns and `fm6ss export` writes.

Kept apart from the tables so the schema can change without changing the contract.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict


class Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class PartyOut(Public):
    key: str
    name: str
    acronym: str | None
    aliases: list[str]
    kind: str | None
    country: str | None
    family: bool


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


class AgreementOut(Public):
    id: int
    parties: list[PartyOut]
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


class ChangeOut(Public):
    seq: int
    entity: str
    entity_id: int
    action: str
    version: int | None
    payload: dict[str, Any]
    created_at: datetime


T = TypeVar("T")


class Page(Public, Generic[T]):
    items: list[T]
    next_cursor: str | None
