"""The store worker's memory after load: its tree's PSS idle, then after storing parsed reports.

    python -m bench.store_memory [--articles 600] [--batch 20] [--concurrency 2] [--redis-db 11]

Parses the generated site's mix (b) pages first (bench/crawl_site.py, outside the worker), starts a real
store worker (`fm6ss worker --queues store --concurrency N`) on a fresh PostgreSQL schema and Redis
database, reads its tree's PSS once idle, sends the reports as `store.ingest_articles` batches, waits
until every article is stored and the queue is empty, lets it settle, and reads the tree again. Also
breaks each pool child's memory down (from /proc/PID/smaps): private dirty pages in address ranges the
child shares with its parent (the parent's pages copied on write) and in ranges of its own. Prints one
JSON object. The bound the issue sets for the tree at concurrency 2 is 150 MiB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa

from bench.crawl import pg_schema
from bench.footprint import FM6SS, _env, _ready, _stop, start_worker
from bench.ingest import reports
from bench.processes import tree, tree_pss_mib
from services.bus.celery_app import create_app, publish
from services.bus.messages import ArticlesParsed
from services.bus.routing import INGEST_ARTICLES
from services.bus.settings import Settings


def _ranges(pid: int) -> dict[str, int]:
    """Private dirty KiB of each mapping of `pid`, keyed by its address range."""
    out: dict[str, int] = {}
    current = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(" ", 1)[0]
        if "-" in head and ":" not in head:
            current = head
        elif head == "Private_Dirty:":
            out[current] = out.get(current, 0) + int(line.split()[1])
    return out


def children_breakdown(pid: int) -> list[dict[str, float]]:
    """For each pool child: private dirty MiB in ranges its parent also maps (copied on write), and in
    ranges only it maps."""
    parent = set(_ranges(pid))
    out = []
    for child in tree(pid)[1:]:
        mine = _ranges(child)
        copied = sum(v for k, v in mine.items() if k in parent)
        own = sum(v for k, v in mine.items() if k not in parent)
        out.append({"copied_from_parent_mib": round(copied / 1024, 1), "own_mib": round(own / 1024, 1)})
    return out


def _stored(engine: sa.engine.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM article")).scalar_one())


def run(articles: int, batch: int, concurrency: int, broker: str, timeout: float) -> dict[str, Any]:
    events = reports(articles, "b")
    with tempfile.TemporaryDirectory(prefix="fm6ss-store-memory-") as work, pg_schema() as db_url:
        env = _env(broker, db_url, Path(work))
        subprocess.run([FM6SS, "migrate"], env=env, check=True, capture_output=True)
        proc = start_worker("store", concurrency, env, Path(work))
        try:
            try:
                _ready(proc, broker, "store", concurrency, timeout)
            except (RuntimeError, TimeoutError):
                print((Path(work) / "worker.log").read_text()[-3000:])
                raise
            time.sleep(5)
            idle = tree_pss_mib(proc.pid)
            app = create_app(Settings(broker_url=broker))
            started = time.monotonic()
            for i in range(0, len(events), batch):
                publish(app, INGEST_ARTICLES, ArticlesParsed(articles=tuple(events[i : i + batch])))
            deadline = started + timeout
            counting = sa.create_engine(db_url)  # one engine for every poll
            try:
                while (stored := _stored(counting)) < len(events):
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError(f"stored {stored} of {len(events)}; see {work}/worker.log")
                    time.sleep(0.5)
            finally:
                counting.dispose()
            seconds = time.monotonic() - started
            time.sleep(5)  # the last acks, then idle again
            after = tree_pss_mib(proc.pid)
            breakdown = children_breakdown(proc.pid)
        finally:
            _stop(proc)
    return {
        "articles": len(events),
        "batch": batch,
        "concurrency": concurrency,
        "stored_in_s": round(seconds, 1),
        "tree_pss_mib_idle": idle[0],
        "pss_mib_idle_by_process": idle[1],
        "tree_pss_mib_after": after[0],
        "pss_mib_after_by_process": after[1],
        "children_after": breakdown,
        "bound_mib": 150,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=11, help="a Redis database no test uses")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="the Redis server")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    broker = f"{args.redis.rstrip('/')}/{args.redis_db}"
    try:
        result = run(args.articles, args.batch, args.concurrency, broker, args.timeout)
    finally:
        redis.Redis.from_url(broker).flushdb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
