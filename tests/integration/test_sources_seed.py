"""`fm6ss migrate` gives a store without sources those of the sources file (a deployment's first start),
and never touches them again: an operator's disabled source stays disabled, an edit stays, a source
added to the file waits for `fm6ss sources sync`."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from services.cli import cli

runner = CliRunner()


def run(*args: str) -> tuple[str, str]:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def write_sources(path: Path, *names: str, disabled: tuple[str, ...] = ()) -> Path:
    entries = [
        {
            "name": name,
            "kind": "rss",
            "url": f"https://{name}.example/flux.xml",
            "outlet": name.title(),
            "lang": "fr",
            "enabled": name not in disabled,
        }
        for name in names
    ]
    path.write_text(yaml.safe_dump({"sources": entries}))
    return path


def listed() -> dict[str, str]:
    """name -> "enabled"/"disabled" and the interval, as `sources list` prints them."""
    out, _ = run("sources", "list")
    rows = [line.split() for line in out.splitlines()]
    return {row[0]: f"{row[1]} {row[4]}" for row in rows}


def test_migrate_gives_an_empty_store_the_sources_file_and_then_leaves_them_to_operators(
    env, db_url, tmp_path
):
    env.setenv("FM6SS_DATABASE_URL", db_url)
    file = write_sources(tmp_path / "sources.yaml", "lematin", "hespress", "medias24", disabled=("medias24",))
    env.setenv("FM6SS_CRAWLER_SOURCES_FILE", str(file))

    _, said = run("migrate")
    assert f"3 source(s) loaded (2 enabled) from {file}" in said
    assert listed() == {"hespress": "enabled 60", "lematin": "enabled 60", "medias24": "disabled 60"}

    # The operator's choices, then the next start of the deployment with a changed file.
    run("sources", "disable", "hespress")
    run("sources", "add", "lematin", "https://lematin.example/flux.xml", "--interval-minutes", "30")
    write_sources(file, "lematin", "hespress", "medias24", "le360")
    _, said = run("migrate")
    assert "3 source(s) kept as they are" in said
    assert listed() == {"hespress": "disabled 60", "lematin": "enabled 30", "medias24": "disabled 60"}

    # Applying the changed file is an explicit step; it adds the new one and still keeps the choices.
    run("sources", "sync")
    assert listed() == {
        "hespress": "disabled 60",
        "le360": "enabled 60",
        "lematin": "enabled 60",
        "medias24": "disabled 60",
    }


def test_migrate_without_sources_and_a_broken_file_left_unread_once_seeded(env, db_url, tmp_path):
    env.setenv("FM6SS_DATABASE_URL", db_url)
    file = tmp_path / "sources.yaml"
    env.setenv("FM6SS_CRAWLER_SOURCES_FILE", str(file))
    file.write_text("sources: [")
    run("migrate", "--no-sources")
    assert listed() == {}
    broken = runner.invoke(cli, ["migrate"])  # an empty store needs the file
    assert broken.exit_code == 1 and f"Error: {file}: cannot read sources" in broken.stderr
    write_sources(file, "lematin")
    run("migrate")
    file.write_text("sources: [")  # seeded: the file is not read again, a restart does not fail on it
    _, said = run("migrate")
    assert "1 source(s) kept as they are" in said
