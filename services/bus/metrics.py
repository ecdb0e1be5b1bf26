"""Worker-side metrics: how long each task took (a histogram by task and outcome) and what each crawler
fetch came to, by host and outcome. Workers run apart, maybe on other machines, so the counters live in
Redis (the broker) and the API reads them at scrape time (services/store/metrics.py).

Each finished task costs one pipelined round trip of three or four HINCRBY / HINCRBYFLOAT on two hashes.
Embedded mode (no Redis broker) records nothing. A Redis failure is logged and never fails the task.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import current_task
from celery.signals import after_task_publish, task_postrun, task_prerun, task_retry

from services.bus.routing import DISCOVER_SOURCE, FETCH_PAGE, RECORD_FETCH, RECORD_FETCH_FAILURE, RECORD_URLS

TASK_SECONDS_KEY = "fm6ss:metrics:task_seconds"
FETCHES_KEY = "fm6ss:metrics:fetches"
# From a store write (milliseconds) to a slow fetch waiting for its host's turn (minutes).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
INF = "+Inf"

log = logging.getLogger(__name__)


# -- what is counted (pure) ------------------------------------------------------------------------------
def bucket_of(seconds: float) -> str:
    """The smallest bound that holds `seconds`; each observation is counted in one bucket only, and the
    reader adds them up into Prometheus's cumulative buckets."""
    for bound in BUCKETS:
        if seconds <= bound:
            return repr(bound)
    return INF


def latency_fields(task: str, outcome: str, seconds: float) -> list[tuple[str, int | float]]:
    """The hash fields one finished task adds to, with the amount."""
    seconds = max(seconds, 0.0)
    return [
        (json.dumps([task, outcome, "count"]), 1),
        (json.dumps([task, outcome, "sum"]), seconds),
        (json.dumps([task, outcome, bucket_of(seconds)]), 1),
    ]


def host_of(url: Any) -> str:
    return (urlsplit(url).hostname or "unknown").lower() if isinstance(url, str) else "unknown"


def fetch_of_event(task_name: str, payload: dict[str, Any], command: dict[str, Any]) -> str | None:
    """The fetch counter a crawler's outgoing event stands for: `[kind, host, outcome]` as a hash field.

    `command` is the payload of the task that sends the event (a source's URL is only there)."""
    if task_name == RECORD_FETCH:
        outcome = "not_modified" if payload.get("status") == 304 else "fetched"
        return json.dumps(["page", host_of(payload.get("url")), outcome])
    if task_name == RECORD_FETCH_FAILURE:
        return json.dumps(["page", host_of(payload.get("url")), f"failed:{payload.get('reason')}"])
    if task_name == RECORD_URLS:
        error = payload.get("error")
        outcome = f"failed:{str(error).split(':', 1)[0]}" if error else "read"
        return json.dumps(["source", host_of((command.get("source") or {}).get("url")), outcome])
    return None


def fetch_of_retry(command: dict[str, Any], reason: str) -> str:
    """A transient failure the task will try again (a timeout, a 503...): counted as `retried:REASON`."""
    source = command.get("source")
    if isinstance(source, dict) and "url" not in command:
        return json.dumps(["source", host_of(source.get("url")), f"retried:{reason}"])
    return json.dumps(["page", host_of(command.get("url")), f"retried:{reason}"])


# -- what is read (pure) ---------------------------------------------------------------------------------
@dataclass
class Latency:
    """One task and outcome: observations per bucket (not cumulative), their count and sum."""

    buckets: dict[str, int] = field(default_factory=dict)
    count: int = 0
    sum: float = 0.0

    def cumulative(self) -> list[tuple[str, int]]:
        running, out = 0, []
        for bound in [*(repr(b) for b in BUCKETS), INF]:
            running += self.buckets.get(bound, 0)
            out.append((bound, running))
        return out


