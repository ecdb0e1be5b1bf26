"""A deployment started the way docker-compose.yml starts it crawls on its own: on an empty PostgreSQL
database, `migrate`, then the three workers, beat and the API, each with its compose command and
environment (production), schedule the enabled sources of the sources file, with no manual sync, and
the workers' and beat's compose health checks pass on their liveness files."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa
import yaml

from tests.compose import app_services, load
from tests.e2e.conftest import REDIS_URL, TOKEN, Stack, wait_until
from tests.fixtures.site import serve, source_specs
from tests.seaweed import ACCESS_KEY, SECRET_KEY, Seaweed
from tests.servers import POSTGRES_URL, free_port

pytestmark = pytest.mark.e2e

SECRETS = {
    "POSTGRES_PASSWORD": "mot-de-passe-pg",
    "REDIS_PASSWORD": "motdepasseredis2025",
    "FM6SS_API_TOKEN": TOKEN,
    "FM6SS_CRAWLER_CONTACT_URL": "https://veille.example/contact",
    "S3_ACCESS_KEY": ACCESS_KEY,
    "S3_SECRET_KEY": SECRET_KEY,
}
ENABLED = ("atlas-health-atom", "assabah-test-rss")
DISABLED = "quotidien-rabat-rss"


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A schema of its own with no table at all: what `migrate` finds on a fresh deployment."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required at {POSTGRES_URL}: {exc.orig}")
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def here(name: str, command: list[str], tmp: Path, api_port: int) -> list[str]:
    """A compose command as it runs on this machine: one process a worker (the machine is small), the
    liveness file in the test's folder, beat checking every 5 s, the API on loopback and a free port."""
    args = list(command)
    swaps = {
        "--concurrency": "1",
        "--liveness-file": str(tmp / f"{name}.live"),
        "--host": "127.0.0.1",
        "--port": str(api_port),
    }
    for option, value in swaps.items():
        if option in args:
            args[args.index(option) + 1] = value
    return [*args, "--schedule-every", "5"] if name == "beat" else args


def environment(compose_env: dict[str, str], db_url: str, tmp: Path, sources: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_")}
    env.update({k: v for k, v in compose_env.items() if v})
    env.update(  # the services' addresses on this machine, and the fixture site instead of the press
        {
            "FM6SS_DATABASE_URL": db_url,
            "FM6SS_BROKER_URL": REDIS_URL,
            "FM6SS_DATA_DIR": str(tmp / "data"),
            "FM6SS_CRAWLER_SOURCES_FILE": str(sources),
            "FM6SS_CRAWLER_ALLOW_HOSTS": "127.0.0.1",
            "FM6SS_CRAWLER_DEFAULT_DELAY_S": "0",
            "FM6SS_CRAWLER_READ_TIMEOUT_S": "1.5",
            "FM6SS_CRAWLER_TOTAL_TIMEOUT_S": "3",
            "FM6SS_LOG_LEVEL": "WARNING",
        }
    )
    return env


def scheduled_run(api: httpx.Client) -> dict[str, Any] | None:
    runs = api.get("/crawl-runs", params={"limit": 100}).json()["items"]
    return next((r for r in runs if r["trigger"] == "schedule"), None)


def test_a_compose_deployment_schedules_the_sources_file_without_a_sync(
    empty_database: str, tmp_path: Path, seaweed: Seaweed, s3_env: dict[str, str]
):
    services = app_services(load(SECRETS))
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    stack = Stack(env={}, logs=tmp_path / "logs")
    stack.logs.mkdir()
    with serve(slow_delay=2) as site:
        specs = {s.name: s.model_dump(mode="json") for s in source_specs(site)}
        entries = [specs[n] for n in ENABLED] + [{**specs[DISABLED], "enabled": False}]
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True))
        stack.env = environment(services["migrate"]["environment"], empty_database, tmp_path, sources)
        # compose's archive, on this machine's SeaweedFS: the same keys, its address and a bucket of ours
        assert stack.env["FM6SS_S3_ACCESS_KEY_ID"] == ACCESS_KEY and "FM6SS_ARCHIVE_URL" in stack.env
        stack.env |= {
            "FM6SS_ARCHIVE_URL": s3_env["FM6SS_ARCHIVE_URL"],
            "FM6SS_S3_ENDPOINT_URL": seaweed.endpoint,
        }
        assert stack.env["FM6SS_ENVIRONMENT"] == "production"
        api_port = free_port()
        try:
            migrated = stack.run(*services["migrate"]["command"])
            assert migrated.returncode == 0, migrated.stderr
            assert f"3 source(s) loaded (2 enabled) from {sources}" in migrated.stderr

            for name in ("worker-crawler", "worker-parser", "worker-store", "beat", "api"):
                stack.start(name, *here(name, services[name]["command"], tmp_path, api_port))
            stack.api_url = f"http://127.0.0.1:{api_port}"
            wait_until(
                lambda: httpx.get(f"{stack.api_url}/healthz", timeout=2).status_code == 200, 60, "the API"
            )

            with stack.client() as api:
                run = wait_until(lambda: scheduled_run(api), 90, "a scheduled crawl run")
                assert sorted(run["scope"]["sources"]) == sorted(ENABLED)
                run = wait_until(
                    lambda: (r := api.get(f"/crawl-runs/{run['id']}").json())["status"] == "finished" and r,
                    180,
                    "the scheduled run to finish",
                )
                assert run["counts"].get("pages_fetched", 0) > 0, run["counts"]
                stored = {s["name"]: s["enabled"] for s in api.get("/sources").json()}
            assert stored == {**dict.fromkeys(ENABLED, True), DISABLED: False}
            for name in ENABLED:
                assert site.was_requested(specs[name]["url"].removeprefix(site.base_url)), name
            assert not site.was_requested(specs[DISABLED]["url"].removeprefix(site.base_url))

            for name in ("worker-crawler", "worker-parser", "worker-store", "beat"):
                command = services[name]["command"]
                live = command[command.index("--liveness-file") + 1]
                check = services[name]["healthcheck"]["test"][1].replace(live, str(tmp_path / f"{name}.live"))
                assert subprocess.run(["sh", "-c", check]).returncode == 0, (name, stack.tail(name))
            alive = {n: p.poll() is None for n, p in stack.procs.items()}
            assert all(alive.values()), {n: stack.tail(n) for n, ok in alive.items() if not ok}
        finally:
            for name in list(stack.procs):
                stack.stop(name)
            broker.flushdb()
            broker.close()
