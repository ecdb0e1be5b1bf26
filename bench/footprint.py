"""Worker footprint: the memory each queue's worker holds when idle, as a small server would run them.

    python -m bench.footprint [--queues crawler,parser,store] [--concurrency 2] [--redis-db 11]
                              [--settle 5] [--timeout 120] [--redis redis://HOST:PORT] [--archive file|s3]

For each queue, starts a real worker (`fm6ss worker --queues Q --concurrency N`) on Redis at
127.0.0.1:6379 or `--redis` (a database number no test uses; emptied at the end), with `--archive s3`
its page archive in a SeaweedFS started here, and, for the store, a fresh
PostgreSQL schema; waits until the worker answers a ping and its pool is up, lets it settle, then sums
the proportional set size (PSS, from /proc/PID/smaps_rollup: shared pages counted once across the tree)
of the worker's process tree. Prints a table a queue, and one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import redis

from bench.processes import tree, tree_pss_mib

ROOT = Path(__file__).resolve().parents[1]
FM6SS = str(Path(sys.executable).with_name("fm6ss"))


def _env(broker: str, db_url: str | None, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_")}
    env |= {"FM6SS_DATA_DIR": str(data_dir), "FM6SS_LOG_LEVEL": "WARNING", "FM6SS_BROKER_URL": broker}
    if db_url:
        env["FM6SS_DATABASE_URL"] = db_url
    return env


def _ready(proc: subprocess.Popen[bytes], broker: str, queue: str, concurrency: int, timeout: float) -> None:
    """The worker answers Celery's ping, and its pool has all its processes (a thread pool: one)."""
    from services.bus.celery_app import create_app
    from services.bus.runtime import pool_for
    from services.bus.settings import Settings

    processes = 1 if pool_for(queue.split(","), "auto") == "threads" else 1 + concurrency
    app = create_app(Settings(broker_url=broker))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the {queue} worker exited with {proc.returncode}")
        replies = app.control.ping(timeout=1.0) or []
        if replies and len(tree(proc.pid)) >= processes:
            return
        time.sleep(0.5)
    raise TimeoutError(f"the {queue} worker was not ready in {timeout}s")


def start_worker(queue: str, concurrency: int, env: dict[str, str], work: Path) -> subprocess.Popen[bytes]:
    """`fm6ss worker` for `queue` in a session of its own (stopped whole by `_stop`), logging to
    `work/worker.log`."""
    return subprocess.Popen(
        [FM6SS, "worker", "--queues", queue, "--concurrency", str(concurrency)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "worker.log", "wb"),  # closed with the process
        start_new_session=True,
    )


def measure(
    queue: str,
    concurrency: int,
    broker: str,
    settle: float,
    timeout: float,
    archive_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    from bench.crawl import pg_schema

    database = pg_schema() if queue == "store" else nullcontext(None)
    with tempfile.TemporaryDirectory(prefix=f"fm6ss-footprint-{queue}-") as work, database as db_url:
        env = _env(broker, db_url, Path(work)) | (archive_env or {})
        if db_url:
            subprocess.run([FM6SS, "migrate"], env=env, check=True, capture_output=True)
        started = time.monotonic()
        proc = start_worker(queue, concurrency, env, Path(work))
        try:
            _ready(proc, broker, queue, concurrency, timeout)
            ready_s = time.monotonic() - started
            time.sleep(settle)  # idle: nothing queued, the pool's children done with their start-up
            first = tree_pss_mib(proc.pid)
            time.sleep(1)
            total, each = max(first, tree_pss_mib(proc.pid))  # the larger of two readings
        finally:
            _stop(proc)
    return {
        "queue": queue,
        "concurrency": concurrency,
        "processes": len(each),
        "tree_pss_mib": total,
        "pss_mib_by_process": each,
        "ready_s": round(ready_s, 1),
    }


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """The worker's whole session: a warm shutdown first, then a kill."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| queue | concurrency | processes | tree PSS (MiB) | per process (MiB) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        each = ", ".join(f"{e:.1f}" for e in r["pss_mib_by_process"])
        lines.append(
            f"| {r['queue']} | {r['concurrency']} | {r['processes']} | {r['tree_pss_mib']:.1f} | {each} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--queues", default="crawler,parser,store")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="the Redis server to use")
    parser.add_argument("--redis-db", type=int, default=11, help="a Redis database no test uses")
    parser.add_argument(
        "--archive", choices=("file", "s3"), default="file", help="s3: a SeaweedFS started here"
    )
    parser.add_argument("--settle", type=float, default=5.0, help="seconds idle before reading")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for a worker to be ready")
    args = parser.parse_args()
    broker = f"{args.redis.rstrip('/')}/{args.redis_db}"
    rows = []
    with contextlib.ExitStack() as stack:
        archive_env = None
        if args.archive == "s3":
            from tests.seaweed import Seaweed

            server = Seaweed(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="footprint-s3-"))))
            stack.callback(server.stop)
            server.start()
            server.create_bucket("fm6ss-footprint")
            archive_env = server.env("fm6ss-footprint", "archive")
        try:
            for queue in args.queues.split(","):
                rows.append(
                    measure(queue.strip(), args.concurrency, broker, args.settle, args.timeout, archive_env)
                )
        finally:
            redis.Redis.from_url(broker).flushdb()
    print(table(rows))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
