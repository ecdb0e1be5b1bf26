"""docker-compose.yml agrees with the code: its commands parse with the real CLI, its variables exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from typer.main import get_command

from services.bus.settings import Settings
from services.cli import cli
from services.crawler.settings import CrawlerSettings
from services.store.settings import StoreSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = {name: s for name, s in COMPOSE["services"].items() if s.get("image") == "fm6ss-watch:latest"}


def test_every_app_command_is_a_real_cli_command_with_real_options():
    group = get_command(cli)
    assert set(APP_SERVICES) >= {"migrate", "worker-crawler", "worker-parser", "worker-store", "beat", "api"}
    for name, service in APP_SERVICES.items():
        args = service["command"]
        ctx = group.make_context("fm6ss", list(args))
        sub_name, sub, rest = group.resolve_command(ctx, list(args))
        assert sub is not None, name
        sub.make_context(sub_name, rest)  # raises on an unknown option or a bad value


def test_one_worker_service_per_queue_and_exactly_one_beat():
    queues = sorted(
        s["command"][s["command"].index("--queues") + 1]
        for n, s in APP_SERVICES.items()
        if s["command"][0] == "worker"
    )
    assert queues == ["crawler", "parser", "store"]
    beats = [n for n, s in APP_SERVICES.items() if s["command"][0] == "beat"]
    assert beats == ["beat"] and COMPOSE["services"]["beat"]["deploy"]["replicas"] == 1


def test_variables_are_settings_and_secrets_are_required():
    known = {f"FM6SS_{n.upper()}" for n in Settings.model_fields}
    known |= {f"FM6SS_CRAWLER_{n.upper()}" for n in CrawlerSettings.model_fields}
    known |= {f"FM6SS_{n.upper()}" for n in StoreSettings.model_fields}
    for service in APP_SERVICES.values():
        assert set(service["environment"]) <= known
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("POSTGRES_PASSWORD", "FM6SS_API_TOKEN"):
        assert re.search(r"\$\{" + secret + r":\?", text), secret
    redis = COMPOSE["services"]["redis"]["command"]
    assert "noeviction" in redis and "--appendonly" in redis


def test_services_have_health_checks_and_migrations_run_first():
    for name in ("redis", "postgres", "api"):
        assert "healthcheck" in COMPOSE["services"][name], name
    for name, service in APP_SERVICES.items():
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
