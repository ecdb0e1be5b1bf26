"""FM6SS_ENVIRONMENT=production: the API, a worker and beat each refuse to start without what production
needs, with one line naming the missing setting and exit status 1, before connecting to anything."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from services.cli import cli

OPERATOR = "jeton-operateur-2025"
COMMANDS = {
    "api": ["api", "--host", "0.0.0.0", "--port", "8000"],
    "worker": ["worker", "--queues", "crawler"],
    "beat": ["beat"],
}


def refusal(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def production(env):
    env.setenv("FM6SS_ENVIRONMENT", "production")
    env.setenv("FM6SS_BROKER_URL", "redis://127.0.0.1:1/0")  # never reached: refused before
    env.setenv("FM6SS_DATABASE_URL", "postgresql://fm6ss@127.0.0.1:1/fm6ss")
    return env


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_production_refuses_to_start_without_an_operator_token(production, command):
    line = refusal(COMMANDS[command])
    assert line == "Error: FM6SS_API_TOKEN is required when FM6SS_ENVIRONMENT=production"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_production_refuses_to_start_with_webhooks_and_no_secret(production, command):
    production.setenv("FM6SS_API_TOKEN", OPERATOR)
    production.setenv("FM6SS_API_READ_TOKEN", "jeton-de-lecture-2025")
    production.setenv("FM6SS_WEBHOOK_URLS", "https://recepteur.example/fm6ss")
    line = refusal(COMMANDS[command])
    assert line.startswith("Error: FM6SS_WEBHOOK_SECRET is required"), line


def test_production_refuses_an_api_bound_to_every_interface_without_a_read_token(production):
    production.setenv("FM6SS_API_TOKEN", OPERATOR)
    line = refusal(COMMANDS["api"])
    assert line.startswith("Error: FM6SS_API_READ_TOKEN is required when FM6SS_ENVIRONMENT=production")
    assert "'0.0.0.0'" in line


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_production_refuses_every_process_when_the_api_is_published_beyond_loopback(production, command):
    production.setenv("FM6SS_API_TOKEN", OPERATOR)
    production.setenv("FM6SS_API_PUBLISH_HOST", "0.0.0.0")
    assert refusal(COMMANDS[command]).startswith("Error: FM6SS_API_READ_TOKEN is required")
