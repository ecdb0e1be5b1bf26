"""PostgreSQL down for 30 s mid-run, on a private cluster: store tasks retry with backoff and lose nothing,
the API answers 503 with a clear body meanwhile and 200 again by itself, and no process is restarted."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from services.store.db.engine import make_engine
from tests.e2e.conftest import FM6SS, ROOT, Stack, wait_until
from tests.faults.conftest import (
    FAULT_ENV,
    QUEUES,
    RedisServer,
    held,
    idle,
    run_of,
    running_stack,
    send_sweep,
    settle,
    snapshot,
    stale_pages,
    start_crawl,
)
from tests.faults.test_worker_kill import assert_same_as_undisturbed
from tests.fixtures.site import FixtureSite
from tests.servers import free_port

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

PG_BIN = Path(os.environ.get("FM6SS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
DOWN_S = 30
REQUEST_TIMEOUT_S = 10  # an answer slower than this during the outage counts as a hang
READS = ("/healthz", "/agreements", "/articles?limit=5", "/changes", "/metrics")  # and the run's own


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster of our own (the machine's shared one on 5432 is never touched), owned by
    the `postgres` user when we run as root, with its data and socket directories in `root`."""

    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # the server refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def _ctl(self, *args: str) -> None:
        done = self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", *args)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise AssertionError(f"pg_ctl {args[-1]} failed: {done.stdout}{done.stderr}\n{tail}")

    def init(self) -> None:
        done = self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            # No flush to disk, but a commit still reaches the OS before it is acknowledged, so an
            # immediate stop loses nothing acknowledged (synchronous_commit=off would lose the last ones).
            "fsync": "off",
            "max_connections": "40",
            "shared_buffers": "32MB",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())

    def start(self) -> None:
        self._ctl("-l", str(self.root / "server.log"), "start")

    def stop(self, mode: str = "immediate") -> None:
        self._ctl("-m", mode, "stop")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status").returncode == 0

    def destroy(self) -> None:
        """Stop the server whatever state it is in, then remove every file of the cluster."""
        try:
            if self.data.exists() and self.running():
                self.stop("immediate")
        finally:
            pid = self._postmaster()
            if pid is not None:  # pg_ctl could not stop it: end our postmaster itself
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
            shutil.rmtree(self.root, ignore_errors=True)

    def _postmaster(self) -> int | None:
        """The pid in postmaster.pid, if that process is still this cluster's postmaster."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return None
        return pid if str(self.data).encode() in cmdline else None


@pytest.fixture
def private_pg() -> Iterator[PostgresCluster]:
    if not (PG_BIN / "pg_ctl").exists():
        pytest.fail(f"PostgreSQL server binaries are required in {PG_BIN} (set FM6SS_TEST_PG_BIN)")
    # Under /tmp rather than tmp_path: the postgres user cannot enter pytest's root-only folders.
    root = Path(tempfile.mkdtemp(prefix="fm6ss-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = PostgresCluster(root, free_port())
    try:
        cluster.init()
        cluster.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_")}
        migrated = subprocess.run(
            [FM6SS, "migrate", "--no-sources"],  # the test's sources come from the fixture site
            env={**env, "FM6SS_DATABASE_URL": cluster.url, "FM6SS_DATA_DIR": str(root / "cli")},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        yield cluster
    finally:
        cluster.destroy()


@dataclass
class Poll:
    """What the API answered while the database was down."""

    answers: int = 0
    unavailable: int = 0
    wrong: list[tuple[str, int | str, str]] = field(default_factory=list)
    slowest_s: float = 0.0
    bodies: dict[str, str] = field(default_factory=dict)  # one 503 body per endpoint, for the figures


def poll_while_down(stack: Stack, paths: tuple[str, ...], until: float) -> Poll:
    """Read every endpoint in turn until `until`: each must answer 503 with a clear body, quickly."""
    seen = Poll()
    with httpx.Client(base_url=stack.api_url, timeout=REQUEST_TIMEOUT_S) as http:
        while time.monotonic() < until:
            for path in paths:
                asked = time.monotonic()
                try:
                    answer = http.get(path)
                except httpx.HTTPError as exc:  # a hang (timeout) or a dropped connection
                    seen.wrong.append((path, type(exc).__name__, str(exc)[:200]))
                    continue
                seen.slowest_s = max(seen.slowest_s, time.monotonic() - asked)
                seen.answers += 1
                problem = unavailable_problem(path, answer)
                if problem:
                    seen.wrong.append((path, answer.status_code, problem))
                else:
                    seen.unavailable += 1
                    seen.bodies.setdefault(path, answer.text[:120])
            time.sleep(0.5)
    return seen


def unavailable_problem(path: str, answer: httpx.Response) -> str | None:
    """None when the answer is the documented 503, else what is wrong with it."""
    if answer.status_code != 503:
        return answer.text[:200]
    try:
        body = answer.json()
    except json.JSONDecodeError:
        return f"not JSON: {answer.text[:200]}"
    if path == "/healthz":
        return None if body == {"status": "degraded", "database": "unavailable"} else str(body)
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, str) or not detail.startswith("database unavailable"):
        return str(body)[:200]
    return None if answer.headers.get("retry-after") else "no Retry-After header"


def retries_logged(log: Path) -> tuple[dict[str, int], int]:
    """Celery's retry lines in a worker's JSON log: their number by task name, and the most one message
    (task id) logged."""
    by_name: Counter[str] = Counter()
    by_id: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        msg = str(entry.get("msg", "")) if isinstance(entry, dict) else ""
        if " retry: Retry in " in msg:
            name, _, rest = msg.removeprefix("Task ").partition("[")
            by_name[name] += 1
            by_id[rest.partition("]")[0]] += 1
    return dict(by_name), max(by_id.values(), default=0)


def change_feed_gaps(db_url: str) -> dict[str, Any]:
    """Every agreement has one change row per version 1..version, every article at least one."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            versions: dict[int, list[int]] = {}
            for agreement_id, version in conn.execute(
                sa.text("SELECT entity_id, version FROM change WHERE entity = 'agreement' ORDER BY seq")
            ):
                versions.setdefault(agreement_id, []).append(version)
            agreements = dict(conn.execute(sa.text("SELECT id, version FROM agreement")).all())
            articles_without = conn.execute(
                sa.text(
                    "SELECT count(*) FROM article a WHERE NOT EXISTS (SELECT 1 FROM change c"
                    " WHERE c.entity = 'article' AND c.entity_id = a.id)"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return {
        "agreement_versions": {
            a: versions.get(a) for a, v in agreements.items() if versions.get(a) != list(range(1, v + 1))
        },
        "articles_without_change": articles_without,
    }


def stop_point(phase: str, run: dict[str, Any]) -> bool:
    """Some but not all of the store's work done, at two points of the run (the site has 23 pages)."""
    counts = run["counts"]
    if phase == "fetching":  # the first fetches recorded, most still to come
        return 3 <= counts.get("pages_fetched", 0) <= 16
    # a few articles stored, more pages still to parse and ingest
    return bool(counts.get("articles_new", 0) >= 3 and run["in_flight"] >= 3)


@pytest.mark.parametrize("phase", ["fetching", "ingesting"])
def test_postgres_down_30s_mid_run(
    phase: str,
    private_pg: PostgresCluster,
    broker: RedisServer,
    site: FixtureSite,
    tmp_path: Path,
    reference: dict[str, Any],
) -> None:
    started = time.monotonic()
    db = private_pg.url
    client = broker.client()
    figures: dict[str, Any] = {"phase": phase}
    with running_stack(db, broker.url, tmp_path, FAULT_ENV) as stack:
        run_id = start_crawl(stack, site)

        wait_until(lambda: stop_point(phase, run_of(stack, run_id)), 90, f"the run to be {phase}", 0.05)
        figures["counts_at_stop"] = run_of(stack, run_id)["counts"]
        private_pg.stop("immediate")
        stopped_at = time.monotonic()

        reads = (*READS, f"/crawl-runs/{run_id}")
        seen = poll_while_down(stack, reads, stopped_at + DOWN_S)
        figures["store_busy_at_restart"] = {
            "queued": client.llen("store"),
            "held": len(held(client, "store")),
        }
        private_pg.start()
        restarted_at = time.monotonic()
        figures.update(down_s=round(restarted_at - stopped_at, 1), answers_503=seen.unavailable)
        figures["slowest_answer_s"] = round(seen.slowest_s, 2)
        figures["bodies_503"] = {p: seen.bodies.get(p) for p in ("/healthz", "/agreements")}

        # The API comes back by itself: its pool must not hand out the connections the restart killed.
        with httpx.Client(base_url=stack.api_url, timeout=REQUEST_TIMEOUT_S) as http:
            wait_until(
                lambda: all(http.get(p).status_code == 200 for p in ("/healthz", "/agreements")),
                30,
                "the API to answer 200 again",
                interval=0.2,
            )
        figures["api_recovered_s"] = round(time.monotonic() - restarted_at, 1)

        # The store's retries finish the run; the sweeper only if work was truly lost (nothing left
        # queued or held for it, yet pages stay in flight past its staleness).
        sweeps: list[int] = []

        def finished() -> bool:
            if run_of(stack, run_id)["status"] == "finished":
                return True
            if idle(client) and stale_pages(db) and (not sweeps or time.monotonic() - sweeps[-1] > 10):
                sweeps.append(int(time.monotonic()))
                send_sweep(broker.url)
            return False

        wait_until(finished, 300, "the run to finish after the restart", interval=1)
        run = settle(stack, run_id, client, timeout=240)
        figures["run_recovered_s"] = round(time.monotonic() - restarted_at, 1)
        figures["sweeps"] = len(sweeps)
        figures["counts"] = run["counts"]
        figures["exited"] = {n: p.returncode for n, p in stack.procs.items() if p.poll() is not None}
        with httpx.Client(base_url=stack.api_url, timeout=REQUEST_TIMEOUT_S) as http:
            after = {p: http.get(p).status_code for p in reads}
        logs = stack.logs
    figures["retries"], figures["most_retries_of_one"] = retries_logged(logs / "worker-store.log")
    figures["retried_total"] = sum(figures["retries"].values())
    state = snapshot(db)
    gaps = change_feed_gaps(db)
    figures.update(articles=len(state["articles"]), total_s=round(time.monotonic() - started, 1))
    print("FIGURES", figures)

    assert seen.wrong == [], "every read answers 503 with a clear body while the database is down"
    assert seen.unavailable >= len(reads) * 10, "the API was polled throughout the outage"
    assert figures["exited"] == {}, "no worker nor the API died or was restarted"
    assert after == dict.fromkeys(reads, 200), "the API answers 200 again by itself"
    assert figures["retried_total"] > 0, "store tasks met the outage and retried"
    assert_same_as_undisturbed(state, reference)
    assert gaps == {"agreement_versions": {}, "articles_without_change": 0}, "no change row lost"
    assert not [q for q in QUEUES if client.llen(q)], "nothing left queued"
