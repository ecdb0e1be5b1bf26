"""Database tables of the store: the only place the schema is described.

Every change goes through Alembic (services/store/db/migrations); the public shapes are in
records/schemas.py. The sizes of the columns that take outside values are services/bus/limits.py's,
which every way in checks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from services.bus.limits import (
    EVENT_CHARS,
    KIND_CHARS,
    LANG_CHARS,
    LINK_PATTERN_CHARS,
    OUTLET_CHARS,
    PLACE_CHARS,
    THEMES_INDEX_CHARS,
    TITLE_CHARS,
    URL_CHARS,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(max_length=400)
    acronym: str | None = Field(default=None, max_length=40)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    kind: str | None = Field(default=None, max_length=40)
    country: str | None = Field(default=None, max_length=80)
    family: bool = False
    # Every name (name, acronym, key, aliases) folded, spaces dropped, between bars: what `party=` and the
    # organizations' `q` search, in any script (organizations.search_names writes it).
    search_names: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow)


class Agreement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    party_set: str = Field(max_length=2000, index=True)  # sorted partner keys, "|"-joined
    kind: str | None = Field(default=None, max_length=KIND_CHARS)
    signed_on: date | None = Field(default=None, index=True)
    signed_on_precision: str | None = Field(default=None, max_length=10)
    place: str | None = Field(default=None, max_length=PLACE_CHARS)
    event: str | None = Field(default=None, max_length=EVENT_CHARS)
    themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # "|a|b|": a theme filter in plain SQL
    themes_index: str = Field(default="|", max_length=THEMES_INDEX_CHARS)
    search_text: str = Field(default="")  # folded party names, kind, place, event: free-text search
    alternatives: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    manual: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # What the reports say of the signing, summed (resolution.signing_to_json), written with the record
    # so that resolution reads one row per candidate; None until the next refresh of an older row.
    signing: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    digest: str = Field(
        default="", max_length=64
    )  # hash of the public record: unchanged digest, same version
    version: int = 1
    first_seen: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AgreementParty(SQLModel, table=True):
    __tablename__ = "agreement_party"
    agreement_id: int = Field(foreign_key="agreement.id", primary_key=True, ondelete="CASCADE")
    organization_id: int = Field(foreign_key="organization.id", primary_key=True, index=True)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(max_length=200)


class AgreementPerson(SQLModel, table=True):
    """A person the reports name at the signing; `signed` only when a text says they signed."""

    __tablename__ = "agreement_person"
    agreement_id: int = Field(foreign_key="agreement.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    role: str | None = Field(default=None, max_length=300)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    signed: bool = False


class Article(SQLModel, table=True):
    __table_args__ = (
        # One original per normalized text; exact copies point at it through duplicate_of.
        Index(
            "uq_article_text_hash_original",
            "text_hash",
            unique=True,
            sqlite_where=text("duplicate_of IS NULL"),
            postgresql_where=text("duplicate_of IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=URL_CHARS)
    canonical_url: str = Field(max_length=URL_CHARS, unique=True, index=True)
    outlet: str | None = Field(default=None, max_length=OUTLET_CHARS)
    title: str | None = Field(default=None, max_length=TITLE_CHARS)
    published: date | None = Field(default=None, index=True)
    lang: str | None = Field(default=None, max_length=LANG_CHARS)
    text: str
    text_hash: str = Field(max_length=64, index=True)
    minhash: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    relevant: bool = Field(default=False, index=True)
    duplicate_of: int | None = Field(default=None, foreign_key="article.id", index=True)
    archive_key: str = Field(max_length=64)
    content_kind: str = Field(default="html", max_length=10)
    hints: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    parser_version: str = Field(max_length=40)
    first_seen: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ArticleBand(SQLModel, table=True):
    """MinHash LSH bands: articles sharing a band value are near-duplicate candidates."""

    __tablename__ = "article_band"
    __table_args__ = (Index("ix_article_band_lookup", "band", "value"),)
    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    band: int = Field(primary_key=True)
    value: int = Field(sa_column=Column(BigInteger, nullable=False))


class AgreementSource(SQLModel, table=True):
    __tablename__ = "agreement_source"
    agreement_id: int = Field(foreign_key="agreement.id", primary_key=True, ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", primary_key=True, index=True)
    recalled: bool = False
    added_at: datetime = Field(default_factory=utcnow)


class FieldEvidence(SQLModel, table=True):
    """A value an article gives for an agreement field, with the sentence it came from."""

    __tablename__ = "field_evidence"
    __table_args__ = (UniqueConstraint("agreement_id", "article_id", "field", "value"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True, ondelete="CASCADE")
    article_id: int = Field(foreign_key="article.id", index=True)
    field: str = Field(max_length=40)
    value: str = Field(max_length=1000)
    precision: str | None = Field(default=None, max_length=10)
    sentence: str | None = None
    confidence: float = 1.0


class Change(SQLModel, table=True):
    """The outbox: one row per change, written in the same transaction as the change itself."""

    __table_args__ = (
        Index("ix_change_entity_entity_id", "entity", "entity_id"),  # a record's history
        Index("ix_change_action_entity", "action", "entity"),  # deletions: merges
    )

    seq: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=20)
    entity_id: int
    action: str = Field(max_length=20)
    version: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Rejection(SQLModel, table=True):
    """A page that could not be read, recorded once with its reason."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=URL_CHARS, index=True)
    reason: str = Field(max_length=500)
    archive_key: str | None = Field(default=None, max_length=64)
    run_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class Source(SQLModel, table=True):
    """A configured source; operators add and disable them, the schedule reads them."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True, index=True)
    kind: str = Field(max_length=20)
    url: str = Field(max_length=URL_CHARS)
    interval_minutes: int = 60
    enabled: bool = True
    link_pattern: str | None = Field(default=None, max_length=LINK_PATTERN_CHARS)
    outlet: str | None = Field(default=None, max_length=OUTLET_CHARS)
    lang: str | None = Field(default=None, max_length=LANG_CHARS)
    delay_s: float | None = None
    max_concurrency: int | None = None
    last_run_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class SourceCheck(SQLModel, table=True):
    """The last `fm6ss sources check` of a source (services/bus/checks.py): kept by the source's name, so
    `fm6ss status` and `/sources` say which sources work and what to change in the others."""

    __tablename__ = "source_check"
    name: str = Field(max_length=80, primary_key=True)
    checked_at: datetime = Field(default_factory=utcnow)
    ok: bool = False
    status: int | None = None
    found_kind: str | None = Field(default=None, max_length=20)
    items: int = 0
    newest: datetime | None = None
    problem: str | None = Field(default=None, max_length=40)
    advice: str | None = Field(default=None, max_length=500)


class Page(SQLModel, table=True):
    """A URL the crawler knows: what was fetched, its validators, and what happened last."""

    id: int | None = Field(default=None, primary_key=True)
    canonical_url: str = Field(max_length=URL_CHARS, unique=True, index=True)
    url: str = Field(max_length=URL_CHARS)
    source: str | None = Field(default=None, max_length=80, index=True)
    hints: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="new", max_length=20, index=True)  # new queued fetched parsing done failed
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    archive_key: str | None = Field(default=None, max_length=64)
    failure: str | None = Field(default=None, max_length=80)
    failure_detail: str | None = Field(default=None, max_length=1000)
    attempts: int = 0
    run_id: int | None = Field(default=None, index=True)
    discovered_at: datetime = Field(default_factory=utcnow)
    queued_at: datetime | None = None
    fetched_at: datetime | None = None


class CrawlRun(SQLModel, table=True):
    """One crawl, scheduled or by an operator, with what it covered and what came of it."""

    __tablename__ = "crawl_run"
    id: int | None = Field(default=None, primary_key=True)
    trigger: str = Field(max_length=20)  # schedule, operator, cli
    scope: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    force: bool = False
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class RunCount(SQLModel, table=True):
    """A counter of a crawl run (pages fetched, failed by reason, articles new...): one row per name."""

    __tablename__ = "run_count"
    run_id: int = Field(foreign_key="crawl_run.id", primary_key=True, ondelete="CASCADE")
    name: str = Field(max_length=80, primary_key=True)
    value: int = 0


class ManualLink(SQLModel, table=True):
    """An operator's decision that an article reports a given agreement; survives re-parsing."""

    __tablename__ = "manual_link"
    article_id: int = Field(foreign_key="article.id", primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


class RelayCursor(SQLModel, table=True):
    """How far each push consumer (the Redis stream, each webhook) has been sent the change feed, and its
    own retry state. `name` is an operator's name or a hash of the URL, never the URL; `target` is what may
    be shown of where it delivers. A failed batch is kept (`pending_seq`) so that its next try sends the
    same changes under the same delivery id; `leased_until` marks a delivery under way (no lock is held)."""

    __tablename__ = "relay_cursor"
    name: str = Field(max_length=500, primary_key=True)
    seq: int = 0
    failures: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)
    target: str | None = Field(default=None, max_length=500)
    pending_seq: int | None = None
    retry_at: datetime | None = None
    leased_until: datetime | None = None


class DeadLetter(SQLModel, table=True):
    """A message whose task failed for good, with why; operators see it and can send it again."""

    __tablename__ = "dead_letter"
    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=100, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str = Field(max_length=2000)
    retries: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    retried_at: datetime | None = None
