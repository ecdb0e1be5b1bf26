"""`make example` as examples/README.md describes it: the five example articles give two agreements, the
first with both its French and its Arabic report as sources."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from services.cli import cli
from tests.conftest import ROOT

runner = CliRunner()
FRENCH = "https://example.org/quotidien/2025/05/fm6ss-onmt-convention"
ARABIC = "https://example.org/assabah-test/2025/05/14/fm6ss-onhym"
ENGLISH = "https://example.org/wire/fm6ss-who-mou"


def exported(kind: str) -> list[dict]:
    result = runner.invoke(cli, ["export", kind, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_examples_give_what_their_readme_says(env):
    imported = runner.invoke(cli, ["import", str(ROOT / "examples" / "articles.jsonl"), "--no-progress"])
    assert imported.exit_code == 0, imported.output
    first, second = exported("agreements")
    assert any("Hydrocarbures" in p["name"] for p in first["parties"]) and first["kind"] == "convention"
    assert sorted(s["url"] for s in first["sources"]) == sorted([FRENCH, ARABIC])
    assert any(p["name"] == "Organisation Mondiale de la Santé" for p in second["parties"])
    assert second["kind"] == "memorandum" and [s["url"] for s in second["sources"]] == [ENGLISH]
    relevant = {a["url"]: a["relevant"] for a in exported("articles")}
    assert sorted(url for url, yes in relevant.items() if not yes) == [
        "https://example.org/quotidien/2025/06/fondation-environnement-commune",
        "https://example.org/quotidien/2025/07/um6ss-congres",
    ]
