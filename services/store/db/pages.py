"""Crawl bookkeeping: pages and their rejections, crawl runs and their counters, and the sources."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, or_
from sqlmodel import col, select

from services.bus.urls import InvalidUrl, canonical_url
from services.store.db import statements as sql
from services.store.db.listing import paged, starting
from services.store.db.models import CrawlRun, Page, Rejection, RunCount, Source, SourceCheck, utcnow
from services.store.db.repository import Repository
from services.store.db.statements import FETCH_COLUMNS

OFF_TOPIC_PREFIX = "off_topic: "  # how the reason of a page rejected as off-topic starts


def _off_topic_since(since: datetime | None) -> list[Any]:
    """The rejections `fm6ss reparse` sends again: off-topic, body archived, recorded since `since`."""
    where = [col(Rejection.reason).startswith(OFF_TOPIC_PREFIX), col(Rejection.archive_key).is_not(None)]
    return where if since is None else [*where, col(Rejection.created_at) >= since]


def page_keys(urls: Iterable[str]) -> list[str]:
    """The pages' keys of these URLs; a URL without a canonical form has no page and is left out."""
    keys = []
    for url in urls:
        try:
            keys.append(canonical_url(url))
        except InvalidUrl:
            continue
    return keys


class NewPage(NamedTuple):
    """A page's first row: what discovery knows of it."""

    canonical_url: str
    url: str
    source: str | None
    hints: dict[str, Any]
    run_id: int | None


