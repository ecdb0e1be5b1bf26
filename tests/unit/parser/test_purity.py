"""The parser's core loads no client of the services around it (the import contract checks the code;
this checks what Python actually loads, package `__init__` files included)."""

from __future__ import annotations

import subprocess
import sys

CLIENTS = ("celery", "kombu", "httpx", "sqlalchemy", "sqlmodel", "redis")


def test_parsing_a_page_loads_no_celery_http_sql_or_redis_client():
    code = (
        "import sys, services.parser.pipeline, services.parser.fingerprint;"
        f"print(','.join(m for m in {CLIENTS!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
