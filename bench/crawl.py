"""Crawl throughput: the generated site (bench/crawl_site.py) crawled by real worker processes.

    python -m bench.crawl [--pages 5000] [--hosts 20] [--mixes a,b] [--workers 2] [--no-embedded]
                          [--store-free] [--per-queue] [--archive file|s3] [--s3-first]

For each mix, on a fresh PostgreSQL schema and a private redis-server, with `--workers` processes each
consuming every queue (concurrency 1) and politeness off, it measures in the same run:

- the ceiling of the bus: as many no-op tasks (`bus.ping`) as pages, sent to the three queues in turn,
  from the first send until every queue is empty and nothing is held: tasks a second;
- the ceiling of the parser: `parse_page` over every page body in `--workers` processes (no queue, no
  database, bodies in memory), and in one process: pages a second;
- the pipeline: one crawl run of every host's sitemap (`fm6ss recrawl --all`), from the run's start as
  the store recorded it (the CLI's own start-up before that is reported apart, `*_with_cli_start`) until
  the run is finished: pages and articles a second, peak memory (VmHWM) of each worker process tree and
  its PSS once idle after the run, CPU seconds by process group;
- the cost: CPU the system spends (the worker trees, the bench's redis-server and the PostgreSQL backends
  of the system's connections, the fixture site left out) a stored article (a page for mix a), beside
  the CPU `parse_page` alone takes a page in one process, read after the pipeline in the same run;
- with `--embedded`, the same crawl by `fm6ss run` in one process on SQLite.

With `--store-free` the workers' ingest stores nothing (bench/store_free.py; no embedded run): the
pipeline's pages a second are then the ceiling that fetch, parse, the bus and the page bookkeeping leave
to any store.

With `--archive s3`, the pipeline runs twice in the same run, on the file archive and then on an S3
archive (a SeaweedFS `weed server` the bench starts on loopback, tests/seaweed.py): `pipeline` and
`pipeline_s3`, and `s3_over_file` the ratio of their articles (pages) a second; `--s3-first` runs the
S3 pipeline first (alternate the order between runs: the machine's speed drifts).

With `--per-queue`, one worker a queue instead (`fm6ss worker --queues crawler|parser|store --concurrency
2`, as a compose deployment runs them): memory and PSS after the run are then printed by queue.

Both ceilings are read before and after the pipeline, and the higher reading is the one the pipeline is
compared with: the machine's speed drifts within minutes, and a low reading would flatter the ratio.

Prints one JSON object a mix; bench/RESULTS.md keeps the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
import yaml

from bench.crawl_site import Corpus, Site
from bench.processes import Cpu, Memory, tree_pss_mib
from services.bus.archive import MemoryArchive
from services.bus.celery_app import create_app
from services.bus.messages import ParsePage
from services.bus.metrics import TASK_SECONDS_KEY
from services.bus.routing import PING, QUEUES
from services.bus.settings import Settings
from services.parser.pipeline import parse_page

ROOT = Path(__file__).resolve().parents[1]
FM6SS = str(Path(sys.executable).with_name("fm6ss"))
STALLED_S = 30  # queues empty this long and the run not finished: reported as it stands
PG_ADMIN = os.environ.get("FM6SS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_redis() -> Iterator[tuple[str, int]]:
    """A redis-server of the bench's own: its URL and process id."""
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait(lambda: redis.Redis.from_url(url).ping(), 10, "redis-server")
        yield url, proc.pid
    finally:
        proc.kill()
        proc.wait()


