"""What a batch task does with the items it could not finish: each failed item goes on alone, to the
task of one item (where it retries, fails and ends as a dead letter by itself), and the items not tried
yet go back on the queue as one batch. Used by the fetch, parse and ingest batch tasks, which publish
what `apart` returns."""

from __future__ import annotations

from collections.abc import Iterable

from services.bus.messages import Message

Send = tuple[str, Message, float | None]  # task name, message, countdown


def apart(
    single: str,
    alone: Iterable[Message | tuple[Message, float]],
    batch: str | None = None,
    rest: Message | None = None,
) -> list[Send]:
    """The sends: each of `alone` (a message, or a message and its countdown) to the task `single`, then
    `rest` (the batch of the items left, if any) to the task `batch`."""
    out: list[Send] = []
    for entry in alone:
        message, countdown = entry if isinstance(entry, tuple) else (entry, None)
        out.append((single, message, countdown))
    if rest is not None:
        assert batch is not None
        out.append((batch, rest, None))
    return out
