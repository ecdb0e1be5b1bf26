"""Extraction quality on the project's own corpus of 66 written articles (tests/fixtures/corpus), scored
with the shared scorer through the import/export contract. The figures are in the README; these floors
catch a regression."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli_seeds import run, score

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
