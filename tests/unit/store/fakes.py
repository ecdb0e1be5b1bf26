"""An in-memory unit of work for the store's crawl handlers: the same repository methods they call,
kept in dicts, so a handler's decisions are tested without a database (the real SQL is tested in
tests/integration)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from services.store.db.models import CrawlRun, Page, Rejection, Source, utcnow
from services.store.db.pages import NewPage, page_keys
from services.store.db.statements import FETCH_COLUMNS


class FakeSession:
    def __init__(self) -> None:
        self.added: list[Any] = []

    def add(self, row: Any) -> None:
        self.added.append(row)


class FakePages:
    def __init__(self) -> None:
        self.by_key: dict[str, Page] = {}
        self.rejections: list[Rejection] = []
        self.finished: list[str] = []

    def preload(self, canonical_urls: Sequence[str], for_update: bool = False) -> None:
        pass

    def get(self, canonical_url: str, for_update: bool = False) -> Page | None:
        return self.by_key.get(canonical_url)

    def add_new(self, rows: Sequence[NewPage]) -> None:
        for row in rows:
            page = Page(**row._asdict(), state="queued", queued_at=utcnow())
            page.id = len(self.by_key) + 1
            self.by_key[row.canonical_url] = page

    def save(self, page: Page) -> Page:
        self.by_key[page.canonical_url] = page
        return page

    def rows(self, canonical_urls: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {k: self.by_key[k].model_dump() for k in sorted(set(canonical_urls)) if k in self.by_key}

    def write_rows(self, pages: Sequence[dict[str, Any]]) -> None:
        for row in pages:
            page = self.by_key.get(row["canonical_url"])
            if page is None:
                page = self.by_key[row["canonical_url"]] = Page(**{k: v for k, v in row.items() if k != "id"})
            for column in FETCH_COLUMNS:
                setattr(page, column, row[column])

    def finish(self, urls: Iterable[str]) -> None:
        for key in page_keys(urls):
            page = self.by_key.get(key)
            if page is not None and page.state == "parsing":
                page.state = "done"
            self.finished.append(key)

    def add_rejections(self, rows: Sequence[tuple[str, str, str | None, int | None]]) -> None:
        known = {(r.url, r.archive_key) for r in self.rejections}
        for url, reason, archive_key, run_id in rows:
            if (url, archive_key) not in known:
                known.add((url, archive_key))
                self.rejections.append(
                    Rejection(url=url, reason=reason, archive_key=archive_key, run_id=run_id)
                )

    def stale(self, state: str, before: datetime, limit: int) -> list[Page]:
        found = [
            p
            for p in self.by_key.values()
            if p.state == state and (p.queued_at is None or p.queued_at < before)
        ]
        return found[:limit]

    def count_of_run(self, run_id: int, states: Sequence[str]) -> int:
        return sum(1 for p in self.by_key.values() if p.run_id == run_id and p.state in states)

    def failed(self, run_id: int | None, limit: int) -> list[Page]:
        return [p for p in self.by_key.values() if p.state == "failed" and run_id in (None, p.run_id)][:limit]


class FakeRuns:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.by_id: dict[int, CrawlRun] = {}

    def start(self, trigger: str, scope: dict[str, Any], force: bool) -> CrawlRun:
        run = CrawlRun(id=len(self.by_id) + 1, trigger=trigger, scope=scope, force=force)
        self.by_id[run.id] = run  # type: ignore[index]
        return run

    def get(self, run_id: int) -> CrawlRun | None:
        return self.by_id.get(run_id)

    def count_of(self, run_id: int, name: str) -> int:
        return self.uow.counted[(run_id, name)]

    def counts(self, run_id: int) -> dict[str, int]:
        return {n: v for (r, n), v in sorted(self.uow.counted.items()) if r == run_id}

    def started_between(self, start: datetime, end: datetime) -> list[CrawlRun]:
        return [r for r in self.by_id.values() if start <= r.started_at < end]


class FakeSources:
    def __init__(self) -> None:
        self.by_name: dict[str, Source] = {}
        self.checked: set[str] = set()  # names with a kept `fm6ss sources check`

    def forget_check(self, name: str) -> None:
        self.checked.discard(name)

    def upsert(self, values: dict[str, Any]) -> Source:
        source = self.by_name.get(values["name"])
        if source is None:
            source = self.by_name[values["name"]] = Source(**values)
        for key, value in values.items():
            setattr(source, key, value)
        return source

    def get(self, name: str) -> Source | None:
        return self.by_name.get(name)

    def list_all(self, enabled_only: bool = False) -> list[Source]:
        return [s for _, s in sorted(self.by_name.items()) if s.enabled or not enabled_only]


class FakeUnitOfWork:
    """What the crawl handlers use of `UnitOfWork`; the counters are summed as the tally does."""

    def __init__(self) -> None:
        self.session = FakeSession()
        self.counted: Counter[tuple[int, str]] = Counter()
        self.pages = FakePages()
        self.runs = FakeRuns(self)
        self.sources = FakeSources()

    def count(self, run_id: int | None, name: str, by: int = 1) -> None:
        if run_id is not None and by:
            self.counted[(run_id, name)] += by
