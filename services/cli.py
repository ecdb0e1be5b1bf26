"""The `fm6ss` command: the composition root that wires settings, the bus and the services together.

Entry points stay thin: each command validates its arguments and calls one service function.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, ParamSpec

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.bus import runtime
from services.bus.archive import FileArchive
from services.bus.celery_app import publish
from services.bus.routing import PARSE_PAGE, QUEUES
from services.bus.settings import Settings
from services.imports import BadLine, read_lines, to_command
from services.store import db
from services.store.export import records, write_csv, write_jsonl
from services.store.runtime import engine_for

P = ParamSpec("P")
# Plain output: one-line errors rather than boxes, and ordinary tracebacks for real bugs.
_PLAIN: dict[str, Any] = {"rich_markup_mode": None, "pretty_exceptions_enable": False}
cli = typer.Typer(no_args_is_help=True, add_completion=False, help="FM6SS partnership watch.", **_PLAIN)
export_cli = typer.Typer(
    no_args_is_help=True, help="Write agreements or articles as JSON lines or CSV.", **_PLAIN
)
cli.add_typer(export_cli, name="export")
agreements_cli = typer.Typer(
    no_args_is_help=True, help="Operators' corrections: merge, split, set fields.", **_PLAIN
)
cli.add_typer(agreements_cli, name="agreements")
err = Console(stderr=True)


class CliError(Exception):
    """A user-facing failure: printed as one line ("Error: ..."), exit status 1."""


def handled(command: Callable[P, None]) -> Callable[P, None]:
    """Turn a CliError into one line on standard error and exit status 1, instead of a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except CliError as exc:
            err.print(f"Error: {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return run


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CliError(f"bad setting {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc


def ready_engine(settings: Settings, migrate_embedded: bool = True) -> Any:
    """The store's engine, migrated first when it is the embedded SQLite default."""
    url = settings.sqlalchemy_url
    try:
        if migrate_embedded and url.startswith("sqlite"):
            db.migrate(url)
        engine = engine_for(url)
        db.check_ready(engine)
    except db.DatabaseUnavailable as exc:
        raise CliError(str(exc)) from exc
    return engine


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
    with _progress(progress, len(lines)) as bar:
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
            outcomes[_outcome(result)] += 1
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


def _progress(enabled: bool, total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled or total < 2,
        transient=True,
    )


def _outcome(result: Any) -> str:
    if not isinstance(result, dict):
        return "queued"
    if result.get("status") == "rejected":
        return "rejected"
    return str(result.get("status", "done"))


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


@cli.command("api")
@handled
def api_cmd(
    host: Annotated[str | None, typer.Option(help="default FM6SS_API_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default FM6SS_API_PORT")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from services.store.api import create_api

    settings = load_settings()
    runtime.configure(settings)
    engine = ready_engine(settings)
    uvicorn.run(
        create_api(settings, engine),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level=settings.log_level.lower(),
    )


@cli.command("worker")
@handled
def worker_cmd(
    queues: Annotated[str, typer.Option(help=f"comma-separated, of {','.join(QUEUES)}")] = ",".join(QUEUES),
    concurrency: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
) -> None:
    """Consume one or more queues in a Celery worker (needs FM6SS_BROKER_URL)."""
    settings = load_settings()
    wanted = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(wanted) - set(QUEUES))
    if unknown or not wanted:
        raise CliError(f"unknown queue(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(QUEUES)}")
    if settings.embedded:
        raise CliError("a worker needs a broker: set FM6SS_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
    app = runtime.configure(settings)
    if "store" in wanted:
        ready_engine(settings, migrate_embedded=False)
    app.worker_main(
        [
            "worker",
            "-Q",
            ",".join(wanted),
            "-c",
            str(concurrency),
            "-l",
            settings.log_level,
            "-n",
            f"{'-'.join(wanted)}@%h",
        ]
    )


@cli.command("reparse")
@handled
def reparse_cmd(
    since: Annotated[
        datetime | None, typer.Option(help="only articles first seen on or after this date")
    ] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Run parsing, dedup and resolution again over the page archive (no network): after a parser upgrade."""
    from services.store.reparse import count_articles, reparse_commands

    settings = load_settings()
    app = runtime.configure(settings)
    engine = ready_engine(settings)
    outcomes: Counter[str] = Counter()
    total = count_articles(engine, since)
    with _progress(progress, total) as bar:
        task = bar.add_task("re-parsing", total=total)
        for command in reparse_commands(engine, since):
            outcomes[_outcome(publish(app, PARSE_PAGE, command))] += 1
            bar.advance(task)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "nothing to re-parse"
    err.print(f"re-parsed {sum(outcomes.values())} article(s): {summary}", highlight=False)


def _manual(action: Any, *args: Any) -> None:
    from services.store.manual import ManualError

    settings = load_settings()
    engine = ready_engine(settings, migrate_embedded=False)
    try:
        with db.transaction(engine) as session:
            from services.store.repository import Repository

            result = action(Repository(session), *args)
    except ManualError as exc:
        raise CliError(str(exc)) from exc
    if result is not None:
        typer.echo(result)


@agreements_cli.command("merge")
@handled
def merge_cmd(keep: int, other: int) -> None:
    """Fold agreement OTHER into KEEP (its reports, parties and evidence move; OTHER is deleted)."""
    from services.store.manual import merge_agreements

    _manual(merge_agreements, keep, other)
    err.print(f"merged {other} into {keep}")


@agreements_cli.command("split")
@handled
def split_cmd(
    agreement: int,
    articles: Annotated[str, typer.Option(help="comma-separated article ids to move to a new agreement")],
) -> None:
    """Move some reports of AGREEMENT to a new agreement; prints the new id."""
    from services.store.manual import split_agreement

    try:
        ids = [int(x) for x in articles.split(",") if x.strip()]
    except ValueError:
        raise CliError(f"--articles must be comma-separated ids, got {articles!r}") from None
    _manual(split_agreement, agreement, ids)


@agreements_cli.command("correct")
@handled
def correct_cmd(
    agreement: int,
    field: Annotated[str, typer.Option(help="kind, signed_on, signed_on_precision, place, event or themes")],
    value: Annotated[
        str | None, typer.Option(help="new value (themes: comma-separated); omit to clear")
    ] = None,
) -> None:
    """Set a field by hand; it wins over every report and survives re-parsing."""
    from services.store.manual import correct_fields

    parsed: Any = value
    if value is not None and field == "themes":
        parsed = [t.strip() for t in value.split(",") if t.strip()]
    elif value is not None and field == "signed_on":
        try:
            parsed = date.fromisoformat(value).isoformat()
        except ValueError:
            raise CliError(f"signed_on must be YYYY-MM-DD, got {value!r}") from None
    _manual(correct_fields, agreement, {field: parsed})
    err.print(f"agreement {agreement}: {field} {'cleared' if value is None else 'set'}")


@cli.command("status")
@handled
def status_cmd() -> None:
    """Counts of stored articles, agreements, organizations and changes."""
    from sqlmodel import Session

    from services.store.repository import Repository

    settings = load_settings()
    engine = ready_engine(settings, migrate_embedded=False)
    with Session(engine) as session:
        for name, n in Repository(session).counts().items():
            typer.echo(f"{name:14} {n}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
