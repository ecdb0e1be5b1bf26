"""`fm6ss backfill` with a broker: the workers walk the fixture site's history and store its signings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Stack, wait_until
from tests.fixtures.site import FixtureSite, serve
from tests.fixtures.site import history as archive

pytestmark = pytest.mark.e2e


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=4) as running:
        yield running


def backfill(stack: Stack, sources: Path) -> dict:
    sent = stack.run("backfill", "--since", "2023-01-01", "--sources-file", str(sources), timeout=60)
    assert sent.returncode == 0, sent.stderr
    found = re.search(r"run (\d+): backfill to 2023-01-01, 3 source\(s\)", sent.stderr)
    assert found, sent.stderr
    with stack.client() as api:
        return wait_until(
            lambda: (r := api.get(f"/crawl-runs/{found.group(1)}").json())["status"] == "finished" and r,
            120,
            "the backfill run to finish",
        )


def test_the_workers_backfill_the_archive_and_a_second_run_fetches_nothing(
    stack: Stack, site: FixtureSite, tmp_path: Path
):
    sources = tmp_path / "sources.yaml"
    specs = [s.model_dump(exclude_none=True) for s in archive.history_specs(site.base_url)]
    sources.write_text(yaml.safe_dump({"sources": specs}), encoding="utf-8")
    run = backfill(stack, sources)
    assert run["trigger"] == "backfill" and run["scope"]["since"] == "2023-01-01"
    with stack.client() as api:
        rows = wait_until(
            lambda: len(r := api.get("/agreements", params={"limit": 50}).json()["items"]) == 4 and r,
            60,
            "the four agreements",
        )
    urls = {s["url"].removeprefix(site.base_url) for a in rows for s in a["sources"]}
    assert urls == {archive.ARTICLES[k].page.url for k in archive.SINCE_2023}
    for never in archive.NEVER:
        assert not site.was_requested(never), never

    again = backfill(stack, sources)
    assert again["counts"].get("pages_fetched", 0) == 0 and again["counts"].get("fetches_queued", 0) == 0
