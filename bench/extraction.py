"""Main-text extraction quality and speed: ours (`services.parser:extract_text`) against trafilatura.

    uv run python bench/extraction.py [--rounds 2] [--repeat 3] [--markdown OUT.md] [--evaluator PATH]

Runs the shared evaluator (181 news pages with their true article text) for each extractor, each in
its own process, alternating them for `--rounds` rounds so both see the same machine load, and prints
a Markdown table. Scores are deterministic; for speed the table gives the best pass over all rounds
(least disturbed by other processes), the median pass of the first round and the CPU time of a pass.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVALUATOR = ROOT.parent / "shared" / "bench" / "extraction_eval.py"
RUNS = (
    ("ours (services.parser:extract_text)", ["services.parser:extract_text"]),
    ("trafilatura.extract, defaults", ["--baseline", "trafilatura"]),
)


def run(evaluator: Path, args: list[str], repeat: int, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(evaluator), *args, "--repeat", str(repeat), "--json", str(out)]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    result: dict[str, Any] = json.loads(out.read_text("utf8"))
    return result


def table(results: list[tuple[str, list[dict[str, Any]]]]) -> str:
    lines = [
        "| extractor | F1 | precision | recall | exact pages | pages/s best | pages/s median "
        "| CPU s/pass | empty/errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in results:
        r = runs[0]
        best = max(x["pages"] / x["total_s_min"] for x in runs)
        cpu = min(x["cpu_s"] for x in runs)
        lines.append(
            f"| {name} | {r['f1']:.3f} ± {r['f1_std']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} "
            f"| {r['accuracy']:.3f} | {best:.1f} | {r['pages_per_s']:.1f} | {cpu:.2f} "
            f"| {r['empty_predictions']}/{r['errors']} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs of every extractor")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per run")
    parser.add_argument("--evaluator", type=Path, default=EVALUATOR)
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args()
    runs: list[list[dict[str, Any]]] = [[] for _ in RUNS]
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(max(1, args.rounds)):
            for i, (name, extractor_args) in enumerate(RUNS):
                print(f"round {round_no + 1}: {name}", file=sys.stderr, flush=True)
                out = Path(tmp) / f"{round_no}-{i}.json"
                runs[i].append(run(args.evaluator, extractor_args, args.repeat, out))
    text = table([(name, r) for (name, _), r in zip(RUNS, runs, strict=True)])
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
