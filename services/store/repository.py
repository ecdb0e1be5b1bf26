"""All of the store's SQL: reads and writes of organizations, articles, agreements and the change feed.

Takes a session and returns table rows; ingest and the API never write SQL themselves.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, delete, event, func, or_, text, update
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql import Executable
from sqlmodel import Session, SQLModel, col, select

from services.bus.messages import OrgRef
from services.store.models import (
    Agreement,
    AgreementParty,
    AgreementPerson,
    AgreementSource,
    Article,
    ArticleBand,
    Change,
    CrawlRun,
    DeadLetter,
    FieldEvidence,
    ManualLink,
    Organization,
    Page,
    Person,
    Rejection,
    RelayCursor,
    RunCount,
    Source,
    utcnow,
)

_CHANGE_FEED_LOCK = 0x464D36  # serializes change rows so sequence order is commit order on PostgreSQL

OFF_TOPIC_PREFIX = "off_topic: "  # how the reason of a page rejected as off-topic starts


def _off_topic_since(since: datetime | None) -> list[Any]:
    """The rejections `fm6ss reparse` sends again: off-topic, body archived, recorded since `since`."""
    where = [col(Rejection.reason).startswith(OFF_TOPIC_PREFIX), col(Rejection.archive_key).is_not(None)]
    return where if since is None else [*where, col(Rejection.created_at) >= since]


# The statements of ingest and of the crawl batches, built once: building a statement (and its cache
# key) cost more than running it (0.6-0.9 of 1.0 ms on a simple select); a built one is run with its
# parameters. `_many` marks a list bound as an IN list.
def _many(name: str) -> Any:
    return bindparam(name, expanding=True)


# A volatile function in the select list runs after the sort: the locks are taken in key order.
_LOCKS = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k")
_ORGANIZATIONS_BY_KEY = select(Organization).where(col(Organization.key).in_(_many("keys")))
_INSERT_ORGANIZATION_IF_NEW = pg_insert(SQLModel.metadata.tables["organization"]).on_conflict_do_nothing(
    index_elements=["key"]
)
_INSERT_PEOPLE_IF_NEW = pg_insert(SQLModel.metadata.tables["person"]).on_conflict_do_nothing(
    index_elements=["key"]
)
_ARTICLE_AND_ORIGINAL = (
    select(Article)
    .where(
        or_(
            col(Article.canonical_url) == bindparam("url"),
            and_(col(Article.text_hash) == bindparam("hash"), col(Article.duplicate_of).is_(None)),
        )
    )
    .order_by(col(Article.id))
)
_ORIGINALS_MINHASH = (
    sa_select(col(Article.id), col(Article.minhash))
    .where(col(Article.id).in_(_many("ids")), col(Article.duplicate_of).is_(None))
    .order_by(col(Article.id))
)
_SIGNINGS = sa_select(col(Agreement.id), col(Agreement.party_set), col(Agreement.signing)).order_by(
    col(Agreement.id)
)
_SIGNINGS_BY_PARTY_SET = _SIGNINGS.where(col(Agreement.party_set) == bindparam("party_set"))
_SIGNINGS_BY_PARTNER = _SIGNINGS.where(
    col(Agreement.id).in_(
        select(AgreementParty.agreement_id)
        .join(Organization, col(Organization.id) == AgreementParty.organization_id)
        .where(col(Organization.key).in_(_many("keys")))
    )
)
_PARTY_IDS = select(AgreementParty.organization_id).where(AgreementParty.agreement_id == bindparam("id"))
_PARTIES = (
    select(Organization)
    .join(AgreementParty, col(AgreementParty.organization_id) == Organization.id)
    .where(AgreementParty.agreement_id == bindparam("id"))
    .order_by(col(Organization.id))
)
_SOURCES = (
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
_SOURCE_TABLE = SQLModel.metadata.tables["agreement_source"]  # the table, not the entity: a Core INSERT
_ADD_SOURCE = {
    True: pg_insert(_SOURCE_TABLE).values(_SOURCE_VALUES).on_conflict_do_nothing(),
    False: sqlite_insert(_SOURCE_TABLE).values(_SOURCE_VALUES).on_conflict_do_nothing(),
}
_INSERT_EVIDENCE = sa_insert(FieldEvidence).execution_options(render_nulls=True)  # one statement
_MERGE_EVIDENCE = (
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
_PEOPLE = (
    select(AgreementPerson, Person)
    .join(Person, col(Person.id) == AgreementPerson.person_id)
    .where(AgreementPerson.agreement_id == bindparam("id"))
    .order_by(col(Person.name))
)
_MANUAL_LINKS = select(ManualLink.agreement_id).where(ManualLink.article_id == bindparam("id"))
# render_nulls: rows with and without a version go in one statement, not one each
_INSERT_CHANGES = sa_insert(Change).execution_options(render_nulls=True)
_PAGES = select(Page).where(col(Page.canonical_url).in_(_many("keys"))).order_by(col(Page.canonical_url))
_PAGES_FOR_UPDATE = _PAGES.with_for_update()
_REJECTIONS = select(Rejection.url, Rejection.archive_key).where(col(Rejection.url).in_(_many("urls")))
_INSERT_REJECTIONS = sa_insert(SQLModel.metadata.tables["rejection"])  # Core: plain rows, no ORM objects
_PAGE_TABLE = SQLModel.metadata.tables["page"]
_INSERT_PAGES = sa_insert(_PAGE_TABLE)
_PAGE_ROWS = (
    sa_select(_PAGE_TABLE)
    .where(_PAGE_TABLE.c.canonical_url.in_(_many("keys")))
    .order_by(_PAGE_TABLE.c.canonical_url)
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
_UPDATE_PAGES = (
    update(_PAGE_TABLE)
    .where(_PAGE_TABLE.c.id == bindparam("p_id"))
    .values({c: bindparam(f"p_{c}") for c in FETCH_COLUMNS})
)
# The parsed pages of a batch closed in one statement; PostgreSQL scans (and locks) an IN list in key
# order, as `preload_pages` does, so batches never lock crosswise.
_FINISH_PAGES = (
    update(SQLModel.metadata.tables["page"])
    .where(col(Page.canonical_url).in_(_many("keys")), col(Page.state) == "parsing")
    .values(state="done")
)


@cache
def _add_counts_statement(postgres: bool) -> Executable:
    insert = pg_insert if postgres else sqlite_insert
    stmt = insert(RunCount).values(run_id=bindparam("run_id"), name=bindparam("name"), value=bindparam("by"))
    return stmt.on_conflict_do_update(
        index_elements=["run_id", "name"], set_={"value": RunCount.value + stmt.excluded.value}
    )


@cache
def _insert_bands(count: int) -> Executable:
    """An article's `count` bands in one INSERT of several rows, bound as a, b0, v0, b1, v1, ... Written as
    text: SQLAlchemy gives a multi-row VALUES no cache key, so it would be compiled again at every call."""
    rows = ", ".join(f"(:a, :b{i}, :v{i})" for i in range(count))
    return text(f"INSERT INTO article_band (article_id, band, value) VALUES {rows}")


@cache
def _band_probe(count: int) -> Executable:
    """The articles sharing one of `count` (band, value) pairs, bound as b0, v0, b1, v1, ...: an OR of
    pairs, not a row-value IN, which SQLite only probes the index for."""
    pairs = (
        and_(col(ArticleBand.band) == bindparam(f"b{i}"), col(ArticleBand.value) == bindparam(f"v{i}"))
        for i in range(count)
    )
    return sa_select(col(ArticleBand.article_id)).where(or_(*pairs))


def _band_params(bands: Sequence[tuple[int, int]]) -> dict[str, int]:
    return {f"{k}{i}": x for i, pair in enumerate(bands) for k, x in zip("bv", pair, strict=True)}


def _organization_values(ref: OrgRef) -> dict[str, Any]:
    """A new organization's row, as a reference names it."""
    return {
        "key": ref.key,
        "name": ref.name,
        "acronym": ref.acronym,
        "aliases": sorted(set(ref.aliases)),
        "kind": ref.kind,
        "country": ref.country,
        "family": ref.family,
        "created_at": utcnow(),
    }


