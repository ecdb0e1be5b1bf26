"""Agreement resolution scored on the seeds plus other reports of them (copies, translations, a recall),
imported in several orders: every report must land on its seed's agreement, and 001/002 stay apart."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.integration.test_cli_seeds import run, score

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "seed_reports"


def corpus(shared_dir: Path) -> tuple[list[dict], dict, dict[str, str]]:
    gold = json.loads((shared_dir / "seeds" / "gold.json").read_text(encoding="utf-8"))
    seeds = {
        aid: (shared_dir / "seeds" / name).read_text(encoding="utf-8") for aid, name in gold["files"].items()
    }
    lines = [
        {"id": aid, "url": f"https://seeds.example.org/articles/{aid}", "text": text}
        for aid, text in seeds.items()
    ]
    lines += [json.loads(x) for x in (HERE / "extra.jsonl").read_text(encoding="utf-8").splitlines()]
    for copy in json.loads((HERE / "copies.json").read_text(encoding="utf-8")):
        source = copy.pop("from")
        lines.append({**copy, "text": copy.pop("prefix") + seeds[source] + copy.pop("suffix")})
    reports = json.loads((HERE / "gold_extra.json").read_text(encoding="utf-8"))["reports"]
    for agreement in gold["agreements"]:
        agreement["articles"] += [extra for seed in agreement["articles"] for extra in reports.get(seed, [])]
    return lines, gold, {line["id"]: line["url"] for line in lines}


@pytest.mark.parametrize("order", [0, 1, 2])
def test_every_report_joins_its_seed_agreement_in_any_order(env, shared_dir, tmp_path, order):
    lines, gold, urls = corpus(shared_dir)
    random.Random(order).shuffle(lines)
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({k: v for k, v in x.items() if k != "id"}, ensure_ascii=False) + "\n" for x in lines
        ),
        encoding="utf-8",
    )
    (tmp_path / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    (tmp_path / "urls.json").write_text(json.dumps(urls), encoding="utf-8")
    run("import", str(source), "--no-progress")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(run("export", "agreements"), encoding="utf-8")
    result = score(shared_dir, tmp_path / "gold.json", pred, tmp_path / "urls.json")
    assert result["clustering"]["f1"] == 1.0, result["clustering"]
    assert result["detection"]["f1"] == 1.0, result["detection"]
    assert result["relevance"]["f1"] == 1.0, result["relevance"]
    assert result["parties_exact"]["rate"] == 1.0
    assert result["date_day"]["rate"] == 1.0 and result["place"]["rate"] == 1.0