class Pages(Repository):
    """Pages, their validators and the rejections of their bodies."""

    def preload(self, canonical_urls: Sequence[str], for_update: bool = False) -> None:
        """Read a batch's pages in one query (locked, in key order, when for update); `get` then answers
        from memory for these keys."""
        keys = sorted(set(canonical_urls))
        stmt = sql.PAGES_FOR_UPDATE if for_update else sql.PAGES
        self.uow.pages_read = dict.fromkeys(keys)
        self.uow.pages_read.update(
            {p.canonical_url: p for p in self.session.exec(stmt, params={"keys": keys})}
        )

    def get(self, canonical_url: str, for_update: bool = False) -> Page | None:
        if canonical_url in self.uow.pages_read:
            return self.uow.pages_read[canonical_url]
        stmt = select(Page).where(Page.canonical_url == canonical_url)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.exec(stmt).first()

    def add_new(self, rows: Sequence[NewPage]) -> None:
        """Pages the store has never seen, queued for their first fetch, in one statement: plain rows, no
        ORM object a page (building one cost more than its share of the INSERT)."""
        if rows:
            now = utcnow()
            self.session.execute(
                sql.INSERT_PAGES,
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

    def rows(self, canonical_urls: Sequence[str]) -> dict[str, dict[str, Any]]:
        """A batch's pages as plain dicts by key, read and locked in key order in one query."""
        rows = self.session.execute(sql.PAGE_ROWS, {"keys": sorted(set(canonical_urls))}).mappings()
        return {row["canonical_url"]: dict(row) for row in rows}

    def write_rows(self, pages: Sequence[dict[str, Any]]) -> None:
        """The pages of `rows`, changed in their FETCH_COLUMNS, written in one statement; those without an
        id (not stored yet) inserted in another."""
        changed = [{f"p_{c}": page[c] for c in ("id", *FETCH_COLUMNS)} for page in pages if page["id"]]
        if changed:
            self.session.execute(sql.UPDATE_PAGES, changed)
        new = [{k: v for k, v in page.items() if k != "id"} for page in pages if not page["id"]]
        if new:
            self.session.execute(sql.INSERT_PAGES, new)

    def save(self, page: Page) -> Page:
        self.session.add(page)
        if page.canonical_url in self.uow.pages_read:  # a preloaded batch: written at the end, in one flush
            self.uow.pages_read[page.canonical_url] = page
        else:
            self.session.flush()
        return page

    def stale(self, state: str, before: datetime, limit: int) -> list[Page]:
        stmt = (
            select(Page)
            .where(Page.state == state, or_(col(Page.queued_at).is_(None), col(Page.queued_at) < before))
            .order_by(col(Page.id))
            .limit(limit)
        )
        return list(self.session.exec(stmt))

    def count_of_run(self, run_id: int, states: Sequence[str]) -> int:
        stmt = (
            select(func.count()).select_from(Page).where(Page.run_id == run_id, col(Page.state).in_(states))
        )
        return int(self.session.exec(stmt).one())

    def failed(self, run_id: int | None, limit: int) -> list[Page]:
        stmt = select(Page).where(Page.state == "failed")
        if run_id is not None:
            stmt = stmt.where(Page.run_id == run_id)
        return list(self.session.exec(stmt.order_by(col(Page.id)).limit(limit)))

    def finish(self, urls: Iterable[str]) -> None:
        """The pages of these URLs that wait for their parse are done, in one statement (pages in another
        state stay; a URL without a canonical form has no page)."""
        keys = page_keys(urls)
        if keys:
            self.session.execute(sql.FINISH_PAGES, {"keys": sorted(set(keys))})

    def add_rejections(self, rows: Sequence[tuple[str, str, str | None, int | None]]) -> None:
        """Rejections (url, reason, archive key, run) in one statement, but those already recorded
        with the same body (read in one query first) or named twice in the batch."""
        known = {
            (u, k)
            for u, k in self.session.exec(sql.REJECTIONS, params={"urls": sorted({r[0] for r in rows})})
        }
        new: dict[tuple[str, str | None], dict[str, Any]] = {}
        for url, reason, archive_key, run_id in rows:
            if (url, archive_key) not in known:
                values = {"url": url, "reason": reason, "archive_key": archive_key, "run_id": run_id}
                new.setdefault((url, archive_key), {**values, "created_at": utcnow()})
        if new:
            self.session.execute(sql.INSERT_REJECTIONS, list(new.values()))

    def off_topic_since(self, since: datetime | None, after: int, limit: int) -> list[Rejection]:
        """Pages the parser dropped before extraction, with their body archived: re-parsed too."""
        stmt = select(Rejection).where(col(Rejection.id) > after, *_off_topic_since(since))
        return list(self.session.exec(stmt.order_by(col(Rejection.id)).limit(limit)))

    def count_off_topic_since(self, since: datetime | None) -> int:
        stmt = select(func.count()).select_from(Rejection).where(*_off_topic_since(since))
        return int(self.session.exec(stmt).one())

    def rejections(self, reason: str | None, after: int, limit: int, newest: bool = False) -> list[Rejection]:
        """Rejected pages, those whose reason starts with `reason` when given."""
        stmt = select(Rejection)
        if reason:
            stmt = stmt.where(starting(Rejection.reason, reason))
        return list(self.session.exec(paged(stmt, col(Rejection.id), after, limit, newest)))

    def rejections_of(self, urls: Sequence[str]) -> list[Rejection]:
        """Every rejection recorded for these URLs, oldest first."""
        stmt = select(Rejection).where(col(Rejection.url).in_(list(urls)))
        return list(self.session.exec(stmt.order_by(col(Rejection.id))))


class Runs(Repository):
    """Crawl runs and their counters (the counters' writes go through the unit of work's tally)."""

    def start(self, trigger: str, scope: dict[str, Any], force: bool) -> CrawlRun:
        run = CrawlRun(trigger=trigger, scope=scope, force=force)
        self.session.add(run)
        self.session.flush()
        return run

    def get(self, run_id: int) -> CrawlRun | None:
        """Read once a transaction: the session holds rows weakly, so without this a batch read its run
        again for every page (and flushed the batch's pages one by one before each read)."""
        if run_id not in self.uow.runs_read:
            self.uow.runs_read[run_id] = self.session.get(CrawlRun, run_id)
        return self.uow.runs_read[run_id]

    def after(self, after: int, limit: int, newest: bool = False) -> list[CrawlRun]:
        return list(self.session.exec(paged(select(CrawlRun), col(CrawlRun.id), after, limit, newest)))

    def latest(self, limit: int) -> list[CrawlRun]:
        return list(self.session.exec(select(CrawlRun).order_by(col(CrawlRun.id).desc()).limit(limit)))

    def started_between(self, start: datetime, end: datetime) -> list[CrawlRun]:
        stmt = select(CrawlRun).where(col(CrawlRun.started_at) >= start, col(CrawlRun.started_at) < end)
        return list(self.session.exec(stmt.order_by(col(CrawlRun.id))))

    def count_totals(self) -> dict[str, int]:
        stmt = select(RunCount.name, func.sum(RunCount.value)).group_by(col(RunCount.name))
        return {name: int(total or 0) for name, total in self.session.exec(stmt)}

    def count_of(self, run_id: int, name: str) -> int:
        """One counter of a run, with what this transaction has tallied but not written yet."""
        stmt = select(RunCount.value).where(RunCount.run_id == run_id, RunCount.name == name)
        return int(self.session.exec(stmt).first() or 0) + self.uow.pending_count(run_id, name)

    def counts(self, run_id: int) -> dict[str, int]:
        stmt = select(RunCount).where(RunCount.run_id == run_id).order_by(col(RunCount.name))
        return {c.name: c.value for c in self.session.exec(stmt)}


class Sources(Repository):
    """The configured sources."""

    def upsert(self, values: dict[str, Any]) -> Source:
        source = self.get(values["name"])
        if source is None:
            source = Source(**values)
        else:
            for key, value in values.items():
                setattr(source, key, value)
        self.session.add(source)
        self.session.flush()
        return source

    def get(self, name: str) -> Source | None:
        return self.session.exec(select(Source).where(Source.name == name)).first()

    def delete(self, source: Source) -> None:
        self.session.delete(source)

    def list_all(self, enabled_only: bool = False) -> list[Source]:
        stmt = select(Source).order_by(col(Source.name))
        if enabled_only:
            stmt = stmt.where(col(Source.enabled).is_(True))
        return list(self.session.exec(stmt))

    def save_check(self, values: dict[str, Any]) -> SourceCheck:
        """A source's latest check, in place of the one before."""
        row = self.session.get(SourceCheck, values["name"])
        if row is None:
            row = SourceCheck(**values)
        else:
            for key, value in values.items():
                setattr(row, key, value)
        self.session.add(row)
        return row

    def checks(self) -> dict[str, SourceCheck]:
        """Every source's latest check, by name."""
        return {row.name: row for row in self.session.exec(select(SourceCheck))}

    def forget_check(self, name: str) -> None:
        row = self.session.get(SourceCheck, name)
        if row is not None:
            self.session.delete(row)
