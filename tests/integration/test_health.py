"""`fm6ss health`: a worker is unhealthy when work waits and nothing has progressed for too long."""

from __future__ import annotations

import socket
import time

import pytest
import redis
from typer.testing import CliRunner

from services.bus.queues import HEARTBEAT_PREFIX
from services.cli import cli
from tests.servers import REDIS_SERVER

pytestmark = pytest.mark.integration
URL = f"{REDIS_SERVER}/12"


def test_health_follows_progress(env):
    client = redis.Redis.from_url(URL)
    client.flushdb()
    env.setenv("FM6SS_BROKER_URL", URL)
    runner = CliRunner()
    assert runner.invoke(cli, ["health", "--queues", "parser"]).exit_code == 0  # nothing waits
    client.rpush("parser", "a message")
    sick = runner.invoke(cli, ["health", "--queues", "parser", "--max-idle", "60"])
    assert sick.exit_code == 1 and "messages wait (parser 1)" in sick.stderr and "never" in sick.stderr
    client.set(f"{HEARTBEAT_PREFIX}{socket.gethostname()}:123", f"{time.time():.0f}")
    assert runner.invoke(cli, ["health", "--queues", "parser", "--max-idle", "60"]).exit_code == 0
    client.set(f"{HEARTBEAT_PREFIX}{socket.gethostname()}:123", f"{time.time() - 120:.0f}")
    assert runner.invoke(cli, ["health", "--queues", "parser", "--max-idle", "60"]).exit_code == 1
    client.flushdb()
    client.close()
