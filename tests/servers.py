"""Where the tests find the machine's servers; each can be moved by an environment variable.

Tests that need Redis use fixed database numbers on one server; two test runs at once on one
machine need two servers (`FM6SS_TEST_REDIS=redis://127.0.0.1:6390`).
"""

from __future__ import annotations

import os

REDIS_SERVER = os.environ.get("FM6SS_TEST_REDIS", "redis://127.0.0.1:6379").rstrip("/")
POSTGRES_URL = os.environ.get("FM6SS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
