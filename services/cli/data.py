"""`fm6ss migrate`, `import`, `export` and `reparse`: data in and out of the store."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer

from services.bus import runtime
from services.bus.archive import FileArchive
from services.bus.celery_app import publish
from services.bus.routing import PARSE_PAGE
from services.cli.common import (
    CliError,
    cli,
    err,
    export_cli,
    handled,
    load_settings,
    outcome,
    progress_bar,
    ready_engine,
)
from services.imports import BadLine, read_lines, to_command
from services.store.api.export import records, write_csv, write_jsonl
from services.store.db import engine as db


@cli.command("migrate")
@handled
def migrate_cmd() -> None:
    """Create or upgrade the database schema (Alembic) to the latest revision."""
    settings = load_settings()
    try:
        db.migrate(settings.sqlalchemy_url)
    except db.DatabaseUnavailable as exc:
        raise CliError(str(exc)) from exc
    err.print(f"database at {db.safe_url(settings.sqlalchemy_url)} is up to date")


@cli.command("import")
@handled
def import_cmd(
    file: Annotated[str, typer.Argument(help="JSON lines file, or - for standard input")],
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Ingest articles from JSON lines through the same parse -> dedup -> store path as crawled pages.

    Each line: {"url", "html" | "text", "title"?, "published"?, "outlet"?, "lang"?}. A malformed line
    is reported with its number and skipped; the exit status is 0 only if every line was imported.
    """
    settings = load_settings()
    app = runtime.configure(settings)
    if settings.embedded:
        ready_engine(settings)
    lines = _open_lines(file)
    outcomes: Counter[str] = Counter()
    failed = 0
    archive = FileArchive(settings.archive_dir)
    with progress_bar(progress, len(lines)) as bar:
        task = bar.add_task("importing", total=len(lines))
        for number, item in read_lines(lines):
            bar.advance(task)
            if isinstance(item, BadLine):
                err.print(f"line {number}: skipped: {item.reason}", highlight=False)
                failed += 1
                continue
            try:
                result = publish(app, PARSE_PAGE, to_command(item, archive))
            except Exception as exc:  # one bad article must not stop the rest of the file
                err.print(f"line {number}: failed: {type(exc).__name__}: {exc}", highlight=False)
                failed += 1
                continue
            outcomes[outcome(result)] += 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing"
    err.print(f"imported {sum(outcomes.values())} line(s) ({summary}); {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(1)


def _open_lines(file: str) -> list[str]:
    if file == "-":
        return sys.stdin.read().splitlines()
    path = Path(file)
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CliError(f"no such file: {path}") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} is not UTF-8 text (byte {exc.start})") from None


Format = Literal["jsonl", "csv"]


def _export(kind: Literal["agreements", "articles"], fmt: Format, output: Path | None) -> None:
    settings = load_settings()
    engine = ready_engine(settings, migrate_embedded=False)
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        rows = records(engine, kind)
        n = write_jsonl(out, rows) if fmt == "jsonl" else write_csv(out, kind, rows)
    finally:
        if output:
            out.close()
    err.print(f"exported {n} {kind}", highlight=False)


@export_cli.command("agreements")
@handled
def export_agreements(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="jsonl or csv")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file (default stdout)")] = None,
) -> None:
    """One agreement a line: parties, kind, signed_on and precision, place, event, themes, signatories,
    sources, version."""
    _export("agreements", fmt, output)


@export_cli.command("articles")
@handled
def export_articles(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="jsonl or csv")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file (default stdout)")] = None,
) -> None:
    """One article a line: url, canonical_url, relevant, duplicate_of, lang, published, title, agreements."""
    _export("articles", fmt, output)


@cli.command("reparse")
@handled
def reparse_cmd(
    since: Annotated[
        datetime | None, typer.Option(help="only articles first seen on or after this date")
    ] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Run parsing, dedup and resolution again over the page archive (no network): after a parser upgrade."""
    from services.store.operations.reparse import count_articles, reparse_commands

    settings = load_settings()
    app = runtime.configure(settings)
    engine = ready_engine(settings)
    outcomes: Counter[str] = Counter()
    total = count_articles(engine, since)
    with progress_bar(progress, total) as bar:
        task = bar.add_task("re-parsing", total=total)
        for command in reparse_commands(engine, since):
            outcomes[outcome(publish(app, PARSE_PAGE, command))] += 1
            bar.advance(task)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing to re-parse"
    err.print(f"re-parsed {sum(outcomes.values())} article(s): {summary}", highlight=False)
