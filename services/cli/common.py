"""What every `fm6ss` command shares: the Typer apps, settings loading, one-line errors, progress bars."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.bus.settings import Settings
from services.store.bootstrap import engine_for
from services.store.db import engine as db

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
    from services.store.settings import StoreSettings

    try:
        StoreSettings()  # the store's own variables fail as early as the shared ones
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


def progress_bar(enabled: bool, total: int) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled or total < 2,
        transient=True,
    )


def outcome(result: Any) -> str:
    if not isinstance(result, dict):
        return "queued"
    if result.get("status") == "rejected":
        return "rejected"
    return str(result.get("status", "done"))
