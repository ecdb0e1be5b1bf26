"""`fm6ss` answers at once: help imports no command module, and a command loads only what it uses.

Each probe runs the command in a fresh interpreter, as an operator's shell does, then reads `sys.modules`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from services.cli import COMMANDS, cli

HEAVY = {"trafilatura", "sqlalchemy", "sqlmodel", "fastapi", "celery"}
PROBE = """
import json, sys
from services.cli import main
sys.argv = ["fm6ss", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("loaded:", json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def probe(*args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """What the command printed, and the top-level packages it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=60
    )
    output, _, loaded = done.stdout.rpartition("loaded: ")
    assert loaded, done.stderr
    return output, set(json.loads(loaded))


def test_help_lists_every_command_and_imports_none_of_the_heavy_libraries():
    output, loaded = probe("--help")
    assert loaded.isdisjoint(HEAVY), sorted(loaded & HEAVY)
    listing = output.split("Commands:")[1].splitlines()
    assert [line.split()[0] for line in listing if line.strip()] == list(COMMANDS)


@pytest.mark.parametrize(
    ("args", "unused"),
    [
        (["status", "--help"], {"celery", "fastapi", "trafilatura", "redis"}),
        (["migrate", "--help"], {"celery", "fastapi", "trafilatura"}),
        (["sources", "list", "--help"], {"celery", "fastapi", "trafilatura"}),
        (["export", "agreements", "--help"], {"celery", "fastapi", "trafilatura"}),
        (["agreements", "merge", "--help"], {"celery", "fastapi", "trafilatura"}),
        (["health", "--help"], {"sqlalchemy", "celery", "fastapi", "trafilatura"}),
        (["run", "--help"], {"fastapi", "trafilatura"}),
        (["worker", "--help"], {"fastapi", "trafilatura"}),
    ],
)
def test_a_command_loads_only_what_it_uses(args: list[str], unused: set[str]):
    output, loaded = probe(*args)
    assert "Usage: fm6ss" in output
    assert loaded.isdisjoint(unused), sorted(loaded & unused)


def test_status_on_the_embedded_store_needs_no_celery_and_no_redis(tmp_path: Path, sqlite_template: Path):
    shutil.copy(sqlite_template, tmp_path / "fm6ss.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_")}
    output, loaded = probe("status", env={**env, "FM6SS_DATA_DIR": str(tmp_path)})
    assert "agreements" in output and "queue crawler  n/a (embedded)" in output, output
    assert loaded.isdisjoint({"celery", "fastapi", "trafilatura", "redis"}), sorted(loaded & HEAVY)


def test_the_listed_summary_is_the_commands_own_first_sentence():
    group = get_command(cli)
    ctx = group.make_context("fm6ss", ["status"])
    for name, entry in COMMANDS.items():
        command = group.get_command(ctx, name)
        assert command is not None, name
        assert command.get_short_help_str(limit=1000) == entry.summary, name
