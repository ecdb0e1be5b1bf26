"""`fm6ss agreements merge|split|correct`: operators' corrections, kept across re-parsing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from services.cli.common import CliError, agreements_cli, err, handled, load_settings, ready_engine
from services.store.db import engine as db


def _manual(action: Any, *args: Any) -> None:
    from services.store.operations.manual import ManualError

    settings = load_settings()
    engine = ready_engine(settings, migrate_embedded=False)
    try:
        with db.transaction(engine) as session:
            from services.store.db.unit_of_work import UnitOfWork

            result = action(UnitOfWork(session), *args)
    except ManualError as exc:
        raise CliError(str(exc)) from exc
    if result is not None:
        typer.echo(result)


@agreements_cli.command("merge")
@handled
def merge_cmd(keep: int, other: int) -> None:
    """Fold agreement OTHER into KEEP (its reports, parties and evidence move; OTHER is deleted)."""
    from services.store.operations.manual import merge_agreements

    _manual(merge_agreements, keep, other)
    err.print(f"merged {other} into {keep}")


@agreements_cli.command("split")
@handled
def split_cmd(
    agreement: int,
    articles: Annotated[str, typer.Option(help="comma-separated article ids to move to a new agreement")],
) -> None:
    """Move some reports of AGREEMENT to a new agreement; prints the new id."""
    from services.store.operations.manual import split_agreement

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
    from services.store.operations.manual import correct_fields

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
