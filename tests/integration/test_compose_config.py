"""docker-compose.yml validates with compose itself (`config` needs no Docker daemon): it resolves with
the secrets given, publishes on loopback only, and refuses to start without each secret."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from tests.compose import COMPOSE_FILE, ROOT

pytestmark = pytest.mark.integration

SECRETS = {
    "POSTGRES_PASSWORD": "mot-de-passe-pg",
    "REDIS_PASSWORD": "motdepasseredis2025",
    "FM6SS_API_TOKEN": "jeton-operateur-2025",
    "FM6SS_CRAWLER_CONTACT_URL": "https://veille.example/contact",
    "S3_ACCESS_KEY": "cle-archive-2025",
    "S3_SECRET_KEY": "secret-archive-2025-0123456789",
}


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    pytest.fail("docker-compose is required to validate docker-compose.yml (.ci/run installs it)")


def config(variables: dict[str, str], *more: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **variables}
    files = [arg for f in (str(COMPOSE_FILE), *more) for arg in ("-f", f)]
    return subprocess.run(
        [*compose_command(), "--project-directory", str(ROOT), *files, "config"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_compose_file_validates_and_publishes_on_loopback_only():
    resolved = config(SECRETS)
    assert resolved.returncode == 0, resolved.stderr
    services = yaml.safe_load(resolved.stdout)["services"]
    published = {
        name: [p if isinstance(p, str) else f"{p.get('host_ip', '')}:{p['published']}" for p in s["ports"]]
        for name, s in services.items()
        if s.get("ports")
    }
    assert set(published) == {"api", "flower"}
    for name, ports in published.items():
        assert all(p.startswith("127.0.0.1:") for p in ports), (name, ports)
    assert services["flower"]["profiles"] == ["monitoring"]
    redis = services["redis"]["command"]
    assert redis[redis.index("--requirepass") + 1] == SECRETS["REDIS_PASSWORD"]


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_secret(secret: str):
    refused = config({k: v for k, v in SECRETS.items() if k != secret})
    assert refused.returncode != 0 and secret in refused.stderr, refused.stderr


def test_the_local_archive_variant_validates_and_leaves_seaweedfs_out():
    resolved = config(SECRETS, str(ROOT / "deploy" / "compose.local-archive.yml"))
    assert resolved.returncode == 0, resolved.stderr
    services = yaml.safe_load(resolved.stdout)["services"]
    assert services["seaweedfs"]["profiles"] == ["s3"] and services["seaweedfs-bucket"]["profiles"] == ["s3"]
    for name in ("migrate", "worker-crawler", "worker-parser", "worker-store", "beat", "api"):
        assert services[name]["environment"]["FM6SS_ARCHIVE_URL"] == "file:///data/archive", name
        assert "seaweedfs" not in services[name].get("depends_on", {}), name
