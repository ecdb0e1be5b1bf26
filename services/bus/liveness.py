"""Liveness files for container health checks: a worker's main loop touches its file while its queues
make progress, beat's scheduler at each of its passes. The health check then only reads the file's age
(`find FILE -mmin -N`): no interpreter started, nothing imported, nothing connected.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import redis
from celery import Celery, bootsteps
from celery.beat import PersistentScheduler

from services.bus.queues import stalled

log = logging.getLogger(__name__)

EVERY_S = 30.0  # how often a worker judges itself; the health check allows several missed touches


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


class WorkerLiveness(bootsteps.StartStopStep):  # type: ignore[misc]
    """In the worker's main process, on its own timer (the loop that takes messages), so a stuck loop
    stops the touches too. Judged as `fm6ss health` judges: stalled when messages wait in the worker's
    queues and no process of this host has finished a task for `max_idle_s` since the worker started."""

    requires = ("celery.worker.components:Timer",)

    def __init__(
        self,
        parent: Any,
        liveness_file: Path | None = None,
        liveness_queues: Iterable[str] = (),
        liveness_max_idle_s: float = 600.0,
        **kwargs: Any,
    ) -> None:
        self.enabled = liveness_file is not None
        self.path = liveness_file
        self.queues = tuple(liveness_queues)
        self.max_idle_s = liveness_max_idle_s
        self.since = time.time()
        self.client: redis.Redis | None = None
        self.timer_ref: Any = None

    def start(self, parent: Any) -> None:
        self.since = time.time()
        self.client = redis.Redis.from_url(str(parent.app.conf.broker_url), socket_timeout=5)
        self.check()
        self.timer_ref = parent.timer.call_repeatedly(EVERY_S, self.check, priority=10)

    def stop(self, parent: Any) -> None:
        if self.timer_ref is not None:
            self.timer_ref.cancel()
        if self.client is not None:
            self.client.close()

    def check(self) -> None:
        assert self.client is not None and self.path is not None
        try:
            problem = stalled(self.client, self.queues, socket.gethostname(), self.max_idle_s, self.since)
        except redis.RedisError as exc:
            problem = f"cannot reach the broker: {exc}"
        if problem:
            log.warning("liveness file left untouched: %s", problem)
            return
        touch(self.path)


def add_worker_liveness(app: Celery) -> None:
    """Let `app.Worker(liveness_file=…, liveness_queues=…)` keep a liveness file."""
    app.steps["worker"].add(WorkerLiveness)


def live_scheduler(path: Path) -> type[PersistentScheduler]:
    """Celery's scheduler, touching `path` after each pass (at least once a schedule interval)."""

    class LiveScheduler(PersistentScheduler):  # type: ignore[misc]
        def tick(self, *args: Any, **kwargs: Any) -> float:
            interval = float(super().tick(*args, **kwargs))
            touch(path)
            return interval

    return LiveScheduler
