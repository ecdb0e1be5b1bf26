"""How many messages wait in each queue (Redis broker): for `fm6ss status`, /metrics and health checks."""

from __future__ import annotations

import time
from collections.abc import Iterable

import redis

from services.bus.routing import QUEUES

# Key prefix, then "<host>:<pid>": when each worker process last finished a task (written by `logs`,
# read by `stalled`). Here rather than in `logs`, so that `fm6ss health` loads no Celery.
HEARTBEAT_PREFIX = "fm6ss:heartbeat:"


def queue_depths(broker_url: str | None) -> dict[str, int]:
    """Waiting messages by queue; empty when there is no Redis broker (embedded mode has no queues).
    Raises redis.RedisError when the broker cannot be reached."""
    if not broker_url or not broker_url.startswith("redis"):
        return {}
    client = redis.Redis.from_url(broker_url, socket_timeout=5)
    try:
        return {q: int(client.llen(q)) for q in QUEUES}
    finally:
        client.close()


def stalled(
    client: redis.Redis, queues: Iterable[str], host: str, max_idle_s: float, since: float = 0.0
) -> str | None:
    """Why the workers of `host` look stuck, or None: messages wait in `queues` and no worker process of
    the host has finished a task for `max_idle_s` seconds, counted from `since` (a worker's start) at
    the earliest. Idle workers with nothing to do are well. Raises redis.RedisError."""
    waiting = {q: n for q in queues if (n := int(client.llen(q)))}
    beats = [float(client.get(k) or 0) for k in client.scan_iter(f"{HEARTBEAT_PREFIX}{host}:*")]
    idle = time.time() - max(*beats, since, 0.0)
    if not waiting or idle <= max_idle_s:
        return None
    backlog = ", ".join(f"{q} {n}" for q, n in sorted(waiting.items()))
    last = f"{time.time() - max(beats):.0f} s ago" if beats else "never"
    return f"messages wait ({backlog}) and no task finished here since {last}"
