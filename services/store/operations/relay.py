"""Store, push side of the change feed: the outbox rows, relayed in order to each sink (sinks.py).

Each sink has its own cursor and retry state, so a dead one delays no other. A batch is read and leased in
a short transaction, delivered with no transaction open, and the cursor advanced in another short one: no
lock is held while a receiver answers. At least once: a cursor moves only after delivery; a failed batch
is sent again as it was (same changes, same delivery id) once its backoff has passed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from services.bus.redact import masked_text
from services.bus.retry import backoff
from services.store.db.models import Change, utcnow
from services.store.db.unit_of_work import unit_of_work
from services.store.operations.sinks import DeliveryError, Sink

BATCH = 200
LEASE_S = 120.0  # longer than one delivery (the HTTP client's timeout): a relay that died lets go after it
RETRY_BASE_S = 5.0
RETRY_MAX_S = 3600.0

log = logging.getLogger(__name__)


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


def delivery_id(after: int, last: int) -> str:
    """The `webhook-id` of the batch of changes after `after` up to `last`: the same on every try."""
    return f"fm6ss-changes-{after + 1}-{last}"


@dataclass(frozen=True)
class Claim:
    after: int  # the cursor when the batch was read
    rows: list[dict[str, Any]]


def relay(
    engine: Engine,
    sink: Sink,
    batch: int = BATCH,
    clock: Callable[[], datetime] = utcnow,
    new_after: datetime | None = None,
) -> int:
    """Send every change after the sink's cursor; returns how many were sent. A sink seen for the first
    time starts at the head of the feed, or after the changes written before `new_after` (the relaying
    process's start: what it wrote is sent, the history is not). A failed delivery is recorded on the
    cursor (its error, when to try again) and raised as DeliveryError."""
    sent = 0
    while (claim := _claim(engine, sink, batch, clock(), new_after)) is not None:
        try:
            sink.send(claim.rows, delivery_id(claim.after, claim.rows[-1]["seq"]))
        except Exception as exc:
            error = exc if isinstance(exc, DeliveryError) else DeliveryError(_describe(exc))
            _record_failure(engine, sink.name, claim, error, clock())
            raise error from None
        _advance(engine, sink.name, claim, clock())
        sent += len(claim.rows)
    return sent


def relay_all(
    engine: Engine, sinks: Iterable[Sink], batch: int = BATCH, new_after: datetime | None = None
) -> dict[str, int | str]:
    """Each sink in turn, a failure kept to its own sink: how many changes each was sent, or its error."""
    out: dict[str, int | str] = {}
    for sink in sinks:
        try:
            out[sink.name] = relay(engine, sink, batch, new_after=new_after)
        except DeliveryError as exc:
            log.warning("change relay to %s failed: %s", sink.name, exc)
            out[sink.name] = f"failed: {exc}"
    return out


def rewind(engine: Engine, name: str, after: int) -> None:
    """Send the sink `name` everything after change `after` at its next relay (0: the whole history).
    Its retry state is cleared; a delivery under way does not move the cursor when it ends."""
    with unit_of_work(engine) as uow:
        cursor = uow.feed.relay_cursor(name, start=after)
        cursor.seq, cursor.pending_seq, cursor.failures = after, None, 0
        cursor.retry_at, cursor.last_error, cursor.updated_at = None, None, utcnow()


def _claim(engine: Engine, sink: Sink, batch: int, now: datetime, new_after: datetime | None) -> Claim | None:
    """The next batch, leased to this relay; None when there is nothing to send, the sink waits for its
    next try, or another relay is delivering to it."""
    with unit_of_work(engine) as uow:
        cursor = uow.feed.relay_cursor(sink.name, start=new_after)
        cursor.target = sink.target
        if _after(cursor.leased_until, now) or _after(cursor.retry_at, now):
            return None
        rows = [change_dict(c) for c in uow.feed.changes_after(cursor.seq, batch, upto=cursor.pending_seq)]
        if not rows:
            cursor.pending_seq = None
            return None
        cursor.leased_until = now + timedelta(seconds=LEASE_S)
        return Claim(cursor.seq, rows)


def _advance(engine: Engine, name: str, claim: Claim, now: datetime) -> None:
    with unit_of_work(engine) as uow:
        cursor = uow.feed.relay_cursor(name)
        if cursor.seq == claim.after:  # not rewound by an operator meanwhile
            cursor.seq, cursor.pending_seq = claim.rows[-1]["seq"], None
        cursor.failures, cursor.last_error, cursor.retry_at = 0, None, None
        cursor.leased_until, cursor.updated_at = None, now


def _record_failure(engine: Engine, name: str, claim: Claim, error: DeliveryError, now: datetime) -> None:
    with unit_of_work(engine) as uow:
        cursor = uow.feed.relay_cursor(name)
        if cursor.seq == claim.after:
            cursor.pending_seq = claim.rows[-1]["seq"]  # the next try sends this very batch
        cursor.failures += 1
        cursor.last_error = str(error)[:500]
        wait = backoff(cursor.failures - 1, RETRY_BASE_S, RETRY_MAX_S, floor_s=error.retry_after_s)
        cursor.retry_at = now + timedelta(seconds=wait)
        cursor.leased_until, cursor.updated_at = None, now


def _after(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and _aware(moment) > now


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored moment is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {masked_text(str(exc))}"[:500]
