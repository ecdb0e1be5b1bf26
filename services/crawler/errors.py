"""How the crawler fails: transient errors are retried later, permanent ones become FetchFailed.

A Retryable's delay (a server's Retry-After) is the floor of the bus's backoff (services/bus/retry.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Details name URLs, which a hostile server makes as long as it likes (a redirect to 100 kB of path);
# the store keeps a source's error in 500 characters, and a longer one would fail its transaction.
MAX_DETAIL_CHARS = 300


class FetchError(Exception):
    """Permanent: recorded once with a short reason code, never retried."""

    def __init__(self, reason: str, detail: str = "", status: int | None = None) -> None:
        detail = detail[:MAX_DETAIL_CHARS]
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.status = status


class Retryable(Exception):
    """Transient: try again after `delay_s` seconds at the earliest (None: the backoff decides)."""

    def __init__(
        self, reason: str, delay_s: float | None = None, detail: str = "", status: int | None = None
    ) -> None:
        detail = detail[:MAX_DETAIL_CHARS]
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.delay_s = delay_s
        self.detail = detail
        self.status = status


def retry_after(value: str | None, now: datetime | None = None, cap_s: float = 3600.0) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap_s)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), cap_s)
