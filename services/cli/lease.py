"""A lease in Redis that only one process holds at a time (the one beat), renewed in the background.

If renewal fails (Redis lost it, or the process stalled past the TTL) the process exits at once rather
than go on scheduling beside another beat.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from types import TracebackType

import redis

log = logging.getLogger(__name__)


class LeaseTaken(RuntimeError):
    pass


class Lease:
    def __init__(self, client: redis.Redis, key: str, ttl_s: int) -> None:
        self.client, self.key, self.ttl_s = client, key, ttl_s
        self.token = f"{os.getpid()}-{uuid.uuid4().hex}"
        self._stop = threading.Event()

    @classmethod
    def take(cls, url: str, key: str, ttl_s: int) -> Lease:
        lease = cls(redis.Redis.from_url(url, socket_timeout=5), key, ttl_s)
        if not lease.client.set(key, lease.token, nx=True, ex=ttl_s):
            holder = lease.client.get(key) or b""
            said = holder.decode(errors="replace") if isinstance(holder, bytes) else str(holder)
            raise LeaseTaken(f"another process holds {key} (process {said}); only one may run")
        return lease

    def renew(self) -> bool:
        """Extend the lease if it is still ours (compare-and-set in one Lua call)."""
        script = (
            "if redis.call('get', KEYS[1]) == ARGV[1] then "
            "return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
        )
        try:
            return bool(self.client.eval(script, 1, self.key, self.token, self.ttl_s))
        except redis.RedisError:
            return False

    def _keep(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            if not self.renew():
                log.critical("lost the lease %s; exiting so that no second scheduler runs", self.key)
                os._exit(3)

    def __enter__(self) -> Lease:
        threading.Thread(target=self._keep, name="lease", daemon=True).start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        script = (
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
        )
        with contextlib.suppress(redis.RedisError):  # it expires by itself anyway
            self.client.eval(script, 1, self.key, self.token)
