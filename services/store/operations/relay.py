"""Store, push side of the change feed: the outbox rows, relayed in order to a Redis stream and webhooks.

At least once: a cursor per consumer advances only after delivery. The stream uses the sequence number as
its entry id, so a repeated delivery is refused by Redis itself; webhook receivers dedupe by `seq`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import httpx
import redis
from sqlalchemy.engine import Engine

from services.store.db.models import Change, utcnow
from services.store.db.unit_of_work import unit_of_work

BATCH = 200


class Sink(Protocol):
    name: str

    def send(self, changes: Sequence[dict[str, Any]]) -> None: ...


def change_dict(change: Change) -> dict[str, Any]:
    return {
        "seq": change.seq,
        "entity": change.entity,
        "entity_id": change.entity_id,
        "action": change.action,
        "version": change.version,
        "payload": change.payload,
        "created_at": change.created_at.isoformat(),
    }


class RedisStreamSink:
    def __init__(self, client: Any, stream: str, maxlen: int) -> None:
        self.client, self.stream, self.maxlen = client, stream, maxlen
        self.name = f"redis-stream:{stream}"

    def send(self, changes: Sequence[dict[str, Any]]) -> None:
        for change in changes:
            fields = {k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in change.items()}
            try:
                self.client.xadd(
                    self.stream, fields, id=f"{change['seq']}-1", maxlen=self.maxlen, approximate=True
                )
            except redis.ResponseError as exc:
                if "equal or smaller" not in str(exc):
                    raise  # anything but "already there" is a real failure


class WebhookSink:
    """POSTs `{"changes": [...]}` signed with HMAC-SHA256 of the body; retries with backoff and jitter."""

    def __init__(
        self,
        url: str,
        secret: str,
        client: httpx.Client,
        tries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url, self.secret, self.client, self.tries, self.sleep = url, secret, client, tries, sleep
        self.name = f"webhook:{url}"

    def send(self, changes: Sequence[dict[str, Any]]) -> None:
        body = json.dumps({"changes": list(changes)}, separators=(",", ":"), sort_keys=True).encode()
        signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-FM6SS-Signature": f"sha256={signature}"}
        for attempt in range(self.tries):
            try:
                response = self.client.post(self.url, content=body, headers=headers)
                if response.status_code < 300:
                    return
                error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < self.tries:
                self.sleep(min(60.0, 2.0**attempt) * (0.5 + random.random()))
        raise DeliveryError(f"{self.url}: {error}")


class DeliveryError(RuntimeError):
    pass


def relay(engine: Engine, sink: Sink, batch: int = BATCH) -> int:
    """Send every change after the sink's cursor; returns how many were sent."""
    sent = 0
    while True:
        failure: Exception | None = None
        with unit_of_work(engine) as uow:
            cursor = uow.feed.relay_cursor(sink.name)
            rows = [change_dict(c) for c in uow.feed.changes_after(cursor.seq, batch)]
            if not rows:
                return sent
            try:
                sink.send(rows)
            except Exception as exc:  # recorded below, in a transaction of its own, then raised
                failure = exc
            else:
                cursor.seq, cursor.failures, cursor.last_error = rows[-1]["seq"], 0, None
                cursor.updated_at = utcnow()
                uow.session.add(cursor)
        if failure is not None:
            _record_failure(engine, sink.name, failure)
            raise failure
        sent += len(rows)


def _record_failure(engine: Engine, name: str, failure: Exception) -> None:
    with unit_of_work(engine) as uow:
        cursor = uow.feed.relay_cursor(name)
        cursor.failures += 1
        cursor.last_error = f"{type(failure).__name__}: {failure}"[:500]
        uow.session.add(cursor)
