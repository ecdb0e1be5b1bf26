"""How many messages wait in each queue (Redis broker): for `fm6ss status`, /metrics and health checks."""

from __future__ import annotations

import redis

from services.bus.routing import QUEUES

# Key prefix, then "<host>:<pid>": when each worker process last finished a task (written by `logs`,
# read by `fm6ss health`). Here rather than in `logs`, so that the health check loads no Celery.
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
