"""Structured logs: one JSON object a line, carrying the task, message and crawl-run ids of the work.

Every process (worker, beat, API, CLI) calls `configure_logging` once; Celery's signals fill the context.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import socket
import sys
import time
from datetime import UTC, datetime
from typing import Any

import redis
from celery.signals import task_postrun, task_prerun

from services.bus import metrics
from services.bus.failures import without_statements
from services.bus.queues import HEARTBEAT_PREFIX
from services.bus.redact import masked_text, masked_url

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "fm6ss_log_context", default=None
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": masked_text(without_statements(record.getMessage())),  # no login, token or SQL
            **(_context.get() or {}),
        }
        if record.exc_info:
            entry["exc"] = masked_text(without_statements(self.formatException(record.exc_info)))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _on_prerun(task_id: str | None = None, task: Any = None, args: Any = None, **_: Any) -> None:
    payload = args[0] if args and isinstance(args[0], dict) else {}
    _context.set(
        {
            "task": getattr(task, "name", None),
            "task_id": task_id,
            "run_id": payload.get("run_id"),
            "url": masked_url(payload["url"]) if isinstance(payload.get("url"), str) else None,
        }
    )


def _on_postrun(task: Any = None, state: str | None = None, **_: Any) -> None:
    heartbeat(getattr(task, "app", None))
    _context.set(None)


_clients: dict[tuple[int, str], redis.Redis] = {}


def heartbeat(app: Any) -> None:
    """Record progress: the time this worker process last finished a task, read by `fm6ss health`."""
    url = str(getattr(getattr(app, "conf", None), "broker_url", "") or "")
    if not url.startswith("redis"):
        return
    key = (os.getpid(), url)
    if key not in _clients:  # one connection per process, made after the fork
        _clients[key] = redis.Redis.from_url(url, socket_timeout=2)
    try:
        _clients[key].set(
            f"{HEARTBEAT_PREFIX}{socket.gethostname()}:{os.getpid()}", f"{time.time():.0f}", ex=86400
        )
    except redis.RedisError:
        logging.getLogger(__name__).warning("could not record the worker heartbeat", exc_info=True)


task_prerun.connect(_on_prerun, weak=False)
task_postrun.connect(_on_postrun, weak=False)
metrics.connect()  # task latency and fetches by host, in Redis for the API's /metrics
