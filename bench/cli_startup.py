"""How long `fm6ss --help` and `fm6ss status` take to answer, beside `celery --help` (same environment).

    .venv/bin/python bench/cli_startup.py [--runs 5]

Each command runs once to warm the caches (and write bytecode: PYTHONDONTWRITEBYTECODE is dropped for
the commands, as an installed environment has its bytecode), then `--runs` times, the three alternated
so that the machine's drift falls on all of them alike. Printed: the median wall time and the median CPU
time (user + system) of each. `status` reads an embedded SQLite store migrated first in a temporary
FM6SS_DATA_DIR (no broker, so no queue is asked).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    drop = ("FM6SS_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    fm6ss, celery = str(BIN / "fm6ss"), str(BIN / "celery")
    commands = {
        "fm6ss --help": [fm6ss, "--help"],
        "fm6ss status": [fm6ss, "status"],
        "celery --help": [celery, "--help"],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory(prefix="fm6ss-cli-") as data_dir:
        env["FM6SS_DATA_DIR"] = data_dir
        subprocess.run([fm6ss, "migrate"], env=env, check=True, stderr=subprocess.DEVNULL)
        for argv in commands.values():
            timed(argv, env)
        for _ in range(args.runs):
            for name, argv in commands.items():
                wall, cpu = timed(argv, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    reference = statistics.median(walls["celery --help"])
    for name in commands:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        runs = " ".join(f"{t:.2f}" for t in walls[name])
        print(
            f"{name:14} wall {wall:.2f} s ({wall / reference:.2f} x celery --help)  cpu {cpu:.2f} s"
            f"  wall runs: {runs}"
        )


if __name__ == "__main__":
    main()
