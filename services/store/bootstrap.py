"""The store's per-process resources, each built on first use (nothing connects at import, so Celery's
prefork children never share a connection): one engine per database URL, the Redis client of the change
stream and the relay flag, and the push sinks of the change feed."""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from services.bus import runtime
from services.store.db.engine import make_engine
from services.store.db.models import utcnow
from services.store.settings import StoreSettings

if TYPE_CHECKING:  # the CLI reads only engines here: the clients are imported where they are built
    import redis

    from services.store.operations.sinks import Sink

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()  # a store worker's threads share this process's engines
_statement_timeout_s: int | None = None
# A push consumer this process is the first to relay to starts after the changes written before this moment:
# it gets everything from this process's start on, and none of the history (`fm6ss relay rewind` sends it).
STARTED_AT = utcnow()


def engine_for(url: str) -> Engine:
    with _engines_lock:
        if url not in _engines:
            _engines[url] = make_engine(url, _statement_timeout_s)
        return _engines[url]


def limit_statements(seconds: int) -> None:
    """A worker's engines (built after this call) have PostgreSQL cancel any statement that runs longer
    than `seconds`: a stuck statement ends in an error the task retries, whatever the pool."""
    global _statement_timeout_s
    _statement_timeout_s = seconds


def engine() -> Engine:
    return engine_for(runtime.settings().sqlalchemy_url)


def dispose_all() -> None:
    """Close every pooled connection (tests, and a worker process that is shutting down)."""
    for built in _engines.values():
        built.dispose()
    _engines.clear()


def forget_inherited_pools() -> None:
    """In a pool child: drop the connections the parent pooled before the fork without closing them (they
    are the parent's sockets; `fm6ss worker` checks the database before forking), so that two children
    never talk over one socket and each opens its own."""
    for built in _engines.values():
        built.dispose(close=False)


@cache
def store_settings() -> StoreSettings:
    """The store's own settings, read once a process."""
    return StoreSettings()


@cache
def redis_client() -> redis.Redis | None:
    """The Redis of the change stream and the relay flag, one client a process."""
    import redis

    url = runtime.settings().redis
    return redis.Redis.from_url(url, socket_timeout=10) if url else None


@cache
def sinks() -> tuple[Sink, ...]:
    """The push consumers configured for this process, built on first use (httpx only with webhooks)."""
    from services.store.operations.sinks import RedisStreamSink, WebhookSink

    settings = store_settings()
    out: list[Sink] = []
    client = redis_client()
    if client is not None:
        out.append(RedisStreamSink(client, settings.changes_stream, settings.changes_stream_maxlen))
    if settings.webhooks:
        import httpx

        assert settings.webhook_secret is not None
        # One try a relay, bounded: a receiver that hangs costs the others at most this much.
        http = httpx.Client(timeout=httpx.Timeout(10, connect=5), follow_redirects=False)
        out.extend(WebhookSink(h.name, h.url, settings.webhook_secret, http) for h in settings.webhooks)
    return tuple(out)


def sink_names() -> list[tuple[str, str]]:
    """(name, shown target) of each configured push consumer, from the settings alone (no client built)."""
    from services.bus.redact import origin

    settings = store_settings()
    out = [(f"redis-stream:{settings.changes_stream}", f"redis stream {settings.changes_stream}")]
    if not runtime.settings().redis:
        out = []
    return out + [(h.name, origin(h.url)) for h in settings.webhooks]
