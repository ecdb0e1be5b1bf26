"""Runs the agreement extractor directly on the seed texts and writes the export format for score.py.

    uv run python bench/seeds_direct.py OUT_DIR [--repeat N] [--articles FILE.jsonl]

Writes OUT_DIR/pred.jsonl (one agreement a line, `fm6ss export agreements` format, one record per
article and agreement: no store, so no merging across articles) and prints the extraction speed
(articles per second, CPU time of one core) over the articles repeated N times. With --articles, reads
an `fm6ss import` file (url, text, optional title, published, lang) instead of the seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.bus.messages import AgreementCandidate
from services.parser.agreements import extract_agreements
from services.parser.publication import publication
from services.parser.text import fold

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def export_line(url: str, n: int, candidate: AgreementCandidate) -> dict[str, object]:
    names = {p.key: p.name for p in candidate.parties}
    return {
        "id": f"{url.rsplit('/', 1)[-1]}-{n}",
        "parties": [
            {"name": p.name, "acronym": p.acronym, "aliases": list(p.aliases), "kind": p.kind}
            for p in candidate.parties
        ],
        "kind": candidate.kind,
        "signed_on": candidate.signed_on.isoformat() if candidate.signed_on else None,
        "signed_on_precision": candidate.signed_on_precision,
        "place": candidate.place,
        "event": candidate.event,
        "themes": list(candidate.themes),
        "recalled": candidate.recalled,
        "signatories": [
            {"name": p.name, "role": p.role, "org": names.get(p.org_key or "")}
            for p in candidate.people
            if p.signed
        ],
        "sources": [{"url": url}],
    }


def read_articles(path: Path | None) -> list[dict[str, Any]]:
    if path is not None:
        return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    gold = json.loads((SEEDS / "gold.json").read_text("utf-8"))
    return [
        {"url": f"https://seeds.example.org/articles/{aid}", "text": (SEEDS / name).read_text("utf-8")}
        for aid, name in sorted(gold["files"].items())
    ]


def extract(article: dict[str, Any]) -> tuple[AgreementCandidate, ...]:
    published, precision = publication(article.get("published"), None, article["url"])
    return extract_agreements(
        article["text"],
        title=article.get("title"),
        published=published,
        published_precision=precision,
        lang=article.get("lang"),
    ).agreements


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--articles", type=Path)
    args = parser.parse_args()
    articles = read_articles(args.articles)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "pred.jsonl", "w", encoding="utf-8") as out:
        for article in articles:
            for n, candidate in enumerate(extract(article)):
                out.write(json.dumps(export_line(article["url"], n, candidate), ensure_ascii=False) + "\n")
    started = time.process_time()  # CPU time of this process: one core, whatever else the machine runs
    for _ in range(args.repeat):
        fold.cache_clear()  # every round reads the texts afresh
        for article in articles:
            extract(article)
    elapsed = time.process_time() - started
    rate = args.repeat * len(articles) / elapsed
    print(f"{rate:.1f} articles/s ({args.repeat} x {len(articles)} articles, one core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
