"""What a store process loads to build its push sinks."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import sys
from services.bus import runtime
from services.bus.settings import Settings
runtime.configure(Settings(broker_url="redis://127.0.0.1:9/0"), queues=["store"])
from services.store import bootstrap
names = [sink.name for sink in bootstrap.sinks()]
print(names, "httpx" in sys.modules, "rich" in sys.modules)
"""


def test_a_store_without_webhooks_builds_its_sinks_without_httpx() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_")}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['redis-stream:fm6ss:changes']", "False", "False"]
