"""Worker-side metrics: how long each task took (a histogram by task and outcome) and what each crawler
fetch came to, by host and outcome. Workers run apart, maybe on other machines, so the counters live in
Redis (the broker) and the API reads them at scrape time (services/store/api/metrics.py).

Each finished task costs one pipelined round trip of a few HINCRBY / HINCRBYFLOAT on two hashes.
Embedded mode (no Redis broker) records nothing. A Redis failure is logged and never fails the task.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import current_task
from celery.signals import after_task_publish, task_postrun, task_prerun, task_retry

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


def _field(kind: str, url: Any, outcome: str) -> str:
    return json.dumps([kind, host_of(url), outcome])


def _page(event: dict[str, Any]) -> str:
    """A PageFetched (200, or 304 without a body) or a FetchFailed, as its counter's hash field."""
    if "reason" in event:
        return _field("page", event.get("url"), f"failed:{event['reason']}")
    return _field("page", event.get("url"), "not_modified" if event.get("status") == 304 else "fetched")


def fetches_of_event(sender: str, payload: dict[str, Any], command: dict[str, Any]) -> list[str]:
    """The fetch counters (`[kind, host, outcome]` as hash fields) of a message a crawler task sends.

    Read by its shape, so one page and a batch count alike: PageFetched and FetchFailed (one page),
    PagesFetched (a batch), UrlsDiscovered (a source: its URL is in the sending task's `command`), and a
    page the crawler sends back to its own queue to be tried again alone (`retried`)."""
    if sender.startswith("crawler."):
        return [_field("page", payload["url"], "retried")] if "url" in payload else []
    if "fetched" in payload or "failed" in payload:
        return [
            _page(e) for e in [*payload.get("fetched", ()), *payload.get("failed", ())] if isinstance(e, dict)
        ]
    if "url" in payload and ("reason" in payload or "status" in payload):
        return [_page(payload)]
    if isinstance(payload.get("source"), str) and ("urls" in payload or "error" in payload):
        error = payload.get("error")
        outcome = f"failed:{str(error).split(':', 1)[0]}" if error else "read"
        return [_field("source", (command.get("source") or {}).get("url"), outcome)]
    return []


def fetch_of_retry(command: dict[str, Any], reason: str) -> str:
    """A transient failure the task will try again (a timeout, a 503...): counted as `retried:REASON`."""
    source = command.get("source")
    if isinstance(source, dict) and "url" not in command:
        return _field("source", source.get("url"), f"retried:{reason}")
    return _field("page", command.get("url"), f"retried:{reason}")


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


def write(client: redis.Redis, task: list[tuple[str, int | float]], fetches: Counter[str]) -> None:
    """One round trip: the task's latency fields, and its fetch counters (a batch is of one host, so a
    few fields at most)."""
    pipe = client.pipeline(transaction=False)
    for name, amount in task:
        if isinstance(amount, int):
            pipe.hincrby(TASK_SECONDS_KEY, name, amount)
        else:
            pipe.hincrbyfloat(TASK_SECONDS_KEY, name, amount)
    for name, n in fetches.items():
        pipe.hincrby(FETCHES_KEY, name, n)
    pipe.execute()


# -- worker signals --------------------------------------------------------------------------------------
@dataclass
class _Running:
    started: float
    command: dict[str, Any]
    fetches: Counter[str] = field(default_factory=Counter)


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
    """A crawler task hands its event to the store: note what the fetches came to."""
    task = current_task
    if not str(getattr(task, "name", "")).startswith("crawler."):
        return
    running = _running.get(getattr(task.request, "id", None) or "")
    if running is None or sender is None:
        return
    args = body[0] if isinstance(body, tuple | list) and body else ()
    payload = args[0] if args and isinstance(args[0], dict) else {}
    running.fetches.update(fetches_of_event(sender, payload, running.command))


def _on_retry(sender: Any = None, request: Any = None, reason: Any = None, **_: Any) -> None:
    running = _running.get(getattr(request, "id", None) or "")
    if running is not None and running.command and str(getattr(sender, "name", "")).startswith("crawler."):
        cause = getattr(reason, "exc", None)
        running.fetches[
            fetch_of_retry(running.command, str(getattr(cause, "reason", type(cause).__name__)))
        ] += 1


def _on_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    running = _running.pop(task_id or "", None)
    url = _redis_url(task)
    if running is None or url is None:
        return
    seconds = time.perf_counter() - running.started
    try:
        write(_client(url), latency_fields(task.name, (state or "unknown").lower(), seconds), running.fetches)
    except redis.RedisError:
        log.warning("could not record the task's metrics", exc_info=True)


def connect() -> None:
    """Hook the handlers to Celery's signals (idempotent)."""
    task_prerun.connect(_on_prerun, weak=False, dispatch_uid="fm6ss.metrics.prerun")
    after_task_publish.connect(_on_publish, weak=False, dispatch_uid="fm6ss.metrics.publish")
    task_retry.connect(_on_retry, weak=False, dispatch_uid="fm6ss.metrics.retry")
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid="fm6ss.metrics.postrun")
