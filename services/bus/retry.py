"""The retry schedule every task uses: exponential backoff with "equal jitter".

Half of each step is fixed and half random: the fixed half puts a floor under the time a message's
retries span, so an outage shorter than that never spends them (with full jitter all could be drawn
short); the random half spreads the retries of many workers that failed together.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def backoff(
    attempt: int,
    base_s: float,
    max_s: float,
    floor_s: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Countdown before try number `attempt + 1`: half fixed, half random, growing twofold per try up to
    `max_s`, and never under `floor_s` (a server's Retry-After), itself capped at `max_s`."""
    ceiling = min(max_s, base_s * 2.0 ** max(attempt, 0))
    delay = ceiling / 2 + rand() * ceiling / 2
    return max(delay, min(floor_s or 0.0, max_s))