class NewPage(NamedTuple):
    """A page's first row: what discovery knows of it."""

    canonical_url: str
    url: str
    source: str | None
    hints: dict[str, Any]
    run_id: int | None


class SigningRow(NamedTuple):
    agreement_id: int
    field: str
    value: str
    precision: str | None
    article_id: int
    published: date | None
    recalled: bool | None


class MergeEvidence(NamedTuple):
    field: str
    value: str
    precision: str | None
    confidence: float
    article_id: int
    published: date | None
    canonical_url: str


class EvidenceRow(NamedTuple):
    """A value an article gives for an agreement field, as it is written (`FieldEvidence` without id)."""

    agreement_id: int
    article_id: int
    field: str
    value: str
    precision: str | None = None
    sentence: str | None = None
    confidence: float = 1.0


class StoredSigning(NamedTuple):
    """An agreement as resolution weighs it: its party key and its stored signing summary."""

    id: int
    party_set: str
    signing: dict[str, Any] | None


class _Core:
    """Organizations, articles, agreements, evidence and the change feed."""

    def __init__(self, session: Session, tally: bool = False) -> None:
        """With `tally`, run counters are summed in memory and written at commit, or earlier by
        `flush_counts` (a batch updates each counter row once, in name order, instead of once a page)."""
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self._tally: dict[tuple[int, str], int] | None = {} if tally else None
        # A batch loads its pages in one query (`preload_pages`); None: known missing (until the end of
        # the transaction, as everything below).
        self._pages: dict[str, Page | None] = {}
        # Agreements whose reports changed in this transaction: their stored signing summary is stale
        # until `refresh_agreement` writes it again, so resolution reads their evidence instead.
        self.unsettled: set[int] = set()
        self._locks: set[int] = set()  # advisory locks held until this transaction ends
        self._runs: dict[int, CrawlRun | None] = {}
        # Agreements created in this transaction: held here, as the session holds its rows weakly, so
        # their refresh finds them without reading them back (their inserts already lock them).
        self._created: dict[int, Agreement] = {}
        # Change rows wait for the end of the transaction: one statement for all, and the change feed's
        # lock is taken only then, so concurrent writers wait on it for the commit alone.
        self._changes: list[dict[str, Any]] = []
        event.listen(session, "before_commit", self._before_commit)
        event.listen(session, "after_transaction_end", self._after_transaction)

    def _before_commit(self, _session: Session) -> None:
        """What this repository kept for the end of the transaction is written before it commits."""
        self.flush_changes()

    def _after_transaction(self, _session: Session, transaction: Any) -> None:
        """Locks, rows held and rows kept belong to one transaction: a next one starts without them."""
        if transaction.parent is None:
            self._locks.clear()
            self._pages.clear()
            self._runs.clear()
            self._created.clear()
            self._changes.clear()
            self.unsettled.clear()
            if self._tally is not None:
                self._tally.clear()

    # -- locks ---------------------------------------------------------------------------------
    def lock_all(self, names: Iterable[str]) -> None:
        """Transaction-scoped locks (PostgreSQL; SQLite already runs one writer at a time), taken in one
        statement in the order of their keys, and not asked again while held (a repository lives for one
        transaction). Transactions that take all their locks this way, before any other, never wait on
        each other crosswise."""
        if self.postgres:
            self._lock_keys(zlib.crc32(name.encode("utf-8")) for name in names)

    def _lock_keys(self, keys: Iterable[int]) -> None:
        new = sorted(set(keys) - self._locks)
        if new:
            self.session.execute(_LOCKS, {"keys": new})
            self._locks.update(new)

    # -- organizations -------------------------------------------------------------------------
    def upsert_organizations(self, refs: Sequence[OrgRef]) -> list[Organization]:
        """The organizations of these references, in their order: read in one query, then each created,
        or given the reference's new aliases."""
        keys = list({r.key for r in refs})
        found = (
            {o.key: o for o in self.session.exec(_ORGANIZATIONS_BY_KEY, params={"keys": keys})}
            if keys
            else {}
        )
        # In key order, so two workers creating the same new ones never wait on each other crosswise; a key
        # named twice is created once: the second finds the first.
        for ref in sorted(refs, key=lambda r: r.key):
            found[ref.key] = self._upsert_organization(ref, found.get(ref.key))
        return [found[ref.key] for ref in refs]

    def _upsert_organization(self, ref: OrgRef, org: Organization | None) -> Organization:
        if org is None:
            values = _organization_values(ref)
            if not self.postgres:  # SQLite runs one writer at a time: no one else can be creating it
                org = Organization(**values)
                self.session.add(org)
                self.session.flush()
                return org
            org = self._create_organization(values)
        aliases = sorted(set(org.aliases) | set(ref.aliases) | ({ref.name} - {org.name}))
        if aliases != org.aliases:
            org.aliases = aliases
            self.session.add(org)
        return org

    def _create_organization(self, values: dict[str, Any]) -> Organization:
        """A new organization on PostgreSQL, where two workers may name it at once: the second waits for the
        first to commit, then finds the first's row (and adds its own aliases to it) instead of failing on
        the unique key and being retried."""
        self.session.execute(_INSERT_ORGANIZATION_IF_NEW, values)
        return self.session.exec(_ORGANIZATIONS_BY_KEY, params={"keys": [values["key"]]}).one()

    def organizations(self, ids: Iterable[int]) -> list[Organization]:
        ids = list(ids)
        if not ids:
            return []
        return list(self.session.exec(select(Organization).where(col(Organization.id).in_(ids))))

    def list_organizations(self, q: str | None, after: int, limit: int) -> list[Organization]:
        stmt = select(Organization).where(col(Organization.id) > after)
        if q:
            like = f"%{q.lower()}%"
            stmt = stmt.where(
                or_(func.lower(Organization.name).like(like), func.lower(Organization.acronym).like(like))
            )
        return list(self.session.exec(stmt.order_by(col(Organization.id)).limit(limit)))

    # -- articles ------------------------------------------------------------------------------
    def article_by_canonical_url(self, url: str) -> Article | None:
        return self.session.exec(select(Article).where(Article.canonical_url == url)).first()

    def article_and_original(
        self, canonical_url: str, text_hash: str
    ) -> tuple[Article | None, Article | None]:
        """In one query: the article stored under this URL, and the first original (not a copy) with
        this text hash that is not that article."""
        params = {"url": canonical_url, "hash": text_hash}
        found = list(self.session.exec(_ARTICLE_AND_ORIGINAL, params=params))
        existing = next((a for a in found if a.canonical_url == canonical_url), None)
        original = next(
            (a for a in found if a is not existing and a.text_hash == text_hash and a.duplicate_of is None),
            None,
        )
        return existing, original

    def band_candidates(
        self, bands: Sequence[tuple[int, int]], exclude: int | None
    ) -> list[tuple[int, bytes | None]]:
        """(id, packed MinHash) of the originals sharing a band: no article body is loaded, as a
        templated outlet can put dozens of its articles in one band."""
        if not bands:
            return []
        probe = _band_params(bands)
        # Two statements: the band probes first, then primary-key lookups. As one (IN a subquery),
        # PostgreSQL with stale statistics walked every original and probed the bands for each.
        ids = set(self.session.execute(_band_probe(len(bands)), probe).scalars()) - {exclude}
        if not ids:
            return []
        return [(i, m) for i, m in self.session.execute(_ORIGINALS_MINHASH, {"ids": sorted(ids)})]

    def get_article(self, article_id: int) -> Article | None:
        return self.session.get(Article, article_id)

    def save_article(self, article: Article) -> Article:
        article.updated_at = utcnow()
        self.session.add(article)
        self.session.flush()
        return article

    def replace_bands(self, article_id: int, bands: Sequence[tuple[int, int]], new: bool = False) -> None:
        """A `new` article has no bands yet: nothing to delete first."""
        if not new:
            self.session.execute(delete(ArticleBand).where(col(ArticleBand.article_id) == article_id))
        if bands:  # plain rows, no ORM object per band
            self.session.execute(_insert_bands(len(bands)), {"a": article_id, **_band_params(bands)})

    def duplicates_of(self, article_id: int) -> list[Article]:
        return list(self.session.exec(select(Article).where(Article.duplicate_of == article_id)))

    def list_articles(self, filters: dict[str, Any], after: int, limit: int) -> list[Article]:
        stmt = select(Article).where(col(Article.id) > after)
        if filters.get("relevant") is not None:
            stmt = stmt.where(Article.relevant == filters["relevant"])
        if filters.get("lang"):
            stmt = stmt.where(Article.lang == filters["lang"])
        if filters.get("outlet"):
            stmt = stmt.where(Article.outlet == filters["outlet"])
        if filters.get("q"):
            stmt = stmt.where(func.lower(Article.title).like(f"%{filters['q'].lower()}%"))
        return list(self.session.exec(stmt.order_by(col(Article.id)).limit(limit)))

    def articles_seen_since(self, since: datetime | None, after: int, limit: int) -> list[Article]:
        stmt = select(Article).where(col(Article.id) > after)
        if since is not None:
            stmt = stmt.where(col(Article.first_seen) >= since)
        return list(self.session.exec(stmt.order_by(col(Article.id)).limit(limit)))

    def count_articles_since(self, since: datetime | None) -> int:
        stmt = select(func.count()).select_from(Article)
        if since is not None:
            stmt = stmt.where(col(Article.first_seen) >= since)
        return int(self.session.exec(stmt).one())

    def off_topic_pages_since(self, since: datetime | None, after: int, limit: int) -> list[Rejection]:
        """Pages the parser dropped before extraction, with their body archived: re-parsed too."""
        stmt = select(Rejection).where(col(Rejection.id) > after, *_off_topic_since(since))
        return list(self.session.exec(stmt.order_by(col(Rejection.id)).limit(limit)))

    def count_off_topic_pages_since(self, since: datetime | None) -> int:
        stmt = select(func.count()).select_from(Rejection).where(*_off_topic_since(since))
        return int(self.session.exec(stmt).one())

    def articles(self, ids: Iterable[int]) -> list[Article]:
        ids = list(ids)
        if not ids:
            return []
        return list(self.session.exec(select(Article).where(col(Article.id).in_(ids))))

    # -- agreements ----------------------------------------------------------------------------
    def agreements_with_party_set(self, party_set: str) -> list[StoredSigning]:
        """The candidates of resolution: id, party key and signing summary, no other column."""
        return self._stored_signings(_SIGNINGS_BY_PARTY_SET, {"party_set": party_set})

    def agreements_with_partners(self, keys: Sequence[str]) -> list[StoredSigning]:
        """Agreements one of whose parties has one of these organization keys."""
        return self._stored_signings(_SIGNINGS_BY_PARTNER, {"keys": list(keys)})

    def _stored_signings(self, stmt: Executable, params: dict[str, Any]) -> list[StoredSigning]:
        return [StoredSigning(*row) for row in self.session.execute(stmt, params)]

    def create_agreement(self, party_set: str, organization_ids: Iterable[int]) -> Agreement:
        agreement = Agreement(party_set=party_set, version=0)
        self.session.add(agreement)
        self.session.flush()
        assert agreement.id is not None
        self._created[agreement.id] = agreement
        self.session.add_all(
            AgreementParty(agreement_id=agreement.id, organization_id=o)
            for o in sorted(set(organization_ids))
        )
        return agreement

    def get_agreement(self, agreement_id: int, for_update: bool = False) -> Agreement | None:
        """`for_update` locks the row until commit (PostgreSQL), so two writers never lose a version;
        one created in this transaction is locked already and is not read again."""
        if agreement_id in self._created:
            return self._created[agreement_id]
        if not for_update:
            return self.session.get(Agreement, agreement_id)
        stmt = select(Agreement).where(Agreement.id == agreement_id).with_for_update()
        return self.session.exec(stmt.execution_options(populate_existing=True)).first()

    def save_agreement(self, agreement: Agreement) -> None:
        self.session.add(agreement)
        self.session.flush()

    def delete_agreement(self, agreement_id: int) -> None:
        self.unsettled.discard(agreement_id)
        self._created.pop(agreement_id, None)
        for table in (FieldEvidence, AgreementSource, AgreementPerson, AgreementParty):
            self.session.execute(delete(table).where(col(table.agreement_id) == agreement_id))
        self.session.execute(delete(Agreement).where(col(Agreement.id) == agreement_id))

    def party_ids(self, agreement_id: int) -> list[int]:
        return sorted(self.session.exec(_PARTY_IDS, params={"id": agreement_id}))

    def parties(self, agreement_id: int) -> list[Organization]:
        """The agreement's parties, by id, in one query."""
        return list(self.session.exec(_PARTIES, params={"id": agreement_id}))

    def add_source(self, agreement_id: int, article_id: int, recalled: bool) -> bool:
        """False when the article already is a source of the agreement. One statement, no ORM object."""
        values = {"agreement_id": agreement_id, "article_id": article_id, "recalled": recalled}
        result = self.session.execute(_ADD_SOURCE[self.postgres], {**values, "added_at": utcnow()})
        if not result.rowcount:  # type: ignore[attr-defined]  # a CursorResult
            return False
        self.unsettled.add(agreement_id)
        return True

    def sources(self, agreement_id: int) -> list[AgreementSource]:
        return list(self.session.exec(_SOURCES, params={"id": agreement_id}))

    def agreement_ids_of_article(self, article_id: int) -> list[int]:
        stmt = select(AgreementSource.agreement_id).where(AgreementSource.article_id == article_id)
        return sorted(self.session.exec(stmt))

    def detach_article(self, article_id: int) -> list[int]:
        """Remove an article's sources and evidence; returns the agreements it supported."""
        touched = self.agreement_ids_of_article(article_id)
        self.unsettled.update(touched)
        self.session.execute(delete(FieldEvidence).where(col(FieldEvidence.article_id) == article_id))
        self.session.execute(delete(AgreementSource).where(col(AgreementSource.article_id) == article_id))
        return touched

    def add_evidence(self, rows: Iterable[EvidenceRow]) -> None:
        """Written in one INSERT of several rows; a value given twice is written once."""
        values: dict[tuple[int, int, str, str], dict[str, Any]] = {}
        for row in rows:
            values.setdefault((row.agreement_id, row.article_id, row.field, row.value), row._asdict())
        if values:
            self.unsettled.update(k[0] for k in values)
            self.session.execute(_INSERT_EVIDENCE, list(values.values()))

    def evidence(self, agreement_id: int) -> list[tuple[FieldEvidence, Article]]:
        stmt = (
            select(FieldEvidence, Article)
            .join(Article, col(Article.id) == FieldEvidence.article_id)
            .where(FieldEvidence.agreement_id == agreement_id)
            .order_by(col(FieldEvidence.id))
        )
        return [(e, a) for e, a in self.session.exec(stmt)]

    def signing_rows(self, agreement_ids: Sequence[int]) -> list[SigningRow]:
        """The evidence of several agreements in one query, with each report's publication date and
        whether the report only recalls the signing (no article bodies loaded)."""
        if not agreement_ids:
            return []
        stmt = (
            sa_select(
                col(FieldEvidence.agreement_id),
                col(FieldEvidence.field),
                col(FieldEvidence.value),
                col(FieldEvidence.precision),
                col(FieldEvidence.article_id),
                col(Article.published),
                col(AgreementSource.recalled),
            )
            .join(Article, col(Article.id) == FieldEvidence.article_id)
            .outerjoin(
                AgreementSource,
                and_(
                    col(AgreementSource.agreement_id) == FieldEvidence.agreement_id,
                    col(AgreementSource.article_id) == FieldEvidence.article_id,
                ),
            )
            .where(col(FieldEvidence.agreement_id).in_(agreement_ids))
            .order_by(col(FieldEvidence.id))
        )
        return [SigningRow(*row) for row in self.session.execute(stmt)]

    def upsert_people(self, names: dict[str, str]) -> dict[str, Person]:
        """The people with these keys, created with the given names where missing; one query to read."""
        if not names:
            return {}
        found = {p.key: p for p in self.session.exec(select(Person).where(col(Person.key).in_(list(names))))}
        missing = sorted(key for key in names if key not in found)
        if not missing:
            return found
        if self.postgres:
            # Two workers may name a new person at once (two partners' reports, one signatory): the second
            # waits for the first's commit and finds its row, instead of failing on the unique key. In key
            # order, so two such inserts never wait on each other crosswise.
            self.session.execute(_INSERT_PEOPLE_IF_NEW, [{"key": k, "name": names[k]} for k in missing])
            created = self.session.exec(select(Person).where(col(Person.key).in_(missing)))
            found.update((p.key, p) for p in created)
        else:  # SQLite runs one writer at a time
            rows = [Person(key=key, name=names[key]) for key in missing]
            self.session.add_all(rows)
            self.session.flush()
            found.update((p.key, p) for p in rows)
        return found

    def organization_ids(self, keys: Iterable[str]) -> dict[str, int]:
        keys = list(keys)
        if not keys:
            return {}
        stmt = sa_select(col(Organization.key), col(Organization.id)).where(col(Organization.key).in_(keys))
        return {k: i for k, i in self.session.execute(stmt)}

    def merge_evidence(self, agreement_id: int) -> list[MergeEvidence]:
        """An agreement's evidence with what merging needs of each report (no article bodies)."""
        return [MergeEvidence(*row) for row in self.session.execute(_MERGE_EVIDENCE, {"id": agreement_id})]

    def replace_people(self, agreement_id: int, people: Iterable[AgreementPerson]) -> None:
        self.session.execute(delete(AgreementPerson).where(col(AgreementPerson.agreement_id) == agreement_id))
        self.session.add_all(people)
        self.session.flush()

    def people(self, agreement_id: int) -> list[tuple[AgreementPerson, Person]]:
        return [(ap, p) for ap, p in self.session.exec(_PEOPLE, params={"id": agreement_id})]

    def list_agreements(self, filters: dict[str, Any], after: int, limit: int) -> list[Agreement]:
        stmt = select(Agreement).where(col(Agreement.id) > after)
        if filters.get("party"):
            like = f"%{filters['party'].lower()}%"
            orgs = (
                select(AgreementParty.agreement_id)
                .join(Organization, col(Organization.id) == AgreementParty.organization_id)
                .where(
                    or_(
                        func.lower(Organization.name).like(like),
                        func.lower(Organization.acronym).like(like),
                        Organization.key == filters["party"],
                    )
                )
            )
            stmt = stmt.where(col(Agreement.id).in_(orgs))
        if filters.get("signed_from"):
            stmt = stmt.where(col(Agreement.signed_on) >= filters["signed_from"])
        if filters.get("signed_to"):
            stmt = stmt.where(col(Agreement.signed_on) <= filters["signed_to"])
        if filters.get("theme"):
            stmt = stmt.where(col(Agreement.themes_index).contains(f"|{filters['theme']}|"))
        if filters.get("q"):
            stmt = stmt.where(col(Agreement.search_text).contains(filters["q"].casefold()))
        return list(self.session.exec(stmt.order_by(col(Agreement.id)).limit(limit)))

    def add_parties(self, agreement_id: int, organization_ids: Iterable[int]) -> None:
        missing = set(organization_ids) - set(self.party_ids(agreement_id))
        if missing:
            self.session.add_all(
                AgreementParty(agreement_id=agreement_id, organization_id=o) for o in sorted(missing)
            )
            self.session.flush()

    # -- change feed ---------------------------------------------------------------------------
    def record_change(
        self, entity: str, entity_id: int, action: str, version: int | None, payload: dict[str, Any]
    ) -> None:
        """Kept until the transaction ends (`flush_changes`, called before every commit)."""
        row = {"entity": entity, "entity_id": entity_id, "action": action, "version": version}
        self._changes.append({**row, "payload": payload, "created_at": utcnow()})

    def flush_changes(self) -> None:
        """Write the change rows kept so far, in the order they were recorded, in one statement."""
        if not self._changes:
            return
        rows, self._changes = self._changes, []
        if self.postgres:
            self._lock_keys([_CHANGE_FEED_LOCK])
        self.session.execute(_INSERT_CHANGES, rows)

    def record_rejections(self, rows: Sequence[tuple[str, str, str | None, int | None]]) -> None:
        """Rejections (url, reason, archive key, run) in one statement, but those already recorded
        with the same body (read in one query first) or named twice in the batch."""
        known = {
            (u, k) for u, k in self.session.exec(_REJECTIONS, params={"urls": sorted({r[0] for r in rows})})
        }
        new: dict[tuple[str, str | None], dict[str, Any]] = {}
        for url, reason, archive_key, run_id in rows:
            if (url, archive_key) not in known:
                values = {"url": url, "reason": reason, "archive_key": archive_key, "run_id": run_id}
                new.setdefault((url, archive_key), {**values, "created_at": utcnow()})
        if new:
            self.session.execute(_INSERT_REJECTIONS, list(new.values()))

    def finish_pages(self, canonical_urls: Sequence[str]) -> None:
        """Pages waiting for their parse are done, in one statement (pages in another state stay)."""
        if canonical_urls:
            self.session.execute(_FINISH_PAGES, {"keys": sorted(set(canonical_urls))})

    def add_dead_letter(self, task: str, payload: dict[str, Any], error: str, retries: int) -> DeadLetter:
        row = DeadLetter(task=task, payload=payload, error=error, retries=retries)
        self.session.add(row)
        self.session.flush()
        return row

    def dead_letters(self, after: int, limit: int, pending_only: bool = False) -> list[DeadLetter]:
        stmt = select(DeadLetter).where(col(DeadLetter.id) > after)
        if pending_only:
            stmt = stmt.where(col(DeadLetter.retried_at).is_(None))
        return list(self.session.exec(stmt.order_by(col(DeadLetter.id)).limit(limit)))

    def count_dead_letters(self) -> int:
        return int(self.session.exec(select(func.count()).select_from(DeadLetter)).one())

    def last_change_seq(self) -> int:
        return int(self.session.exec(select(func.max(Change.seq))).one() or 0)

    def dead_letter(self, letter_id: int) -> DeadLetter | None:
        return self.session.get(DeadLetter, letter_id)

    def relay_cursor(self, name: str) -> RelayCursor:
        """The consumer's cursor, locked until commit so two relays never send the same batch. The first
        relay of a consumer creates it; two first relays at once create it once (insert or nothing)."""
        insert = pg_insert if self.postgres else sqlite_insert
        values = {"name": name, "seq": 0, "failures": 0, "updated_at": utcnow()}
        self.session.execute(insert(RelayCursor).values(**values).on_conflict_do_nothing())
        stmt = select(RelayCursor).where(RelayCursor.name == name).with_for_update()
        return self.session.exec(stmt).one()

    def relay_cursors(self) -> list[RelayCursor]:
        return list(self.session.exec(select(RelayCursor).order_by(col(RelayCursor.name))))

    def changes_after(self, seq: int, limit: int) -> list[Change]:
        stmt = select(Change).where(col(Change.seq) > seq).order_by(col(Change.seq)).limit(limit)
        return list(self.session.exec(stmt))

    def counts(self) -> dict[str, int]:
        out = {}
        for name, table in (
            ("articles", Article),
            ("agreements", Agreement),
            ("organizations", Organization),
            ("changes", Change),
        ):
            out[name] = int(self.session.exec(select(func.count()).select_from(table)).one())
        return out


