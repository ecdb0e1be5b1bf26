"""`fm6ss sources check` against the fixture site: every live source named with what it lists, every broken
one with its reason and what to change; the findings kept for `fm6ss status` and `GET /sources`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.bus import runtime
from services.bus.settings import Settings
from services.cli import cli
from services.crawler import bootstrap
from services.store.api.main import create_api
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.fixtures.site import FixtureSite, serve, source_specs
from tests.fixtures.site.server import EMPTY_FEED, FORBIDDEN_FEED

runner = CliRunner()
OPERATOR = "sources-operator-token-for-tests"
BROKEN = {
    # name: (kind, path, problem)
    "atlas-sitemap-as-rss": ("rss", "/atlas-health/sitemap.xml", "wrong_kind"),
    "qr-home-as-feed": ("rss", "/quotidien-rabat/", "html_not_feed"),
    "walled-outlet": ("rss", FORBIDDEN_FEED, "forbidden"),
    "qr-empty-search": ("rss", EMPTY_FEED, "empty"),
    "qr-private-feed": ("rss", "/quotidien-rabat/private/feed/", "robots_disallowed"),
    "ampt-gone": ("atom", "/amp-test/old-atom.xml", "not_found"),
}


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=2) as running:
        yield running


@pytest.fixture
def store(env, db_url, site, tmp_path: Path) -> Iterator[str]:
    env.setenv("FM6SS_DATABASE_URL", db_url)
    env.setenv("FM6SS_CRAWLER_ALLOW_HOSTS", "127.0.0.1")
    env.setenv("FM6SS_CRAWLER_DEFAULT_DELAY_S", "0")
    env.setenv("FM6SS_CRAWLER_CONTACT_URL", "https://fm6ss.test/bot")
    runtime.configure(Settings())
    bootstrap.configure(None)
    entries = [spec.model_dump(exclude_none=True) for spec in source_specs(site)]
    entries += [
        {"name": name, "kind": kind, "url": site.url(path), "delay_s": 0}
        for name, (kind, path, _) in BROKEN.items()
    ]
    file = tmp_path / "sources.yaml"
    file.write_text(yaml.safe_dump({"sources": entries}))
    assert runner.invoke(cli, ["sources", "sync", "--file", str(file)]).exit_code == 0
    yield db_url
    bootstrap.configure(None)


def test_check_names_every_live_source_and_why_each_broken_one_fails(store, site):
    result = runner.invoke(cli, ["sources", "check", "--json"])
    assert result.exit_code == 1, result.output
    assert f"{len(BROKEN)} of {len(BROKEN) + 8} source(s) failing" in result.stderr
    found = {c["name"]: c for c in json.loads(result.stdout)}
    live = {spec.name for spec in source_specs(site)}
    assert {n for n, c in found.items() if c["ok"]} == live
    for name in live:
        assert found[name]["status"] == 200 and found[name]["items"] > 0, found[name]
        assert found[name]["problem"] is None
    assert found["quotidien-rabat-rss"]["found_kind"] == "rss"
    assert found["amp-test-atom"]["found_kind"] == "atom"
    assert found["amp-test-news-sitemap"]["found_kind"] == "news_sitemap"
    assert found["quotidien-rabat-sitemap-index"]["found_kind"] == "sitemap_index"
    assert found["quotidien-rabat-rss"]["newest"].startswith("20")
    for name, (_, _, problem) in BROKEN.items():
        assert found[name]["ok"] is False and found[name]["problem"] == problem, found[name]
        assert found[name]["advice"], found[name]
    assert found["atlas-sitemap-as-rss"]["found_kind"] == "sitemap"
    assert "set kind: sitemap" in found["atlas-sitemap-as-rss"]["advice"]
    assert site.url("/quotidien-rabat/feed/") in found["qr-home-as-feed"]["advice"]
    assert found["walled-outlet"]["status"] == 403
    assert "disable the source" in found["walled-outlet"]["advice"]
    assert found["ampt-gone"]["status"] == 404
    # politely: robots.txt read, the bot named, a disallowed feed never requested
    assert not site.was_requested("/quotidien-rabat/private/feed/")
    assert site.was_requested("/robots.txt")
    agents = {headers.get("User-Agent") for _, path, headers in site.requests if path != "/robots.txt"}
    assert agents == {"FM6SS-Watch/0.1 (+https://fm6ss.test/bot)"}


def test_the_findings_show_in_status_and_the_api(store, site):
    result = runner.invoke(cli, ["sources", "check", "walled-outlet", "quotidien-rabat-rss"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["walled-outlet", "forbidden", "403"]
    assert lines[1].split()[:4] == ["quotidien-rabat-rss", "ok", "200", "rss"]
    status = runner.invoke(cli, ["status"])
    assert "sources checked 2: 1 working, 1 failing" in status.stdout
    assert "  walled-outlet: forbidden: the site refuses bots (HTTP 403)" in status.stdout
    as_json = json.loads(runner.invoke(cli, ["status", "--json"]).stdout)
    assert {c["name"] for c in as_json["source_checks"]} == {"walled-outlet", "quotidien-rabat-rss"}

    settings = Settings()
    api = TestClient(create_api(settings, engine(settings.sqlalchemy_url)))
    listed = {s["name"]: s for s in api.get("/sources").json()}
    assert listed["walled-outlet"]["check"]["problem"] == "forbidden"
    assert listed["quotidien-rabat-rss"]["check"]["ok"] is True
    assert listed["amp-test-atom"]["check"] is None  # never checked

    # a second check replaces the first; an unknown name is refused before anything is fetched
    again = runner.invoke(cli, ["sources", "check", "quotidien-rabat-rss"])
    assert again.exit_code == 0 and "1 source(s) checked, all working" in again.stderr
    site.clear_requests()
    unknown = runner.invoke(cli, ["sources", "check", "no-such-source"])
    assert unknown.exit_code == 1 and "no source named no-such-source" in unknown.stderr
    assert site.requests == []


def test_a_disabled_or_changed_source_is_not_shown_failing_for_a_stale_check(store, site):
    """The operator acts on the advice: disables the walled outlet, gives the home page's feed, sets the
    sitemap's kind. None of them is failing any more; `/sources` says none has been checked since."""
    checked = ["walled-outlet", "qr-home-as-feed", "atlas-sitemap-as-rss", "quotidien-rabat-rss"]
    assert runner.invoke(cli, ["sources", "check", *checked]).exit_code == 1
    assert "sources checked 4: 1 working, 3 failing" in runner.invoke(cli, ["status"]).stdout

    assert runner.invoke(cli, ["sources", "disable", "walled-outlet"]).exit_code == 0
    fixed = runner.invoke(cli, ["sources", "add", "qr-home-as-feed", site.url("/quotidien-rabat/feed/")])
    assert fixed.exit_code == 0, fixed.output
    settings = Settings()
    api = TestClient(
        create_api(settings, engine(settings.sqlalchemy_url), StoreSettings(api_token=OPERATOR)),
        headers={"Authorization": f"Bearer {OPERATOR}"},
    )
    sitemap = {
        "name": "atlas-sitemap-as-rss",
        "kind": "sitemap",
        "url": site.url("/atlas-health/sitemap.xml"),
    }
    assert api.put("/sources/atlas-sitemap-as-rss", json=sitemap).status_code == 200
    # Saved again as it was (URL and kind unchanged): its check still holds.
    same = runner.invoke(cli, ["sources", "add", "quotidien-rabat-rss", site.url("/quotidien-rabat/feed/")])
    assert same.exit_code == 0, same.output

    status = runner.invoke(cli, ["status"]).stdout
    assert "sources checked 1: 1 working, 0 failing" in status
    for name in checked[:3]:
        assert name not in status
    as_json = json.loads(runner.invoke(cli, ["status", "--json"]).stdout)
    assert [c["name"] for c in as_json["source_checks"]] == ["quotidien-rabat-rss"]
    listed = {s["name"]: s for s in api.get("/sources").json()}
    assert listed["walled-outlet"]["enabled"] is False
    assert [listed[name]["check"] for name in checked[:3]] == [None, None, None]
    assert listed["atlas-sitemap-as-rss"]["kind"] == "sitemap"
    assert listed["quotidien-rabat-rss"]["check"]["ok"] is True

    # Checked by name while disabled: `/sources` shows what was found; status counts enabled sources
    # only, until it is enabled again.
    assert runner.invoke(cli, ["sources", "check", "walled-outlet"]).exit_code == 1
    listed = {s["name"]: s for s in api.get("/sources").json()}
    assert listed["walled-outlet"]["check"]["problem"] == "forbidden"
    assert "sources checked 1: 1 working, 0 failing" in runner.invoke(cli, ["status"]).stdout
    assert api.patch("/sources/walled-outlet", json={"enabled": True}).status_code == 200
    status = runner.invoke(cli, ["status"]).stdout
    assert "sources checked 2: 1 working, 1 failing" in status and "  walled-outlet: forbidden" in status
    # Disabled through the API: the check is dropped as by the CLI.
    assert api.patch("/sources/walled-outlet", json={"enabled": False}).status_code == 200
    assert {s["name"]: s for s in api.get("/sources").json()}["walled-outlet"]["check"] is None
