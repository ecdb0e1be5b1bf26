"""The issue's acceptance path, run exactly: seeds -> `fm6ss import` -> `fm6ss export` -> score.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import cli

runner = CliRunner()


def converted(shared_dir: Path, script: str, out: Path) -> Path:
    """A folder of ../shared turned into import lines (and urls.json) by its own script of shared/eval."""
    subprocess.run(
        [sys.executable, str(shared_dir / "eval" / script), str(out)], check=True, capture_output=True
    )
    return out


def seeds(shared_dir: Path, tmp_path: Path) -> Path:
    return converted(shared_dir, "seeds_to_jsonl.py", tmp_path / "seeds")


def run(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def score(shared_dir: Path, gold: Path, pred: Path, urls: Path) -> dict:
    out = pred.with_suffix(".score.json")
    subprocess.run(
        [
            sys.executable,
            str(shared_dir / "eval" / "score.py"),
            str(gold),
            str(pred),
            "--urls",
            str(urls),
            "--json",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return json.loads(out.read_text())


def import_and_score(shared_dir: Path, tmp_path: Path) -> tuple[dict, str]:
    folder = seeds(shared_dir, tmp_path)
    run("import", str(folder / "seeds.jsonl"), "--no-progress")
    exported = run("export", "agreements", "--format", "jsonl")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(exported)
    return score(shared_dir, shared_dir / "seeds" / "gold.json", pred, folder / "urls.json"), exported


def assert_seed_scores(result: dict) -> None:
    for key in ("relevance", "detection"):
        assert result[key]["f1"] == 1.0, (key, result[key])
    # Each seed reports a different agreement: no pair of articles may be clustered together. (score.py
    # gives F1 0 when both sides have no pair, so the pair counts are what is checked here.)
    clustering = result["clustering"]
    assert clustering["pred"] == clustering["gold"] == clustering["tp"], clustering
    for key in ("parties_exact", "date_day", "place"):
        assert result[key]["rate"] == 1.0, (key, result[key])
    assert result["detection"]["pred"] == 5
    assert result["signatories"]["f1"] >= 0.9, result["signatories"]


def test_seeds_score_and_a_second_import_changes_nothing(env, shared_dir, tmp_path):
    result, first = import_and_score(shared_dir, tmp_path)
    assert_seed_scores(result)
    run("import", str(tmp_path / "seeds" / "seeds.jsonl"), "--no-progress")
    assert run("export", "agreements", "--format", "jsonl") == first


@pytest.mark.integration
def test_seeds_on_postgresql(env, shared_dir, tmp_path, pg_url):
    env.setenv("FM6SS_DATABASE_URL", pg_url)
    result, first = import_and_score(shared_dir, tmp_path)
    assert_seed_scores(result)
    run("import", str(tmp_path / "seeds" / "seeds.jsonl"), "--no-progress")
    assert run("export", "agreements", "--format", "jsonl") == first


def test_bad_lines_are_reported_and_the_rest_imported(env, tmp_path):
    good = {"url": "https://x.example.org/1", "text": "Un texte sans rapport avec la fondation. " * 5}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good) + "\n{broken\n" + json.dumps({"url": "https://x.example.org/2"}) + "\n")
    result = runner.invoke(cli, ["import", str(path), "--no-progress"])
    assert result.exit_code == 1
    assert "line 2: skipped: not JSON" in result.stderr
    assert "line 3: skipped:" in result.stderr and "html" in result.stderr
    articles = [json.loads(x) for x in run("export", "articles").splitlines()]
    assert [a["url"] for a in articles] == [good["url"]]


def test_export_csv_and_clear_errors(env, tmp_path):
    result = runner.invoke(cli, ["import", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 1 and "no such file" in result.stderr
    env.setenv("FM6SS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(cli, ["export", "agreements"])
    assert result.exit_code == 1 and "cannot reach the database" in result.stderr
    result = runner.invoke(cli, ["export", "agreements", "--format", "xml"])
    assert result.exit_code == 2 and "xml" in result.stderr


def test_reparse_reads_the_archive_again_and_changes_nothing_for_the_same_parser(env, shared_dir, tmp_path):
    _, first = import_and_score(shared_dir, tmp_path)
    result = runner.invoke(cli, ["reparse", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "re-parsed 5 article(s): 5 unchanged" in result.stderr
    assert run("export", "agreements", "--format", "jsonl") == first


def test_reparse_with_a_new_parser_version_keeps_the_records(env, shared_dir, tmp_path, monkeypatch):
    _, first = import_and_score(shared_dir, tmp_path)
    monkeypatch.setattr("services.parser.pipeline.PARSER_VERSION", "next")
    result = runner.invoke(cli, ["reparse", "--no-progress"])
    assert "5 updated" in result.stderr, result.stderr
    before = [
        {k: v for k, v in json.loads(x).items() if k not in ("updated_at", "first_seen")}
        for x in first.splitlines()
    ]
    after = [
        {k: v for k, v in json.loads(x).items() if k not in ("updated_at", "first_seen")}
        for x in run("export", "agreements").splitlines()
    ]
    assert after == before  # same ids, fields and versions: nothing read differently