class _Crawl(_Core):
    """SQL of crawling: sources, pages and their validators, crawl runs and their counters."""

    def upsert_source(self, values: dict[str, Any]) -> Source:
        source = self.source(values["name"])
        if source is None:
            source = Source(**values)
        else:
            for key, value in values.items():
                setattr(source, key, value)
        self.session.add(source)
        self.session.flush()
        return source

    def source(self, name: str) -> Source | None:
        return self.session.exec(select(Source).where(Source.name == name)).first()

    def list_sources(self, enabled_only: bool = False) -> list[Source]:
        stmt = select(Source).order_by(col(Source.name))
        if enabled_only:
            stmt = stmt.where(col(Source.enabled).is_(True))
        return list(self.session.exec(stmt))

    def preload_pages(self, canonical_urls: Sequence[str], for_update: bool = False) -> None:
        """Read a batch's pages in one query (locked, in key order, when for update); `page` then answers
        from memory for these keys."""
        keys = sorted(set(canonical_urls))
        stmt = _PAGES_FOR_UPDATE if for_update else _PAGES
        self._pages = dict.fromkeys(keys)
        self._pages.update({p.canonical_url: p for p in self.session.exec(stmt, params={"keys": keys})})

    def page(self, canonical_url: str, for_update: bool = False) -> Page | None:
        if canonical_url in self._pages:
            return self._pages[canonical_url]
        stmt = select(Page).where(Page.canonical_url == canonical_url)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.exec(stmt).first()

    def add_pages(self, rows: Sequence[NewPage]) -> None:
        """Pages the store has never seen, queued for their first fetch, in one statement: plain rows, no
        ORM object a page (building one cost more than its share of the INSERT)."""
        if rows:
            now = utcnow()
            self.session.execute(
                _INSERT_PAGES,
                [
                    {
                        **row._asdict(),
                        "state": "queued",
                        "attempts": 0,
                        "discovered_at": now,
                        "queued_at": now,
                    }
                    for row in rows
                ],
            )

    def page_rows(self, canonical_urls: Sequence[str]) -> dict[str, dict[str, Any]]:
        """A batch's pages as plain dicts by key, read and locked in key order in one query."""
        rows = self.session.execute(_PAGE_ROWS, {"keys": sorted(set(canonical_urls))}).mappings()
        return {row["canonical_url"]: dict(row) for row in rows}

    def write_pages(self, pages: Sequence[dict[str, Any]]) -> None:
        """The pages of `page_rows`, changed in their FETCH_COLUMNS, written in one statement; those
        without an id (not stored yet) inserted in another."""
        changed = [{f"p_{c}": page[c] for c in ("id", *FETCH_COLUMNS)} for page in pages if page["id"]]
        if changed:
            self.session.execute(_UPDATE_PAGES, changed)
        new = [{k: v for k, v in page.items() if k != "id"} for page in pages if not page["id"]]
        if new:
            self.session.execute(_INSERT_PAGES, new)

    def save_page(self, page: Page) -> Page:
        self.session.add(page)
        if page.canonical_url in self._pages:  # a preloaded batch: written at the end, in one flush
            self._pages[page.canonical_url] = page
        else:
            self.session.flush()
        return page

    def stale_pages(self, state: str, before: datetime, limit: int) -> list[Page]:
        stmt = (
            select(Page)
            .where(Page.state == state, or_(col(Page.queued_at).is_(None), col(Page.queued_at) < before))
            .order_by(col(Page.id))
            .limit(limit)
        )
        return list(self.session.exec(stmt))

    def pages_of_run(self, run_id: int, states: Sequence[str]) -> int:
        stmt = (
            select(func.count()).select_from(Page).where(Page.run_id == run_id, col(Page.state).in_(states))
        )
        return int(self.session.exec(stmt).one())

    def failed_pages(self, run_id: int | None, limit: int) -> list[Page]:
        stmt = select(Page).where(Page.state == "failed")
        if run_id is not None:
            stmt = stmt.where(Page.run_id == run_id)
        return list(self.session.exec(stmt.order_by(col(Page.id)).limit(limit)))

    def start_run(self, trigger: str, scope: dict[str, Any], force: bool) -> CrawlRun:
        run = CrawlRun(trigger=trigger, scope=scope, force=force)
        self.session.add(run)
        self.session.flush()
        return run

    def run(self, run_id: int) -> CrawlRun | None:
        """Read once a transaction: the session holds rows weakly, so without this a batch read its run
        again for every page (and flushed the batch's pages one by one before each read)."""
        if run_id not in self._runs:
            self._runs[run_id] = self.session.get(CrawlRun, run_id)
        return self._runs[run_id]

    def runs(self, after: int, limit: int) -> list[CrawlRun]:
        stmt = select(CrawlRun).where(col(CrawlRun.id) > after).order_by(col(CrawlRun.id)).limit(limit)
        return list(self.session.exec(stmt))

    def latest_runs(self, limit: int) -> list[CrawlRun]:
        return list(self.session.exec(select(CrawlRun).order_by(col(CrawlRun.id).desc()).limit(limit)))

    def count(self, run_id: int | None, name: str, by: int = 1) -> None:
        """Add to a run's counter in one statement, safe under concurrent workers."""
        if run_id is None or by == 0:
            return
        if self._tally is not None:
            self._tally[(run_id, name)] = self._tally.get((run_id, name), 0) + by
            return
        self._add_count(run_id, name, by)

    def _before_commit(self, session: Session) -> None:
        super()._before_commit(session)
        self.flush_counts()

    def flush_counts(self) -> None:
        """Write the tallied counters (a repository made without `tally` writes them as it goes)."""
        if self._tally is None:
            return
        tally, self._tally = self._tally, {}
        rows = [(run_id, name, by) for (run_id, name), by in sorted(tally.items()) if by]
        if rows:  # one statement for all; rows in key order, so two batches never lock crosswise
            self._add_counts(rows)

    def _add_count(self, run_id: int, name: str, by: int) -> None:
        self._add_counts([(run_id, name, by)])

    def _add_counts(self, rows: list[tuple[int, str, int]]) -> None:
        params = [{"run_id": r, "name": n, "by": by} for r, n, by in rows]
        self.session.execute(_add_counts_statement(self.postgres), params)

    def run_count_totals(self) -> dict[str, int]:
        stmt = select(RunCount.name, func.sum(RunCount.value)).group_by(col(RunCount.name))
        return {name: int(total or 0) for name, total in self.session.exec(stmt)}

    def count_of(self, run_id: int, name: str) -> int:
        """One counter of a run, with what this transaction has tallied but not written yet."""
        stmt = select(RunCount.value).where(RunCount.run_id == run_id, RunCount.name == name)
        pending = self._tally.get((run_id, name), 0) if self._tally is not None else 0
        return int(self.session.exec(stmt).first() or 0) + pending

    def runs_started_between(self, start: datetime, end: datetime) -> list[CrawlRun]:
        stmt = select(CrawlRun).where(col(CrawlRun.started_at) >= start, col(CrawlRun.started_at) < end)
        return list(self.session.exec(stmt.order_by(col(CrawlRun.id))))

    def counts_of_run(self, run_id: int) -> dict[str, int]:
        stmt = select(RunCount).where(RunCount.run_id == run_id).order_by(col(RunCount.name))
        return {c.name: c.value for c in self.session.exec(stmt)}


