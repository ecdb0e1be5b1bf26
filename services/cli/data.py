"""`fm6ss import` and `reparse`: articles from a file or from the archive, down the parse -> store path."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated

import typer

from services.bus.archive import check_archive, open_archive
from services.bus.celery_app import publish
from services.bus.routing import PARSE_PAGE
from services.cli.broker import is_broker_failure, sending_app
from services.cli.common import CliError, handled, load_settings, open_lines, outcome
from services.cli.console import err, progress_bar
from services.cli.database import ready_engine
from services.cli.errors import broker_down
from services.cli.group import PLAIN
from services.import_lines import BadLine, read_lines, to_command
from services.store.operations.reparse import count_articles, reparse_commands

app = typer.Typer(**PLAIN)


@app.command("import")
@handled
def import_cmd(
    files: Annotated[
        list[str],
        typer.Argument(
            help="JSON lines file (or - for standard input); with --warc, WARC files or http(s) URLs",
            show_default=False,
            metavar="FILE...",
        ),
    ],
    warc: Annotated[
        bool, typer.Option("--warc", help="the inputs are WARC files or URLs (.warc or .warc.gz)")
    ] = False,
    hosts: Annotated[
        list[str] | None,
        typer.Option(
            help="--warc: keep every HTML page of these hosts (comma-separated, repeatable)",
            metavar="HOST,...",
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Ingest articles from JSON lines through the same parse -> dedup -> store path as crawled pages.

    Each line: {"url", "html" | "text", "title"?, "published"?, "outlet"?, "lang"?}. A malformed line
    is reported with its number and skipped; the exit status is 0 only if every line was imported. With
    a broker, the first line it does not take stops the import (the lines after it are not sent).

    With --warc: each WARC file or URL is streamed; its HTML responses from a --hosts host, or that
    pass the family prefilter, are archived and parsed like crawled pages (one parser task a file).
    """
    if warc:
        from services.cli.warc import import_warcs

        import_warcs(files, hosts or [])
        return
    if hosts:
        raise CliError("--hosts goes with --warc")
    if len(files) != 1:
        raise CliError(f"give one JSON lines file (got {len(files)}); WARC files need --warc")
    file = files[0]
    settings = load_settings()
    lines = open_lines(file)
    if settings.embedded:
        ready_engine(settings)
    celery_app = sending_app(settings)
    outcomes: Counter[str] = Counter()
    failed = 0
    check_archive(settings)
    archive = open_archive(settings)
    with progress_bar(progress, len(lines)) as bar:
        task = bar.add_task("importing", total=len(lines))
        for number, item in read_lines(lines):
            bar.advance(task)
            if isinstance(item, BadLine):
                err.print(f"line {number}: skipped: {item.reason}", highlight=False, soft_wrap=True)
                failed += 1
                continue
            try:
                result = publish(celery_app, PARSE_PAGE, to_command(item, archive))
            except Exception as exc:  # one bad article must not stop the rest of the file
                if is_broker_failure(exc) and not settings.embedded:
                    sent = sum(outcomes.values())
                    raise CliError(
                        f"{broker_down(exc)}; stopped at line {number}: {sent} line(s) queued before it"
                    ) from exc
                err.print(f"line {number}: failed: {type(exc).__name__}: {exc}", highlight=False)
                failed += 1
                continue
            outcomes[outcome(result)] += 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing"
    err.print(f"imported {sum(outcomes.values())} line(s) ({summary}); {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("reparse")
@handled
def reparse_cmd(
    since: Annotated[
        datetime | None, typer.Option(help="only articles first seen on or after this date")
    ] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Run parsing, dedup and resolution again over the page archive (no network): after a parser upgrade."""
    settings = load_settings()
    engine = ready_engine(settings)
    celery_app = sending_app(settings)
    if settings.embedded:  # parsed here: the archive is read by this process
        check_archive(settings)
    outcomes: Counter[str] = Counter()
    total = count_articles(engine, since)
    with progress_bar(progress, total) as bar:
        task = bar.add_task("re-parsing", total=total)
        for command in reparse_commands(engine, since):
            outcomes[outcome(publish(celery_app, PARSE_PAGE, command))] += 1
            bar.advance(task)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing to re-parse"
    err.print(f"re-parsed {sum(outcomes.values())} article(s): {summary}", highlight=False)
