"""A worker and the beat log JSON lines only: no plain-text banner before them, no plain-text warning."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.servers import REDIS_SERVER

pytestmark = pytest.mark.integration
URL = f"{REDIS_SERVER}/11"
FM6SS = Path(sys.executable).with_name("fm6ss")
# What Celery itself prints from its signal handler when a worker is told to stop.
SHUTDOWN = {"", "worker: Warm shutdown (MainProcess)"}


def start(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_")}
    env |= {"FM6SS_DATA_DIR": str(tmp_path / "data"), "FM6SS_BROKER_URL": URL}
    return subprocess.Popen(
        [str(FM6SS), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_a_worker_and_the_beat_log_json_only(tmp_path):
    client = redis.Redis.from_url(URL)
    client.flushdb()
    processes = [start(["worker", "--queues", "crawler"], tmp_path), start(["beat"], tmp_path)]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not client.keys("_kombu.binding.*"):
            time.sleep(0.5)  # the worker has declared its queue: it is consuming
        time.sleep(3)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=60) for process in processes]
        client.flushdb()
        client.close()
    for stdout, stderr in outputs:
        assert set(stdout.splitlines()) <= SHUTDOWN, stdout[:2000]
        lines = stderr.splitlines()
        assert lines, "nothing logged"
        for line in lines:
            assert isinstance(json.loads(line), dict), line