class Repository(_Crawl):
    """The store's one SQL module. Operators' decisions are here too: manual links from articles to
    agreements, which resolution must respect."""

    def manual_links(self, article_id: int) -> list[int]:
        return sorted(self.session.exec(_MANUAL_LINKS, params={"id": article_id}))

    def set_manual_link(self, article_id: int, agreement_id: int) -> None:
        self.session.execute(delete(ManualLink).where(col(ManualLink.article_id) == article_id))
        self.session.add(ManualLink(article_id=article_id, agreement_id=agreement_id))
        self.session.flush()

    def move_sources(self, from_id: int, to_id: int) -> list[int]:
        article_ids = [s.article_id for s in self.sources(from_id)]
        for article_id in article_ids:
            self.move_source(from_id, to_id, article_id)
        return article_ids

    def move_source(self, from_id: int, to_id: int, article_id: int) -> None:
        """Move one report (its source row and its evidence) from one agreement to another."""
        link = self.session.get(AgreementSource, (from_id, article_id))
        recalled = bool(link and link.recalled)
        self.unsettled.update((from_id, to_id))
        self.session.execute(
            delete(AgreementSource).where(
                col(AgreementSource.agreement_id) == from_id, col(AgreementSource.article_id) == article_id
            )
        )
        if self.add_source(to_id, article_id, recalled):
            self.session.execute(
                update(FieldEvidence)
                .where(
                    col(FieldEvidence.agreement_id) == from_id, col(FieldEvidence.article_id) == article_id
                )
                .values(agreement_id=to_id)
            )
        self.session.execute(
            delete(FieldEvidence).where(
                col(FieldEvidence.agreement_id) == from_id, col(FieldEvidence.article_id) == article_id
            )
        )
        self.session.flush()
