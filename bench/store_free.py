"""`fm6ss` with a store that keeps nothing of an article: its ingest closes the page and counts the article,
as the real one does, and stores no row. `python -m bench.crawl --store-free` runs its workers through
this module, to measure what the rest of the pipeline (fetch, archive, parse, bus, page bookkeeping)
allows on this machine: the ceiling any store, however fast, would run under.

    python -m bench.store_free worker --queues crawler,parser,store --concurrency 1
"""

from __future__ import annotations

from services.bus.messages import ArticleParsed
from services.cli import main
from services.store import tasks
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.handler import IngestResult


def _keep_nothing(uow: UnitOfWork, event: ArticleParsed) -> IngestResult:
    return IngestResult(0, "new", event.relevant)


tasks.ingest_article = _keep_nothing  # the store task's transaction, page closing and counts stay

if __name__ == "__main__":
    main()
