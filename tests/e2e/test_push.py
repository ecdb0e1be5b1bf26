"""Push delivery through real processes: workers relay the change feed to the example consumer
(`examples/consumer.py serve`, a webhook receiver that checks signatures) past a dead hook listed before
it, to the Redis stream, and `examples/consumer.py follow` reads the same rows from GET /changes."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.e2e.conftest import FM6SS, REDIS_URL, ROOT, Stack, wait_until
from tests.receivers import closed_port_url
from tests.servers import free_port

pytestmark = pytest.mark.e2e

SECRET = "whsec_" + base64.b64encode(bytes(range(100, 132))).decode()
EXAMPLE = str(ROOT / "examples" / "consumer.py")


@pytest.fixture
def example_receiver(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port, out = free_port(), tmp_path / "received.jsonl"
    with (tmp_path / "receiver.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, EXAMPLE, "serve", "--port", str(port), "--out", str(out)],
            env={**os.environ, "FM6SS_WEBHOOK_SECRET": SECRET},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(
            lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or True, 30, "receiver"
        )
        yield f"http://127.0.0.1:{port}/hook", out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def stack_env(example_receiver: tuple[str, Path]) -> dict[str, str]:
    url, _ = example_receiver
    return {"FM6SS_WEBHOOK_URLS": f"dead={closed_port_url()}, example={url}", "FM6SS_WEBHOOK_SECRET": SECRET}


def received(out: Path) -> list[int]:
    lines = out.read_text().splitlines() if out.exists() else []
    return [json.loads(line)["seq"] for line in lines]


def test_the_example_consumer_gets_every_change_by_webhook_and_by_the_feed(
    stack: Stack, example_receiver: tuple[str, Path], tmp_path: Path
):
    url, out = example_receiver
    imported = subprocess.run(
        [FM6SS, "import", str(ROOT / "examples" / "articles.jsonl")],
        env=stack.env,
        capture_output=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr.decode()
    with stack.client() as api:

        def delivered() -> list[int] | None:
            feed = [c["seq"] for c in api.get("/changes", params={"limit": 1000}).json()["items"]]
            agreements = api.get("/agreements").json()["items"]
            return feed if len(agreements) == 2 and feed and received(out) == feed else None

        feed = wait_until(delivered, 180, "every change at the example receiver")
    assert feed == list(range(1, len(feed) + 1))

    followed = subprocess.run(
        [
            sys.executable,
            EXAMPLE,
            "follow",
            "--api",
            stack.api_url,
            "--state",
            str(tmp_path / "cursor"),
            "--once",
        ],
        capture_output=True,
        timeout=60,
    )
    assert followed.returncode == 0, followed.stderr.decode()
    assert [json.loads(line)["seq"] for line in followed.stdout.decode().splitlines()] == feed
    assert (tmp_path / "cursor").read_text() == str(feed[-1])

    stamp = str(int(time.time()))
    forged = httpx.post(
        url,
        content=b'{"type":"changes","timestamp":"","data":{"changes":[]}}',
        headers={
            "webhook-id": "fm6ss-changes-1-1",
            "webhook-timestamp": stamp,
            "webhook-signature": "v1,AAAA",
        },
    )
    assert forged.status_code == 401

    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert [int(f[b"seq"]) for _, f in client.xrange("fm6ss:changes")] == feed
    finally:
        client.close()
    status = subprocess.run([FM6SS, "status"], env=stack.env, capture_output=True, timeout=60, text=True)
    assert (
        f"relay example (http://127.0.0.1:{url.split(':')[2].split('/')[0]}): sent up to change {feed[-1]}"
        in (status.stdout)
    )
    assert "relay dead (http://127.0.0.1:" in status.stdout and "ConnectError" in status.stdout
