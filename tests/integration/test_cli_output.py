"""What the commands say when things go right: what `migrate` and `sources sync` did, and empty lists
said as such rather than as nothing."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from services.cli import cli
from services.store.db.engine import alembic_config, migrate

runner = CliRunner()


def said(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stderr.strip()


def test_migrate_says_what_it_did(env, tmp_path: Path):
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    first = said("migrate", "--no-sources").splitlines()
    assert first[0].startswith("created the schema of sqlite:///") and first[0].endswith(f"(revision {head})")
    again = said("migrate", "--no-sources").splitlines()
    assert again == [again[0]] and again[0].endswith(f"was up to date (revision {head}): nothing to do")
    older = tmp_path / "older.db"
    migrate(f"sqlite:///{older}", "0002")
    env.setenv("FM6SS_DATABASE_URL", f"sqlite:///{older}")
    assert said("migrate", "--no-sources").endswith(f"from revision 0002 to {head}")


def test_empty_lists_say_so(env):
    assert said("sources", "list") == "no sources: `fm6ss sources sync` loads the configured list"
    assert said("dead-letters", "list") == "no dead letters"
    assert said("dead-letters", "list", "--pending") == "no dead letters waiting for a retry"


def test_sources_sync_says_what_it_added_changed_and_left_alone(env, tmp_path: Path):
    file = tmp_path / "sources.yaml"
    feeds = "  - {name: wire, kind: rss, url: 'https://wire.example.org/feed'}\n"
    file.write_text(
        "sources:\n" + feeds + "  - {name: daily, kind: rss, url: 'https://daily.example.org/rss'}\n"
    )
    assert (
        said("sources", "sync", "--file", str(file))
        == "2 source(s) added (wire, daily), 0 changed, 0 unchanged"
    )
    assert said("sources", "sync", "--file", str(file)) == "0 source(s) added, 0 changed, 2 unchanged"
    said("sources", "add", "extra", "https://extra.example.org/feed")
    file.write_text(
        "sources:\n" + feeds + "  - {name: daily, kind: atom, url: 'https://daily.example.org/atom'}\n"
    )
    assert said("sources", "sync", "--file", str(file)) == (
        "0 source(s) added, 1 changed (daily), 1 unchanged; 1 not in the file left as they are (extra)"
    )
