"""`fm6ss backfill` on the embedded store: the fixture site's archive walked back to 2023 through its
sitemaps, its paged search feed and its listing, as a run of its own; a second run fetches nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from services.cli import cli
from services.crawler import bootstrap
from tests.fixtures.site import FixtureSite, serve
from tests.fixtures.site import history as archive

runner = CliRunner()


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=4) as running:
        yield running
    bootstrap.configure(None)  # the crawler's HTTP client the commands opened in this process


@pytest.fixture
def sources(env: pytest.MonkeyPatch, site: FixtureSite, tmp_path: Path) -> Path:
    env.setenv("FM6SS_CRAWLER_ALLOW_HOSTS", "127.0.0.1")
    env.setenv("FM6SS_CRAWLER_DEFAULT_DELAY_S", "0")
    path = tmp_path / "sources.yaml"
    specs = [s.model_dump(exclude_none=True) for s in archive.history_specs(site.base_url)]
    path.write_text(yaml.safe_dump({"sources": specs}), encoding="utf-8")
    return path


def backfill(sources: Path, *args: str) -> str:
    result = runner.invoke(cli, ["backfill", "--since", "2023-01-01", "--sources-file", str(sources), *args])
    assert result.exit_code == 0, result.output
    return result.output


def articles_requested(site: FixtureSite) -> set[str]:
    pages = {a.page.url for a in archive.ARTICLES.values()}
    return {p for p in site.requested_paths() if p in pages}


def test_backfill_finds_the_old_articles_and_a_second_run_fetches_nothing(sources: Path, site: FixtureSite):
    said = backfill(sources)
    assert "(backfill), finished" in said
    assert "sources     3 read, 0 failed" in said
    since = {a.page.url for a in archive.ARTICLES.values() if a.day >= archive.SINCE}
    assert articles_requested(site) == since  # each once, the 2019 one never
    assert sorted(site.requested_paths()).count(archive.ARTICLES["pasteur-2024"].page.url) == 1
    for never in archive.NEVER:
        assert not site.was_requested(never), never

    exported = runner.invoke(cli, ["export", "agreements", "--format", "jsonl"])
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    urls = {s["url"].removeprefix(site.base_url) for a in rows for s in a["sources"]}
    assert urls == {archive.ARTICLES[k].page.url for k in archive.SINCE_2023}, rows

    site.clear_requests()
    again = backfill(sources)
    assert "pages       0 fetched" in again
    assert articles_requested(site) == set()
    status = runner.invoke(cli, ["status"])
    assert "history back to 2023-01-01 of source(s) archives-listing, archives-search" in status.output


def test_backfill_of_one_source_and_its_mistakes(sources: Path, site: FixtureSite):
    said = backfill(sources, "--source", "archives-listing")
    assert "sources     1 read" in said
    assert articles_requested(site) == {
        a.page.url for a in archive.ARTICLES.values() if a.listing_page and a.day >= archive.SINCE
    }
    unknown = runner.invoke(
        cli, ["backfill", "--since", "2023-01-01", "--source", "nope", "--sources-file", str(sources)]
    )
    assert unknown.exit_code == 1 and "no source named 'nope'" in unknown.output
    future = runner.invoke(cli, ["backfill", "--since", "2999-01-01"])
    assert future.exit_code == 1 and "--since 2999-01-01 is in the future" in future.output
    bad = runner.invoke(cli, ["backfill", "--since", "last year"])
    assert bad.exit_code == 2 and "last year" in bad.output
