"""`fm6ss export agreements|articles`: what is stored, written as JSON lines or CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from services.cli.common import handled, load_settings, open_output, say
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.store.api.export import records, write_csv, write_jsonl

app = typer.Typer(**PLAIN)
export_cli = typer.Typer(
    no_args_is_help=True, help="Write agreements or articles as JSON lines or CSV.", **PLAIN
)
app.add_typer(export_cli, name="export")

Format = Literal["jsonl", "csv"]


def _export(kind: Literal["agreements", "articles"], fmt: Format, output: Path | None) -> None:
    settings = load_settings()
    engine = ready_engine(settings, migrate_embedded=False)
    out = open_output(output) if output else sys.stdout
    try:
        rows = records(engine, kind)
        n = write_jsonl(out, rows) if fmt == "jsonl" else write_csv(out, kind, rows)
    finally:
        if output:
            out.close()
    say(f"exported {n} {kind}")


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
