"""docker-compose.yml agrees with the code: its commands parse with the real CLI, its variables exist;
and it exposes nothing by default (ports on loopback, Redis with a password, Flower out of the default
profile and behind basic auth), restarts what stops, and checks liveness without starting a process."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from typer.main import get_command

from services.bus.settings import Settings
from services.cli import cli
from services.crawler.settings import CrawlerSettings
from services.store.settings import StoreSettings
from tests.compose import ROOT, MissingVariable, app_services, load, raw

SECRETS = {
    "POSTGRES_PASSWORD": "mot-de-passe-pg",
    "REDIS_PASSWORD": "motdepasseredis2025",
    "FM6SS_API_TOKEN": "jeton-operateur-2025",
    "FM6SS_CRAWLER_CONTACT_URL": "https://veille.example/contact",
    "S3_ACCESS_KEY": "cle-archive-2025",
    "S3_SECRET_KEY": "secret-archive-2025-0123456789",
}
COMPOSE = load(SECRETS)
APP_SERVICES = app_services(COMPOSE)
TEXT = (ROOT / "docker-compose.yml").read_text()


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
    for secret in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "FM6SS_API_TOKEN"):
        assert re.search(r"\$\{" + secret + r":\?", TEXT), secret
        with pytest.raises(MissingVariable, match=secret):
            load({k: v for k, v in SECRETS.items() if k != secret})
    redis = COMPOSE["services"]["redis"]["command"]
    assert "noeviction" in redis and "--appendonly" in redis


def test_services_have_health_checks_and_migrations_run_first():
    for name in (
        "redis",
        "postgres",
        "seaweedfs",
        "api",
        "beat",
        "worker-crawler",
        "worker-parser",
        "worker-store",
    ):
        assert "healthcheck" in COMPOSE["services"][name], name
    for name, service in APP_SERVICES.items():
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_long_running_service_restarts_and_the_migration_does_not():
    for name, service in COMPOSE["services"].items():
        expected = "no" if name in ("migrate", "seaweedfs-bucket") else "unless-stopped"
        assert service.get("restart") == expected, name


def test_ports_are_published_on_loopback_only_by_default():
    published = {name: s.get("ports", []) for name, s in COMPOSE["services"].items()}
    assert published["api"] and published["flower"]
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), (name, port)
    for name in ("redis", "postgres", "seaweedfs"):
        assert not published[name], name


def test_redis_needs_a_password_from_the_environment_and_every_client_gives_it():
    redis = COMPOSE["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--requirepass") + 1] == SECRETS["REDIS_PASSWORD"]
    assert redis["environment"]["REDISCLI_AUTH"] == SECRETS["REDIS_PASSWORD"]  # its own health check
    for name in (*APP_SERVICES, "flower"):
        url = COMPOSE["services"][name]["environment"]["FM6SS_BROKER_URL"]
        assert url == f"redis://:{SECRETS['REDIS_PASSWORD']}@redis:6379/0", name


def test_flower_is_out_of_the_default_profile_behind_basic_auth_and_locked():
    flower = COMPOSE["services"]["flower"]
    assert flower["profiles"] == ["monitoring"]
    assert "FLOWER_BASIC_AUTH" in flower["environment"]
    assert flower["build"]["target"] == "flower" and flower["image"] == "fm6ss-watch-flower:latest"
    # Locked like the rest: the image installs uv.lock's `monitoring` group, which holds flower.
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "--frozen --no-dev --group monitoring" in dockerfile
    assert re.search(r'^name = "flower"$', (ROOT / "uv.lock").read_text(), re.M)
    # The command refuses to start without the secret (run here with sh, as the container would).
    command = flower["command"][0]
    refused = subprocess.run(
        ["sh", "-c", command], env={"PATH": os.environ["PATH"], "FLOWER_BASIC_AUTH": ""}, capture_output=True
    )
    assert refused.returncode == 1
    assert refused.stderr.decode().strip() == "Error: set FLOWER_BASIC_AUTH (user:password)"


def liveness_file(service: dict) -> str:
    command = service["command"]
    return str(command[command.index("--liveness-file") + 1])


@pytest.mark.parametrize("name", ["worker-crawler", "worker-parser", "worker-store", "beat"])
def test_workers_and_beat_are_judged_by_the_age_of_their_liveness_file(name: str, tmp_path: Path):
    service = COMPOSE["services"][name]
    kind, check = service["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    assert not {"fm6ss", "python", "celery", "redis-cli"} & set(shlex.split(check)), check
    path = liveness_file(service)
    assert path in check
    here = check.replace(path, str(tmp_path / "live"))

    def healthy() -> bool:
        return subprocess.run(["sh", "-c", here]).returncode == 0

    assert not healthy()  # never touched: not (yet) alive
    (tmp_path / "live").touch()
    assert healthy()
    old = time.time() - 4 * 60  # four minutes: more than three checks of the worker missed
    os.utime(tmp_path / "live", (old, old))
    assert not healthy()


def test_the_build_context_holds_only_what_the_dockerfile_copies():
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*"  # everything out (.venv, .tools, data/, .git, tests) ...
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set()
    for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            copied |= {part.rstrip("/") for part in line.split()[1:-1] if not part.startswith("--")}
    assert allowed == copied  # ... but what the image is built from


def test_compose_settings_pass_production_on_loopback_and_refuse_a_public_api_without_read_token(env):
    api = COMPOSE["services"]["api"]
    for key, value in api["environment"].items():
        if value:
            env.setenv(key, value)
    host = api["command"][api["command"].index("--host") + 1]
    assert host == "0.0.0.0"  # inside the container; published on 127.0.0.1
    assert StoreSettings(api_host=host).exposed_host == "127.0.0.1"

    public = load({**SECRETS, "FM6SS_API_PUBLISH_HOST": "0.0.0.0"})["services"]["api"]
    assert public["ports"] == ["0.0.0.0:8000:8000"]
    env.setenv("FM6SS_API_PUBLISH_HOST", public["environment"]["FM6SS_API_PUBLISH_HOST"])
    with pytest.raises(ValidationError, match="FM6SS_API_READ_TOKEN is required"):
        StoreSettings(api_host=host)
    env.setenv("FM6SS_API_READ_TOKEN", "jeton-de-lecture-2025")
    assert StoreSettings(api_host=host).api_read_token


def test_the_raw_file_asks_for_secrets_instead_of_carrying_defaults():
    services = raw()["services"]
    redis = services["redis"]["command"]
    assert redis[redis.index("--requirepass") + 1].startswith("${REDIS_PASSWORD:?")
    assert services["api"]["ports"] == ["${FM6SS_API_PUBLISH_HOST:-127.0.0.1}:8000:8000"]


def test_every_app_service_shares_the_s3_archive_and_the_local_variant_keeps_it_on_the_volume():
    for name, service in APP_SERVICES.items():
        env = service["environment"]
        assert env["FM6SS_ARCHIVE_URL"] == "s3://fm6ss/archive", name
        assert env["FM6SS_S3_ENDPOINT_URL"] == "http://seaweedfs:8333", name
        assert env["FM6SS_S3_ACCESS_KEY_ID"] == SECRETS["S3_ACCESS_KEY"], name
        assert env["FM6SS_S3_SECRET_ACCESS_KEY"] == SECRETS["S3_SECRET_KEY"], name
    seaweed = COMPOSE["services"]["seaweedfs"]
    assert seaweed["environment"] == {
        "S3_ACCESS_KEY": SECRETS["S3_ACCESS_KEY"],
        "S3_SECRET_KEY": SECRETS["S3_SECRET_KEY"],
    }
    assert seaweed["volumes"] == ["seaweedfs:/data"] and "-s3.config=/tmp/s3.json" in seaweed["command"][0]
    assert "s3.bucket.create -name fm6ss" in COMPOSE["services"]["seaweedfs-bucket"]["command"][0]
    for secret in ("S3_ACCESS_KEY", "S3_SECRET_KEY"):
        with pytest.raises(MissingVariable, match=secret):
            load({k: v for k, v in SECRETS.items() if k != secret})
    local = yaml.safe_load((ROOT / "deploy" / "compose.local-archive.yml").read_text())["services"]
    assert local["seaweedfs"]["profiles"] == local["seaweedfs-bucket"]["profiles"] == ["s3"]
    assert set(APP_SERVICES) <= set(local)
    for name in APP_SERVICES:
        assert local[name]["environment"] == {"FM6SS_ARCHIVE_URL": "file:///data/archive"}, name
