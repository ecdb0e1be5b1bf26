"""Runs the agreement extractor directly on the seed texts and writes the export format for score.py.

    uv run python bench/seeds_direct.py OUT_DIR [--repeat N]

Writes OUT_DIR/pred.jsonl (one agreement a line, `fm6ss export agreements` format) and prints the
extraction speed (articles per second, one core) over the seeds repeated N times.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.bus.messages import AgreementCandidate
from services.parser.agreements import extract_agreements
from services.parser.text import fold

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def export_line(aid: str, n: int, candidate: AgreementCandidate) -> dict[str, object]:
    names = {p.key: p.name for p in candidate.parties}
    return {
        "id": f"{aid}-{n}",
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
        "sources": [{"url": f"https://seeds.example.org/articles/{aid}"}],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    gold = json.loads((SEEDS / "gold.json").read_text("utf-8"))
    texts = {aid: (SEEDS / name).read_text("utf-8") for aid, name in sorted(gold["files"].items())}
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "pred.jsonl", "w", encoding="utf-8") as out:
        for aid, text in texts.items():
            for n, candidate in enumerate(extract_agreements(text).agreements):
                out.write(json.dumps(export_line(aid, n, candidate), ensure_ascii=False) + "\n")
    started = time.process_time()  # CPU time of this process: one core, whatever else the machine runs
    for _ in range(args.repeat):
        fold.cache_clear()  # every round reads the texts afresh
        for text in texts.values():
            extract_agreements(text)
    elapsed = time.process_time() - started
    print(
        f"{args.repeat * len(texts) / elapsed:.1f} articles/s ({args.repeat} x {len(texts)} seeds, one core)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
