"""`fm6ss agreements merge|split|correct`: operators' corrections, kept across re-parsing."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from services.cli.common import CliError, handled, load_settings, say
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.store.db import engine as db
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.manual import (
    ManualError,
    correct_fields,
    correction,
    merge_agreements,
    split_agreement,
)

app = typer.Typer(**PLAIN)
agreements_cli = typer.Typer(
    no_args_is_help=True, help="Operators' corrections: merge, split, set fields.", **PLAIN
)
app.add_typer(agreements_cli, name="agreements")


def _manual(action: Any, *args: Any) -> None:
    settings = load_settings()
    engine = ready_engine(settings, migrate_embedded=False)
    try:
        with db.transaction(engine) as session:
            result = action(UnitOfWork(session), *args)
    except ManualError as exc:
        raise CliError(str(exc)) from exc
    if result is not None:
        typer.echo(result)


@agreements_cli.command("merge")
@handled
def merge_cmd(keep: int, other: int) -> None:
    """Fold agreement OTHER into KEEP (its reports, parties and evidence move; OTHER is deleted)."""
    _manual(merge_agreements, keep, other)
    say(f"merged {other} into {keep}")


@agreements_cli.command("split")
@handled
def split_cmd(
    agreement: int,
    articles: Annotated[str, typer.Option(help="comma-separated article ids to move to a new agreement")],
) -> None:
    """Move some reports of AGREEMENT to a new agreement; prints the new id."""
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
        str | None,
        typer.Option(
            help="new value (signed_on: YYYY-MM-DD, YYYY-MM or YYYY; themes: comma-separated); omit to clear"
        ),
    ] = None,
) -> None:
    """Set a field by hand; it wins over every report and survives re-parsing. The value is checked as
    `PATCH /agreements/{id}` checks it."""
    parsed: Any = value
    if value is not None and field == "themes":
        parsed = [t.strip() for t in value.split(",") if t.strip()]
    try:
        values = correction({field: parsed})  # before the database is opened
    except ManualError as exc:
        raise CliError(str(exc)) from exc
    _manual(correct_fields, agreement, values)
    say(f"agreement {agreement}: {field} {'cleared' if value is None else 'set'}")
