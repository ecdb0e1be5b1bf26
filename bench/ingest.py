"""The store's ingest alone: parsed reports of the generated site stored in one process, one transaction each.

    python -m bench.ingest [--articles 1000] [--mix b] [--database-url URL]

The mix's pages (bench/crawl_site.py) are parsed first, outside the clock; then each report goes through
`ingest_article` exactly as the store task runs it (article dedup, agreement resolution, refresh, change
rows, commit) into a fresh PostgreSQL schema (or the given database). Prints one JSON object: wall and CPU
milliseconds an article, statements an article, the agreements stored, and a digest of the stored state
(agreements, change rows, people, sources, articles) that two versions of the code must give alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from typing import Any

import sqlalchemy as sa

from bench.crawl import pg_schema
from bench.crawl_site import Corpus, render
from services.bus.archive import MemoryArchive
from services.bus.messages import ArticleParsed, ParsePage
from services.parser.pipeline import parse_page
from services.store.db.engine import make_engine, migrate, transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.handler import ingest_article

# What the digest reads, in a fixed order (no clock columns: two runs of the same code give one digest;
# the clock fields of change payloads are dropped as they are read).
STATE = (
    "SELECT id, party_set, kind, signed_on, signed_on_precision, place, event, themes, digest, version,"
    " signing, search_text FROM agreement ORDER BY id",
    "SELECT entity, entity_id, action, version, payload FROM change ORDER BY seq",
    "SELECT agreement_id, person_id, role, organization_id, signed FROM agreement_person ORDER BY 1, 2",
    "SELECT agreement_id, article_id FROM agreement_source ORDER BY 1, 2",
    "SELECT id, duplicate_of, relevant FROM article ORDER BY id",
)


def reports(count: int, mix: str) -> list[ArticleParsed]:
    corpus, archive = Corpus(count, 20, mix), MemoryArchive()
    out = []
    for page in sorted(corpus.by_path.values(), key=lambda p: p.number):
        url = f"http://127.0.0.{page.host + 2}{page.path}"
        result = parse_page(ParsePage(url=url, archive_key=archive.put(render(page))), archive)
        if isinstance(result, ArticleParsed):
            out.append(result)
    return out


def ingest_all(url: str, events: list[ArticleParsed]) -> dict[str, Any]:
    migrate(url)
    engine = make_engine(url)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    sa.event.listen(engine, "before_cursor_execute", count)
    wall, cpu = time.perf_counter(), time.process_time()
    for event in events:
        with transaction(engine) as session:
            ingest_article(UnitOfWork(session, tally=True), event)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    digest = hashlib.sha256()
    with engine.connect() as conn:
        agreements = conn.execute(sa.text("SELECT count(*) FROM agreement")).scalar_one()
        for query in STATE:
            for row in conn.execute(sa.text(query)):
                digest.update(repr(tuple(str(_clockless(v)) for v in row)).encode())
    engine.dispose()
    n = len(events)
    return {
        "articles": n,
        "ms_per_article": round(wall / n * 1000, 1),
        "cpu_ms_per_article": round(cpu / n * 1000, 1),
        "statements_per_article": round(statements / n, 1),
        "agreements": agreements,
        "state_digest": digest.hexdigest()[:16],
    }


def _clockless(value: Any) -> Any:
    """A change payload without its clock fields (an agreement's first_seen, updated_at)."""
    if isinstance(value, str) and value.startswith("{"):
        value = json.loads(value)
    if isinstance(value, dict):
        return {k: v for k, v in sorted(value.items()) if k not in ("first_seen", "updated_at")}
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--mix", choices=("a", "b"), default="b")
    parser.add_argument("--database-url", help="an empty, writable database instead of a fresh schema")
    args = parser.parse_args()
    events = reports(args.articles, args.mix)
    if args.database_url:
        result = ingest_all(args.database_url, events)
    else:
        with pg_schema() as url:
            result = ingest_all(url.replace("postgresql://", "postgresql+psycopg://", 1), events)
    print(json.dumps({"mix": args.mix, **result}))


if __name__ == "__main__":
    main()
