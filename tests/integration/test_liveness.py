"""Liveness files: a worker touches its file only while its queues make progress; beat at each pass."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis

from services.bus.liveness import WorkerLiveness, live_scheduler
from services.bus.queues import HEARTBEAT_PREFIX
from tests.servers import REDIS_SERVER

pytestmark = pytest.mark.integration
URL = f"{REDIS_SERVER}/12"


class Timer:
    """The worker's timer as the step uses it: records the repeated call instead of running it."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, object]] = []

    def call_repeatedly(self, every: float, fun: object, priority: int = 0) -> SimpleNamespace:
        self.calls.append((every, fun))
        return SimpleNamespace(cancel=lambda: None)


def age(path: Path) -> float:
    return time.time() - path.stat().st_mtime


def test_a_worker_touches_its_file_only_while_its_queues_make_progress(tmp_path: Path):
    client = redis.Redis.from_url(URL)
    client.flushdb()
    path = tmp_path / "live"
    worker = SimpleNamespace(app=SimpleNamespace(conf=SimpleNamespace(broker_url=URL)), timer=Timer())
    step = WorkerLiveness(worker, liveness_file=path, liveness_queues=["parser"], liveness_max_idle_s=60)
    assert step.enabled
    step.start(worker)
    try:
        assert path.exists()  # nothing waits: well
        assert worker.timer.calls == [(30.0, step.check)]

        client.rpush("parser", "un message")
        step.since = time.time() - 120  # started two minutes ago, no task finished since
        os.utime(path, (time.time() - 100, time.time() - 100))
        step.check()
        assert age(path) > 90  # stalled: left untouched, so the health check fails after a while

        beat = f"{HEARTBEAT_PREFIX}{socket.gethostname()}:4242"
        client.set(beat, f"{time.time():.0f}")  # a process of this host just finished a task
        step.check()
        assert age(path) < 5

        client.set(beat, f"{time.time() - 120:.0f}")
        os.utime(path, (time.time() - 100, time.time() - 100))
        step.check()
        assert age(path) > 90

        client.delete("parser")  # the backlog drained: an idle worker is well
        step.check()
        assert age(path) < 5
    finally:
        step.stop(worker)
        client.flushdb()
        client.close()


def test_without_a_file_the_step_stays_out_of_the_worker():
    assert not WorkerLiveness(None).enabled


def test_beat_touches_its_file_at_each_pass_of_the_scheduler(tmp_path: Path):
    from services.bus.celery_app import create_app
    from services.bus.settings import Settings

    app = create_app(Settings(broker_url=URL), ["store"])
    path = tmp_path / "beat-live"
    scheduler = live_scheduler(path)(app=app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    scheduler.setup_schedule()
    try:
        interval = scheduler.tick()
        assert path.exists() and interval >= 0
    finally:
        scheduler.close()
