"""Task names and queues: the only way one service addresses another.

Names follow "<service>.<verb>_<noun>"; each service consumes its own queue.
"""

from __future__ import annotations

from typing import Final

QUEUES: Final = ("crawler", "parser", "store")

DISCOVER_SOURCE: Final = "crawler.discover_source"
FETCH_PAGE: Final = "crawler.fetch_page"
RECORD_URLS: Final = "store.record_urls"
RECORD_FETCH: Final = "store.record_fetch"
RECORD_FETCH_FAILURE: Final = "store.record_fetch_failure"
PARSE_PAGE: Final = "parser.parse_page"
INGEST_ARTICLE: Final = "store.ingest_article"
RECORD_REJECTION: Final = "store.record_rejection"
RELAY_CHANGES: Final = "store.relay_changes"
RECORD_DEAD_LETTER: Final = "store.record_dead_letter"
SCHEDULE_SOURCES: Final = "store.schedule_sources"
SWEEP_STALLED: Final = "store.sweep_stalled"
FETCH_PAGES: Final = "crawler.fetch_pages"
RECORD_FETCHES: Final = "store.record_fetches"
PARSE_PAGES: Final = "parser.parse_pages"
RECORD_REJECTIONS: Final = "store.record_rejections"
INGEST_ARTICLES: Final = "store.ingest_articles"
IMPORT_WARC: Final = "parser.import_warc"
PING: Final = "bus.ping"  # does nothing, on whichever queue it is sent to: the broker round trip alone

# The module that defines each queue's tasks: a worker imports those of the queues it consumes, and sends
# to the others by task name.
TASK_MODULES: Final = {
    "crawler": "services.crawler.tasks",
    "parser": "services.parser.tasks",
    "store": "services.store.tasks",
}


def queue_of(task_name: str) -> str:
    service = task_name.split(".", 1)[0]
    if service not in QUEUES:
        raise ValueError(f"task {task_name!r} names no known service queue {QUEUES}")
    return service


def queue_list(text: str) -> list[str]:
    """`--queues` of `fm6ss worker` and `fm6ss health`: comma-separated names of QUEUES; a ValueError
    names each other one."""
    wanted = [q.strip() for q in text.split(",") if q.strip()]
    unknown = [q for q in wanted if q not in QUEUES]
    if unknown or not wanted:
        given = f"unknown queue {', '.join(map(repr, unknown))}" if unknown else "no queue given"
        raise ValueError(f"{given}: choose from {', '.join(QUEUES)}, comma-separated")
    return wanted
