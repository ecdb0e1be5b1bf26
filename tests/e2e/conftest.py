"""Real processes for end-to-end tests: one Celery worker per queue and the API, on Redis and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from tests.servers import REDIS_SERVER, free_port

ROOT = Path(__file__).resolve().parents[2]
FM6SS = str(Path(sys.executable).parent / "fm6ss")
TOKEN = "operator-token-for-e2e-tests-01"
REDIS_URL = f"{REDIS_SERVER}/13"


@dataclass
class Stack:
    env: dict[str, str]
    logs: Path
    api_url: str = ""
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    # Variables of one process only, by its name (a worker with a data folder of its own, say).
    own_env: dict[str, dict[str, str]] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as log:  # the child keeps its own copy of the fd
            proc = subprocess.Popen(
                [FM6SS, *args],
                env=self.env | self.own_env.get(name, {}),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )
        self.procs[name] = proc
        return proc

    def run(
        self, *args: str, extra: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """One `fm6ss` command to its end, with this stack's settings (and `extra`), its output as text."""
        return subprocess.run(
            [FM6SS, *args],
            env=self.env | (extra or {}),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def stop(self, name: str, sig: int = 15) -> None:
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)

    def start_api(self, name: str = "api", attempts: int = 5) -> None:
        """The API on a free port, ready. A port found free can be taken (by an outgoing connection of
        a worker, say) before the API binds it: the API then exits, and another port is tried."""
        for _ in range(attempts):
            port = free_port()
            self.api_url = f"http://127.0.0.1:{port}"
            proc = self.start(name, "api", "--port", str(port))

            def ready(proc: subprocess.Popen[bytes] = proc) -> bool:
                if proc.poll() is not None:
                    return True
                return httpx.get(f"{self.api_url}/healthz", timeout=2).status_code == 200

            wait_until(ready, 60, "the API")
            if proc.poll() is None:
                return
            self.procs.pop(name)
        raise AssertionError(f"the API did not start in {attempts} attempts:\n{self.tail(name)}")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"})

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def wait_until(check, timeout: float, what: str, interval: float = 0.5):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (httpx.HTTPError, OSError) as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


@pytest.fixture
def stack_env() -> dict[str, str]:
    """More variables for the stack's processes; a test module overrides it (webhooks, say)."""
    return {}


@pytest.fixture
def stack(pg_url: str, tmp_path: Path, stack_env: dict[str, str]) -> Iterator[Stack]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL}: {exc}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_") or k == "FM6SS_SHARED_DIR"}
    env.update(
        {
            "FM6SS_DATA_DIR": str(tmp_path / "data"),
            "FM6SS_DATABASE_URL": pg_url,
            "FM6SS_BROKER_URL": REDIS_URL,
            "FM6SS_API_TOKEN": TOKEN,
            "FM6SS_TASK_MAX_RETRIES": "1",
            "FM6SS_CRAWLER_ALLOW_HOSTS": "127.0.0.1",
            "FM6SS_CRAWLER_DEFAULT_DELAY_S": "0",
            "FM6SS_CRAWLER_READ_TIMEOUT_S": "1.5",
            "FM6SS_CRAWLER_TOTAL_TIMEOUT_S": "3",
            "FM6SS_CRAWLER_RETRY_BASE_S": "0.5",
            "FM6SS_CRAWLER_RETRY_MAX_S": "1",
            "FM6SS_LOG_LEVEL": "WARNING",
        }
    )
    env.update(stack_env)
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Stack(env=env, logs=logs)
    for queue in ("crawler", "parser", "store"):
        running.start(f"worker-{queue}", "worker", "--queues", queue)
    try:
        running.start_api()
        yield running
    finally:
        for name in list(running.procs):
            running.stop(name)
        client.flushdb()
        client.close()