@dataclass
class WorkerMetrics:
    latency: dict[tuple[str, str], Latency]
    fetches: dict[tuple[str, str, str], int]


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def parse(task_seconds: dict[Any, Any], fetches: dict[Any, Any]) -> WorkerMetrics:
    """The two hashes as HGETALL returns them; a field this version does not know is skipped."""
    latency: dict[tuple[str, str], Latency] = defaultdict(Latency)
    for raw, value in task_seconds.items():
        try:
            task, outcome, part = json.loads(_text(raw))
            number = float(_text(value))
        except (ValueError, TypeError):
            continue
        entry = latency[(str(task), str(outcome))]
        if part == "count":
            entry.count = int(number)
        elif part == "sum":
            entry.sum = number
        else:
            entry.buckets[str(part)] = entry.buckets.get(str(part), 0) + int(number)
    counted: dict[tuple[str, str, str], int] = {}
    for raw, value in fetches.items():
        try:
            kind, host, outcome = json.loads(_text(raw))
            counted[(str(kind), str(host), str(outcome))] = int(_text(value))
        except (ValueError, TypeError):
            continue
    return WorkerMetrics(latency=dict(latency), fetches=counted)


def read(client: redis.Redis) -> WorkerMetrics:
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(TASK_SECONDS_KEY)
    pipe.hgetall(FETCHES_KEY)
    task_seconds, fetches = pipe.execute()
    return parse(task_seconds, fetches)


def write(client: redis.Redis, task: list[tuple[str, int | float]], fetch: str | None) -> None:
    """One round trip: the task's latency fields, and its fetch counter if it fetched."""
    pipe = client.pipeline(transaction=False)
    for name, amount in task:
        if isinstance(amount, int):
            pipe.hincrby(TASK_SECONDS_KEY, name, amount)
        else:
            pipe.hincrbyfloat(TASK_SECONDS_KEY, name, amount)
    if fetch is not None:
        pipe.hincrby(FETCHES_KEY, fetch, 1)
    pipe.execute()


# -- worker signals --------------------------------------------------------------------------------------
@dataclass
class _Running:
    started: float
    command: dict[str, Any]
    fetch: str | None = None


_FETCHING = (FETCH_PAGE, DISCOVER_SOURCE)
_running: dict[str, _Running] = {}
_clients: dict[tuple[int, str], redis.Redis] = {}


def _redis_url(task: Any) -> str | None:
    if task is None or getattr(task.request, "is_eager", False):
        return None  # embedded mode: nothing to share with another process
    url = str(getattr(task.app.conf, "broker_url", "") or "")
    return url if url.startswith("redis") else None


def _client(url: str) -> redis.Redis:
    key = (os.getpid(), url)
    if key not in _clients:  # one connection per process, made after the fork
        _clients[key] = redis.Redis.from_url(url, socket_timeout=2)
    return _clients[key]


def _on_prerun(task_id: str | None = None, task: Any = None, args: Any = None, **_: Any) -> None:
    if task_id and _redis_url(task):
        command = args[0] if args and isinstance(args[0], dict) else {}
        _running[task_id] = _Running(time.perf_counter(), command)


def _on_publish(sender: str | None = None, body: Any = None, **_: Any) -> None:
    """A crawler task hands its event to the store: note what the fetch came to."""
    task = current_task
    if getattr(task, "name", None) not in _FETCHING:
        return
    running = _running.get(getattr(task.request, "id", None) or "")
    if running is None or sender is None:
        return
    args = body[0] if isinstance(body, tuple | list) and body else ()
    payload = args[0] if args and isinstance(args[0], dict) else {}
    running.fetch = fetch_of_event(sender, payload, running.command) or running.fetch


def _on_retry(sender: Any = None, request: Any = None, reason: Any = None, **_: Any) -> None:
    running = _running.get(getattr(request, "id", None) or "")
    if running is not None and running.command and getattr(sender, "name", None) in _FETCHING:
        cause = getattr(reason, "exc", None)
        running.fetch = fetch_of_retry(running.command, str(getattr(cause, "reason", type(cause).__name__)))


def _on_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    running = _running.pop(task_id or "", None)
    url = _redis_url(task)
    if running is None or url is None:
        return
    seconds = time.perf_counter() - running.started
    try:
        write(_client(url), latency_fields(task.name, (state or "unknown").lower(), seconds), running.fetch)
    except redis.RedisError:
        log.warning("could not record the task's metrics", exc_info=True)


def connect() -> None:
    """Hook the handlers to Celery's signals (idempotent)."""
    task_prerun.connect(_on_prerun, weak=False, dispatch_uid="fm6ss.metrics.prerun")
    after_task_publish.connect(_on_publish, weak=False, dispatch_uid="fm6ss.metrics.publish")
    task_retry.connect(_on_retry, weak=False, dispatch_uid="fm6ss.metrics.retry")
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid="fm6ss.metrics.postrun")