@contextmanager
def pg_schema() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _wait(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready in {timeout}s")


def _env(db_url: str | None, broker: str | None, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_")}
    env |= {
        "FM6SS_DATA_DIR": str(data_dir),
        "FM6SS_LOG_LEVEL": "WARNING",
        "FM6SS_CRAWLER_ALLOW_HOSTS": "127.0.0.0/8",
        "FM6SS_CRAWLER_DEFAULT_DELAY_S": "0",
        "FM6SS_CRAWLER_MAX_CONCURRENCY_PER_HOST": "64",
    }
    if db_url:
        env["FM6SS_DATABASE_URL"] = db_url
    if broker:
        env["FM6SS_BROKER_URL"] = broker
    return env


def idle(client: redis.Redis) -> bool:
    return all(client.llen(q) == 0 for q in QUEUES) and client.hlen("unacked") == 0


# -- ceilings ---------------------------------------------------------------------------------------------
def _parse_chunk(items: list[tuple[str, bytes]]) -> int:
    archive = MemoryArchive()
    messages = [ParsePage(url=url, archive_key=archive.put(body)) for url, body in items]
    for message in messages:
        parse_page(message, archive)
    return len(messages)


def extraction_cpu_ms_per_page(pages: list[tuple[str, bytes]]) -> float:
    """CPU milliseconds `parse_page` takes a page, in this process (no queue, no database)."""
    _parse_chunk(pages[:20])  # catalogue, automata and models loaded before the clock starts
    start = time.process_time()
    _parse_chunk(pages)
    return (time.process_time() - start) / len(pages) * 1000


def extraction_alone(pages: list[tuple[str, bytes]], processes: int) -> float:
    _parse_chunk(pages[:20])  # catalogue, automata and models loaded before the clock starts
    chunks = [pages[i::processes] for i in range(processes)]
    if processes == 1:
        start = time.perf_counter()
        _parse_chunk(pages)
        return len(pages) / (time.perf_counter() - start)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(_parse_chunk, [p[:5] for p in chunks])  # each process warmed up too
        start = time.perf_counter()
        done = sum(pool.map(_parse_chunk, chunks))
        return done / (time.perf_counter() - start)


def noop_rate(broker: str, count: int) -> float:
    app = create_app(Settings(broker_url=broker))
    client = redis.Redis.from_url(broker)
    start = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for i in range(count):
            app.send_task(PING, queue=QUEUES[i % 3], producer=producer)
    while not idle(client):
        time.sleep(0.01)
    return count / (time.perf_counter() - start)


# -- the pipeline -----------------------------------------------------------------------------------------
def run_status(db_url: str) -> dict[str, Any] | None:

    from services.store.crawl.runs import run_out
    from services.store.db.engine import make_engine, transaction
    from services.store.db.unit_of_work import UnitOfWork

    engine = make_engine(db_url)
    try:
        with transaction(engine) as session:
            uow = UnitOfWork(session)
            runs = uow.runs.after(0, 10)
            return run_out(uow, runs[-1]).model_dump(mode="json") if runs else None
    finally:
        engine.dispose()


def table_counts(db_url: str) -> dict[str, int]:
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return {
                t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in ("article", "agreement", "rejection", "page", "dead_letter")
            }
    finally:
        engine.dispose()


def worker_set(workers: int, per_queue: bool, store_pool: str = "auto") -> dict[str, tuple[str, int, str]]:
    """Each worker's name, its queues, its concurrency and its pool (`fm6ss worker --pool`)."""
    if per_queue:
        return {q: (q, 2, store_pool if q == "store" else "auto") for q in QUEUES}
    return {f"worker{i}": (",".join(QUEUES), 1, "auto") for i in range(workers)}


def pipeline(
    site: Site,
    workers: int,
    work: Path,
    store_free: bool = False,
    per_queue: bool = False,
    store_pool: str = "auto",
    archive_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    sources = work / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": site.sources()}))
    application = f"fm6ss-bench-{uuid.uuid4().hex[:8]}"  # tags the system's PostgreSQL backends
    pg_admin = sa.create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1))
    with private_redis() as (broker, redis_pid), pg_schema() as db_url:
        data = work / "data"
        env = _env(f"{db_url}&application_name={application}", broker, data) | (archive_env or {})
        subprocess.run([FM6SS, "migrate", "--no-sources"], env=env, check=True, capture_output=True)
        subprocess.run(
            [FM6SS, "sources", "sync", "--file", str(sources)], env=env, check=True, capture_output=True
        )
        named = {
            name: subprocess.Popen(
                [
                    *([sys.executable, "-m", "bench.store_free"] if store_free else [FM6SS]),
                    *("worker", "--queues", queues, "--concurrency", str(concurrency), "--pool", pool),
                ],
                env=env,
                cwd=ROOT,  # where `bench` is importable
                stdout=subprocess.DEVNULL,
                stderr=open(work / f"{name}.log", "wb"),  # noqa: SIM115 (closed with the process)
                start_new_session=True,
            )
            for name, (queues, concurrency, pool) in worker_set(workers, per_queue, store_pool).items()
        }
        procs = list(named.values())
        try:
            client = redis.Redis.from_url(broker)
            noop_rate(broker, 30)  # every worker up and consuming
            noop = noop_rate(broker, site.corpus.pages)
            memory = Memory([p.pid for p in procs])
            cpu = Cpu([p.pid for p in procs], redis_pid, pg_admin, application)
            start = time.perf_counter()
            subprocess.run([FM6SS, "recrawl", "--all"], env=env, check=True, capture_output=True)
            status: dict[str, Any] | None = None
            busy, busy_wall = time.perf_counter(), time.time()
            while True:
                time.sleep(0.5)
                status = run_status(db_url)
                done = bool(status and status["status"] == "finished") and idle(client)
                if done or not idle(client):
                    busy, busy_wall = time.perf_counter(), time.time()
                if done or time.perf_counter() - busy > STALLED_S:  # stalled: a message was lost
                    break
            elapsed, seen = busy - start, busy_wall
            peaks, cpu_seconds = memory.stop(), cpu.stop()
            pss_after = {n: tree_pss_mib(p.pid) for n, p in named.items()}  # idle again, after the run
            counts = table_counts(db_url)
            tasks = task_seconds(client)
            noop_after = noop_rate(broker, site.corpus.pages)
        finally:
            for proc in procs:
                os.killpg(proc.pid, 15)
            for proc in procs:
                proc.wait(timeout=60)
            pg_admin.dispose()
    assert status is not None
    # The no-op clock starts at its first send; this one at the run's start as recorded, after the CLI's own
    # start-up (about 3 s of imports on this machine, when no worker has anything to do).
    started = datetime.fromisoformat(status["started_at"])
    in_run = seen - (started if started.tzinfo else started.replace(tzinfo=UTC)).timestamp()
    return {
        "noop_tasks_per_s": round(max(noop, noop_after), 1),
        "noop_readings_before_after": [round(noop, 1), round(noop_after, 1)],
        "run_finished": status["status"] == "finished",
        "seconds": round(elapsed, 1),
        "seconds_from_run_start": round(in_run, 1),
        "pages_per_s": round(counts["page"] / in_run, 1),
        "articles_per_s": round(counts["article"] / in_run, 1),
        "pages_per_s_with_cli_start": round(counts["page"] / elapsed, 1),
        "articles_per_s_with_cli_start": round(counts["article"] / elapsed, 1),
        "rows": counts,
        "run_counts": {k: v for k, v in status["counts"].items() if v},
        "memory": {name: peaks[p.pid] for name, p in named.items()},
        "tree_pss_mib_after": {name: tree for name, (tree, _) in pss_after.items()},
        "pss_mib_after_by_process": {name: each for name, (_, each) in pss_after.items()},  # main first
        "cpu_seconds": cpu_seconds,
        # What the system spends (workers, its Redis, its PostgreSQL backends) a stored article, and a page.
        "system_cpu_ms_per_article": round(cpu_seconds["system"] / max(counts["article"], 1) * 1000, 2),
        "system_cpu_ms_per_page": round(cpu_seconds["system"] / max(counts["page"], 1) * 1000, 2),
        "task_seconds": tasks,
    }


def s3_pipeline(site: Site, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The same pipeline with the page archive in a bucket of a SeaweedFS started here."""
    from tests.seaweed import Seaweed

    work.mkdir(parents=True)
    server = Seaweed(work / "seaweed")
    server.start()
    try:
        server.create_bucket("fm6ss-bench")
        result = pipeline(
            site,
            args.workers,
            work,
            args.store_free,
            args.per_queue,
            args.store_pool,
            server.env("fm6ss-bench", "archive"),
        )
        assert server.proc is not None
        result["seaweedfs_rss_mib_after"] = round(
            int(Path(f"/proc/{server.proc.pid}/status").read_text().split("VmRSS:")[1].split()[0]) / 1024, 1
        )
        local = [p for p in (work / "data").rglob("*.gz")]
        result["bodies_on_local_disk"] = len(local)
        return result
    finally:
        server.stop()


def task_seconds(client: redis.Redis) -> dict[str, dict[str, float]]:
    """Where the workers' time went: count and total seconds of each task (the workers' own metrics)."""
    out: dict[str, dict[str, float]] = {}
    for field, value in client.hgetall(TASK_SECONDS_KEY).items():
        task, outcome, what = json.loads(field)
        if what in ("count", "sum") and task != PING:
            entry = out.setdefault(f"{task}:{outcome}", {})
            entry[what] = round(float(value), 2)
    return dict(sorted(out.items(), key=lambda kv: -kv[1].get("sum", 0)))


def embedded(site: Site, work: Path) -> dict[str, Any]:
    sources = work / "sources-embedded.yaml"
    sources.write_text(yaml.safe_dump({"sources": site.sources()}))
    data = work / "embedded"
    env = _env(None, None, data)
    subprocess.run([FM6SS, "migrate", "--no-sources"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    done = subprocess.run(
        [FM6SS, "run", "--sources-file", str(sources)], env=env, check=True, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    db = f"sqlite:///{data / 'fm6ss.db'}"
    counts = table_counts(db)
    return {
        "seconds": round(elapsed, 1),
        "pages_per_s": round(counts["page"] / elapsed, 1),
        "articles_per_s": round(counts["article"] / elapsed, 1),
        "rows": counts,
        "summary": done.stdout.strip().splitlines(),
    }


def cost(mix: str, run: dict[str, Any], extraction_cpu_ms: float) -> dict[str, Any]:
    """The system's CPU a stored article (a page for mix a, where 1 page in 20 is an article) beside
    extraction alone's CPU a page, from the same run."""
    unit = "page" if mix == "a" else "article"
    system = run[f"system_cpu_ms_per_{unit}"]
    return {
        "unit": unit,
        "system_cpu_ms": system,
        "extraction_alone_cpu_ms_per_page": round(extraction_cpu_ms, 2),
        "ratio": round(system / extraction_cpu_ms, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--mixes", default="a,b")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--embedded", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--store-free", action="store_true", help="workers whose ingest stores nothing")
    parser.add_argument("--per-queue", action="store_true", help="one worker a queue, at concurrency 2")
    parser.add_argument(
        "--store-pool", default="auto", help="the store worker's pool with --per-queue (auto: threads)"
    )
    parser.add_argument(
        "--archive", choices=("file", "s3"), default="file", help="s3: the pipeline on both archives"
    )
    parser.add_argument("--s3-first", action="store_true", help="with --archive s3: the S3 pipeline first")
    args = parser.parse_args()
    for mix in args.mixes.split(","):
        corpus = Corpus(args.pages, args.hosts, mix)
        work = Path(tempfile.mkdtemp(prefix=f"fm6ss-bench-{mix}-"))
        try:
            with Site(corpus) as site:
                pages = site.pages()
                result: dict[str, Any] = {
                    "mix": mix,
                    "pages": args.pages,
                    "hosts": args.hosts,
                    "agreement_pages": corpus.agreements(),
                    "workers": "one a queue, concurrency 2" if args.per_queue else args.workers,
                    "store_pool": args.store_pool if args.per_queue else "auto",
                    "store_free": args.store_free,
                    "mean_page_kib": round(sum(len(b) for _, b in pages) / len(pages) / 1024, 1),
                }
                readings = [extraction_alone(pages, args.workers)]
                result["extraction_alone_1_process_pages_per_s"] = round(extraction_alone(pages, 1), 1)
                if args.archive == "s3" and args.s3_first:  # the machine's drift then favours the file run
                    result["pipeline_s3"] = s3_pipeline(site, args, work / "s3")
                result["pipeline"] = pipeline(
                    site, args.workers, work, args.store_free, args.per_queue, args.store_pool
                )
                if args.archive == "s3" and not args.s3_first:
                    result["pipeline_s3"] = s3_pipeline(site, args, work / "s3")
                if args.archive == "s3":
                    result["s3_over_file"] = {
                        unit: round(result["pipeline_s3"][unit] / max(result["pipeline"][unit], 0.1), 2)
                        for unit in ("articles_per_s", "pages_per_s")
                    }
                readings.append(extraction_alone(pages, args.workers))
                cpu_ms = extraction_cpu_ms_per_page(pages)
                del pages
                result["extraction_alone_pages_per_s"] = round(max(readings), 1)
                result["extraction_alone_readings_before_after"] = [round(r, 1) for r in readings]
                result["cost"] = cost(mix, result["pipeline"], cpu_ms)
                if args.embedded and not args.store_free:
                    result["embedded"] = embedded(site, work)
            print(json.dumps(result, ensure_ascii=False), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
