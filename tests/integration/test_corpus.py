"""Extraction quality on the project's own corpus of 66 written articles (tests/fixtures/corpus), scored
with the shared scorer through the import/export contract. The figures are in the README; these floors
catch a regression; the same articles in other orders give the same records."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.integration.test_cli_seeds import run, score
from tests.integration.test_devset import records

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
FLOORS = {
    "relevance": 0.97,
    "detection": 0.95,
    "clustering": 0.95,
    "signatories": 0.85,
    "parties_exact": 0.95,
    "date_day": 0.95,
    "place": 0.90,
}


def test_corpus_scores_stay_above_their_floors(env, shared_dir, tmp_path):
    run("import", str(CORPUS / "articles.jsonl"), "--no-progress")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(run("export", "agreements"), encoding="utf-8")
    result = score(shared_dir, CORPUS / "gold.json", pred, CORPUS / "urls.json")
    (tmp_path / "score.json").write_text(json.dumps(result, indent=1))
    figures = {k: result[k]["f1"] if "f1" in result[k] else result[k]["rate"] for k in FLOORS}
    below = {k: (v, FLOORS[k]) for k, v in figures.items() if v < FLOORS[k]}
    assert not below, f"below the floor (figure, floor): {below}; all: {figures}"


@pytest.mark.parametrize("order", [1, 2, 3])
def test_corpus_gives_the_same_records_in_another_order(env, tmp_path, order):
    urls = json.loads((CORPUS / "urls.json").read_text(encoding="utf-8"))
    lines = (CORPUS / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    run("import", str(CORPUS / "articles.jsonl"), "--no-progress")
    expected = records(run("export", "agreements", "--format", "jsonl"), urls)
    random.Random(order).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env.setenv("FM6SS_DATA_DIR", str(tmp_path / f"data-{order}"))
    run("import", str(shuffled), "--no-progress")
    assert records(run("export", "agreements", "--format", "jsonl"), urls) == expected
