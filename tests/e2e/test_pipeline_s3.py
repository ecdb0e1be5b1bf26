"""Workers that share nothing local: the crawler, parser and store workers and the API each run with an
empty data folder of their own and meet only in Redis, PostgreSQL and the S3 archive (a real SeaweedFS).
The crawl of the fixture site gives what the file archive's crawl gives (test_pipeline.py), every body is
in the bucket, and no process wrote a body to its own disk."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from services.bus.archive import archive_at
from services.bus.settings import Settings
from tests.e2e.conftest import REDIS_URL, Stack
from tests.e2e.test_pipeline import check_first_crawl, finished
from tests.faults.conftest import running_stack
from tests.fixtures.site import FixtureSite, serve, source_specs

pytestmark = pytest.mark.e2e


def test_crawl_with_nothing_local_in_common(pg_url: str, s3_env: dict[str, str], tmp_path: Path):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL}: {exc}")
    with (
        serve(slow_delay=4) as site,
        running_stack(pg_url, REDIS_URL, tmp_path, s3_env, apart=True) as stack,
    ):
        crawl_and_check(stack, site)
        checked = stack.run(
            "archive",
            "check",
            "--verify",
            "--no-progress",
            extra={"FM6SS_DATA_DIR": str(tmp_path / "data-check")},
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert " 0 missing from s3://" in checked.stderr and "; 0 damaged" in checked.stderr
    client.flushdb()
    client.close()
    bodies = list(
        archive_at(
            s3_env["FM6SS_ARCHIVE_URL"],
            Settings(
                s3_endpoint_url=s3_env["AWS_ENDPOINT_URL"],
                s3_access_key_id=s3_env["AWS_ACCESS_KEY_ID"],
                s3_secret_access_key=s3_env["AWS_SECRET_ACCESS_KEY"],
                s3_region=s3_env["AWS_REGION"],
            ),
        ).keys()
    )
    assert len(bodies) > 20
    local = [p for p in tmp_path.glob("data*/**/*") if p.is_file()]
    assert [p for p in local if p.suffix == ".gz" or "archive" in p.parts] == []


def crawl_and_check(stack: Stack, site: FixtureSite) -> None:
    with stack.client() as api:
        for spec in source_specs(site):
            assert api.put(f"/sources/{spec.name}", json=spec.model_dump()).status_code == 200
        first = api.post("/recrawls", json={"all": True}).json()["run_id"]
        run = finished(stack, first)
        check_first_crawl(api, site, run)
        assert api.get("/dead-letters").json()["items"] == []
