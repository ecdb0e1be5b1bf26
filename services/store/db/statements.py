"""The store's prebuilt statements: ingest's and the crawl batches', built once at import.

The repositories (pages.py, articles.py, agreements.py, ...) run them with their parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, text, update
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql import Executable
from sqlmodel import SQLModel, col, select

from services.store.db.models import (
    Agreement,
    AgreementParty,
    AgreementPerson,
    AgreementSource,
    Article,
    ArticleBand,
    Change,
    FieldEvidence,
    ManualLink,
    Organization,
    Page,
    Person,
    Rejection,
    RunCount,
)

CHANGE_FEED_LOCK = 0x464D36  # serializes change rows so sequence order is commit order on PostgreSQL


# The statements of ingest and of the crawl batches, built once: building a statement (and its cache
# key) cost more than running it (0.6-0.9 of 1.0 ms on a simple select); a built one is run with its
# parameters. `_many` marks a list bound as an IN list.
def _many(name: str) -> Any:
    return bindparam(name, expanding=True)


# A volatile function in the select list runs after the sort: the locks are taken in key order.
LOCKS = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k")
ORGANIZATIONS_BY_KEY = select(Organization).where(col(Organization.key).in_(_many("keys")))
INSERT_ORGANIZATION_IF_NEW = pg_insert(SQLModel.metadata.tables["organization"]).on_conflict_do_nothing(
    index_elements=["key"]
)
INSERT_PEOPLE_IF_NEW = pg_insert(SQLModel.metadata.tables["person"]).on_conflict_do_nothing(
    index_elements=["key"]
)
ARTICLE_AND_ORIGINAL = (
    select(Article)
    .where(
        or_(
            col(Article.canonical_url) == bindparam("url"),
            and_(col(Article.text_hash) == bindparam("hash"), col(Article.duplicate_of).is_(None)),
        )
    )
    .order_by(col(Article.id))
)
ORIGINALS_MINHASH = (
    sa_select(col(Article.id), col(Article.minhash))
    .where(col(Article.id).in_(_many("ids")), col(Article.duplicate_of).is_(None))
    .order_by(col(Article.id))
)
SIGNINGS = sa_select(col(Agreement.id), col(Agreement.party_set), col(Agreement.signing)).order_by(
    col(Agreement.id)
)
SIGNINGS_BY_PARTY_SET = SIGNINGS.where(col(Agreement.party_set) == bindparam("party_set"))
SIGNINGS_BY_PARTNER = SIGNINGS.where(
    col(Agreement.id).in_(
        select(AgreementParty.agreement_id)
        .join(Organization, col(Organization.id) == AgreementParty.organization_id)
        .where(col(Organization.key).in_(_many("keys")))
    )
)
PARTY_IDS = select(AgreementParty.organization_id).where(AgreementParty.agreement_id == bindparam("id"))
PARTIES = (
    select(Organization)
    .join(AgreementParty, col(AgreementParty.organization_id) == Organization.id)
    .where(AgreementParty.agreement_id == bindparam("id"))
    .order_by(col(Organization.id))
)
SOURCES = (
    select(AgreementSource)
    .where(AgreementSource.agreement_id == bindparam("id"))
    # Rows are written and deleted by plain statements: the session's copies are read again.
    .execution_options(populate_existing=True)
)
_SOURCE_VALUES: dict[str, Any] = {
    "agreement_id": bindparam("agreement_id"),
    "article_id": bindparam("article_id"),
    "recalled": bindparam("recalled"),
    "added_at": bindparam("added_at"),
}
SOURCE_TABLE = SQLModel.metadata.tables["agreement_source"]  # the table, not the entity: a Core INSERT
# RETURNING says whether the row was inserted: psycopg reports no row count (-1) for this statement.
ADD_SOURCE = {
    True: pg_insert(SOURCE_TABLE)
    .values(_SOURCE_VALUES)
    .on_conflict_do_nothing()
    .returning(SOURCE_TABLE.c.article_id),
    False: sqlite_insert(SOURCE_TABLE)
    .values(_SOURCE_VALUES)
    .on_conflict_do_nothing()
    .returning(SOURCE_TABLE.c.article_id),
}
INSERT_EVIDENCE = sa_insert(FieldEvidence).execution_options(render_nulls=True)  # one statement
MERGE_EVIDENCE = (
    sa_select(
        col(FieldEvidence.field),
        col(FieldEvidence.value),
        col(FieldEvidence.precision),
        col(FieldEvidence.confidence),
        col(FieldEvidence.article_id),
        col(Article.published),
        col(Article.canonical_url),
    )
    .join(Article, col(Article.id) == FieldEvidence.article_id)
    .where(col(FieldEvidence.agreement_id) == bindparam("id"))
    .order_by(col(FieldEvidence.id))
)
PEOPLE = (
    select(AgreementPerson, Person)
    .join(Person, col(Person.id) == AgreementPerson.person_id)
    .where(AgreementPerson.agreement_id == bindparam("id"))
    .order_by(col(Person.name))
)
MANUAL_LINKS = select(ManualLink.agreement_id).where(ManualLink.article_id == bindparam("id"))
# render_nulls: rows with and without a version go in one statement, not one each
INSERT_CHANGES = sa_insert(Change).execution_options(render_nulls=True)
PAGES = select(Page).where(col(Page.canonical_url).in_(_many("keys"))).order_by(col(Page.canonical_url))
PAGES_FOR_UPDATE = PAGES.with_for_update()
REJECTIONS = select(Rejection.url, Rejection.archive_key).where(col(Rejection.url).in_(_many("urls")))
INSERT_REJECTIONS = sa_insert(SQLModel.metadata.tables["rejection"])  # Core: plain rows, no ORM objects
PAGE_TABLE = SQLModel.metadata.tables["page"]
INSERT_PAGES = sa_insert(PAGE_TABLE)
PAGE_ROWS = (
    sa_select(PAGE_TABLE)
    .where(PAGE_TABLE.c.canonical_url.in_(_many("keys")))
    .order_by(PAGE_TABLE.c.canonical_url)
    .with_for_update()
)
# What a fetch's outcome changes on a page; bound as p_<column> (a bound name may not be a column's).
FETCH_COLUMNS = (
    "state",
    "etag",
    "last_modified",
    "archive_key",
    "failure",
    "failure_detail",
    "attempts",
    "run_id",
    "queued_at",
    "fetched_at",
)
UPDATE_PAGES = (
    update(PAGE_TABLE)
    .where(PAGE_TABLE.c.id == bindparam("p_id"))
    .values({c: bindparam(f"p_{c}") for c in FETCH_COLUMNS})
)
# The parsed pages of a batch closed in one statement; PostgreSQL scans (and locks) an IN list in key
# order, as `preload_pages` does, so batches never lock crosswise.
FINISH_PAGES = (
    update(SQLModel.metadata.tables["page"])
    .where(col(Page.canonical_url).in_(_many("keys")), col(Page.state) == "parsing")
    .values(state="done")
)


@cache
def add_counts_statement(postgres: bool) -> Executable:
    insert = pg_insert if postgres else sqlite_insert
    stmt = insert(RunCount).values(run_id=bindparam("run_id"), name=bindparam("name"), value=bindparam("by"))
    return stmt.on_conflict_do_update(
        index_elements=["run_id", "name"], set_={"value": RunCount.value + stmt.excluded.value}
    )


@cache
def insert_bands(count: int) -> Executable:
    """An article's `count` bands in one INSERT of several rows, bound as a, b0, v0, b1, v1, ... Written as
    text: SQLAlchemy gives a multi-row VALUES no cache key, so it would be compiled again at every call."""
    rows = ", ".join(f"(:a, :b{i}, :v{i})" for i in range(count))
    return text(f"INSERT INTO article_band (article_id, band, value) VALUES {rows}")


@cache
def band_probe(count: int) -> Executable:
    """The articles sharing one of `count` (band, value) pairs, bound as b0, v0, b1, v1, ...: an OR of
    pairs, not a row-value IN, which SQLite only probes the index for."""
    pairs = (
        and_(col(ArticleBand.band) == bindparam(f"b{i}"), col(ArticleBand.value) == bindparam(f"v{i}"))
        for i in range(count)
    )
    return sa_select(col(ArticleBand.article_id)).where(or_(*pairs))


def band_params(bands: Sequence[tuple[int, int]]) -> dict[str, int]:
    return {f"{k}{i}": x for i, pair in enumerate(bands) for k, x in zip("bv", pair, strict=True)}
