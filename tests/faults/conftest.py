"""Fault injection against the real processes: a private redis-server per test (so killing or emptying the
broker touches nobody else), one worker per queue, the API, and the fixture news site; plus the state an
undisturbed crawl leaves, to compare a disturbed one with."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import sqlalchemy as sa

from services.bus.celery_app import create_app, publish
from services.bus.messages import SweepStalled
from services.bus.routing import SWEEP_STALLED
from services.bus.settings import Settings
from services.store.db.engine import make_engine
from tests.conftest import TABLES
from tests.e2e.conftest import TOKEN, Stack, wait_until
from tests.fixtures.site import FixtureSite, serve, source_specs
from tests.servers import free_port

QUEUES = ("crawler", "parser", "store")
# Small enough for a redelivery inside a test; the validator wants soft < hard < visibility.
FAULT_ENV = {
    "FM6SS_VISIBILITY_TIMEOUT_S": "20",
    "FM6SS_TASK_SOFT_TIME_LIMIT_S": "8",
    "FM6SS_TASK_TIME_LIMIT_S": "10",
}
STALE_S = 20 + 10  # the sweeper re-issues pages in flight for longer than visibility + hard time limit


@dataclass
class RedisServer:
    """A redis-server of our own, without persistence: SIGKILL and start again means an empty broker."""

    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(lambda: redis.Redis(port=self.port, socket_timeout=1).ping(), 10, "redis-server")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)


@pytest.fixture
def broker() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is required on PATH for the fault tests")
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        if server.proc is not None:
            server.kill()


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=4) as running:
        yield running


@contextmanager
def running_stack(
    db_url: str, broker_url: str, tmp: Path, extra: dict[str, str], apart: bool = False
) -> Iterator[Stack]:
    """What tests/e2e/conftest.py `stack` starts, on the given broker and with extra settings. `apart`:
    each process with an empty data folder of its own (nothing on local disk in common)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_") or k == "FM6SS_SHARED_DIR"}
    env.update(
        {
            "FM6SS_DATA_DIR": str(tmp / "data"),
            "FM6SS_DATABASE_URL": db_url,
            "FM6SS_BROKER_URL": broker_url,
            "FM6SS_API_TOKEN": TOKEN,
            "FM6SS_TASK_MAX_RETRIES": "1",
            "FM6SS_CRAWLER_ALLOW_HOSTS": "127.0.0.1",
            "FM6SS_CRAWLER_DEFAULT_DELAY_S": "0",
            "FM6SS_CRAWLER_READ_TIMEOUT_S": "1.5",
            "FM6SS_CRAWLER_TOTAL_TIMEOUT_S": "3",
            "FM6SS_CRAWLER_RETRY_BASE_S": "0.5",
            "FM6SS_CRAWLER_RETRY_MAX_S": "1",
            "FM6SS_LOG_LEVEL": "INFO",  # celery's "Received task" lines show redeliveries
            **extra,
        }
    )
    logs = tmp / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stack = Stack(env=env, logs=logs)
    if apart:
        names = [*(f"worker-{q}" for q in QUEUES), "api"]
        stack.own_env = {name: {"FM6SS_DATA_DIR": str(tmp / f"data-{name}")} for name in names}
    for queue in QUEUES:
        stack.start(f"worker-{queue}", "worker", "--queues", queue)
    try:
        stack.start_api()
        yield stack
    finally:
        for name in list(stack.procs):
            stack.stop(name)


def start_crawl(stack: Stack, site: FixtureSite) -> int:
    with stack.client() as api:
        for spec in source_specs(site):
            assert api.put(f"/sources/{spec.name}", json=spec.model_dump()).status_code == 200
        return int(api.post("/recrawls", json={"all": True}).json()["run_id"])


def run_of(stack: Stack, run_id: int) -> dict[str, Any]:
    with stack.client() as api:
        return dict(api.get(f"/crawl-runs/{run_id}").json())


def idle(client: redis.Redis) -> bool:
    """Nothing waits in a queue and nothing is held unacknowledged by a worker."""
    return all(client.llen(q) == 0 for q in QUEUES) and client.hlen("unacked") == 0


