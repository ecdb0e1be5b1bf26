"""Where the tests find the machine's servers; each can be moved by an environment variable.

Tests that need Redis use fixed database numbers on one server; two test runs at once on one
machine need two servers (`FM6SS_TEST_REDIS=redis://127.0.0.1:6390`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

REDIS_SERVER = os.environ.get("FM6SS_TEST_REDIS", "redis://127.0.0.1:6379").rstrip("/")
POSTGRES_URL = os.environ.get("FM6SS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    """A loopback port free now (a server started after may take it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for as long as the block lasts: bound here and never
    listening, so no other server of a parallel run can take it meanwhile (a free port could be)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])