def settle(stack: Stack, run_id: int, client: redis.Redis, timeout: float = 120) -> dict[str, Any]:
    """Wait for the run to finish and the broker to stay idle for a few seconds (late redeliveries done)."""

    seen: dict[str, Any] = {}

    def quiet() -> dict[str, Any] | None:
        run = run_of(stack, run_id)
        seen.update(
            status=run["status"],
            in_flight=run["in_flight"],
            counts=run["counts"],
            held=held(client),
            queues={q: client.llen(q) for q in QUEUES},
        )
        if run["status"] == "running" or not idle(client):  # finished, or failed: it read nothing
            return None
        time.sleep(3)
        return run if idle(client) and run_of(stack, run_id)["status"] != "running" else None

    try:
        return wait_until(quiet, timeout, f"crawl run {run_id} to finish with an idle broker", interval=1)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen {seen}") from None


def snapshot(db_url: str) -> dict[str, Any]:
    """What a crawl leaves in the store, in a form two runs can be compared by."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:

            def rows(sql: str) -> list[Any]:
                return [tuple(r) for r in conn.execute(sa.text(sql))]

            agreements = rows(
                "SELECT a.party_set, (SELECT count(*) FROM agreement_source s WHERE s.agreement_id = a.id),"
                " a.signed_on FROM agreement a"
            )
            return {
                "agreements": sorted((p, n, str(d)) for p, n, d in agreements),
                # paths only: each fixture site listens on a port of its own
                "articles": sorted(urlsplit(r[0]).path for r in rows("SELECT canonical_url FROM article")),
                "duplicates": rows("SELECT count(*) FROM article WHERE duplicate_of IS NOT NULL")[0][0],
                "pages": dict(rows("SELECT state, count(*) FROM page GROUP BY state")),
                "sources_of_articles": rows("SELECT count(*) FROM agreement_source")[0][0],
                "change_dups": rows(
                    "SELECT entity, entity_id, version, count(*) FROM change WHERE entity = 'agreement'"
                    " GROUP BY entity, entity_id, version HAVING count(*) > 1"
                ),
                "article_url_dups": rows(
                    "SELECT canonical_url FROM article GROUP BY canonical_url HAVING count(*) > 1"
                ),
                "dead_letters": rows("SELECT task, error FROM dead_letter"),
            }
    finally:
        engine.dispose()


def held(client: redis.Redis, queue: str | None = None) -> list[str]:
    """Task names of the messages a worker took but has not acknowledged (kombu's `unacked` hash)."""
    out = []
    for raw in client.hvals("unacked"):
        message, _exchange, routing_key = json.loads(raw)
        if queue is None or routing_key == queue:
            out.append(str(message["headers"]["task"]))
    return out


def stale_pages(db_url: str) -> int:
    """Pages the sweeper would re-issue now: in flight for longer than its staleness."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM page WHERE state IN ('queued', 'parsing')"
                        " AND (queued_at IS NULL OR queued_at < :before)"
                    ),
                    {"before": datetime.now(UTC) - timedelta(seconds=STALE_S)},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def send_sweep(broker_url: str) -> None:
    """What beat sends every few minutes: SweepStalled to the store's queue."""
    app = create_app(Settings(broker_url=broker_url))
    try:
        publish(app, SWEEP_STALLED, SweepStalled())
    finally:
        app.close()


def truncate(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def reference(pg_schema_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An undisturbed crawl of the fixture site, once per session (before any test empties the schema)."""
    truncate(pg_schema_url)
    tmp = tmp_path_factory.mktemp("reference")
    server = RedisServer(free_port())
    server.start()
    try:
        with (
            serve(slow_delay=4) as fixture_site,
            running_stack(pg_schema_url, server.url, tmp, FAULT_ENV) as st,
        ):
            run_id = start_crawl(st, fixture_site)
            settle(st, run_id, server.client())
            return snapshot(pg_schema_url)
    finally:
        server.kill()
        truncate(pg_schema_url)
