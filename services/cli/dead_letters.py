"""`fm6ss dead-letters list|retry`: messages whose task failed for good, and sending one again."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from services.bus import runtime
from services.bus.celery_app import send_payload
from services.bus.redact import masked_text
from services.cli.common import CliError, handled, load_settings
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.store.db.engine import transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.dead_letters import NoSuchLetter, take_for_retry

app = typer.Typer(**PLAIN)
dead_cli = typer.Typer(no_args_is_help=True, help="Messages whose task failed for good.", **PLAIN)
app.add_typer(dead_cli, name="dead-letters")


@dead_cli.command("list")
@handled
def dead_letters_list(
    pending: Annotated[bool, typer.Option(help="only those not retried yet")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """The latest dead letters: task, error, tries."""
    settings = load_settings()
    with Session(ready_engine(settings, migrate_embedded=False)) as session:
        for row in UnitOfWork(session).feed.dead_letters(0, limit, pending_only=pending):
            retried = f" (retried {row.retried_at:%Y-%m-%d %H:%M})" if row.retried_at else ""
            typer.echo(
                f"{row.id:6} {row.created_at:%Y-%m-%d %H:%M} {row.task:24} tries {row.retries}: "
                f"{masked_text(row.error)}{retried}"
            )


@dead_cli.command("retry")
@handled
def dead_letters_retry(letter: int) -> None:
    """Send a dead letter's message to its task again (a new failure makes a new dead letter)."""
    settings = load_settings()
    celery_app = runtime.configure(settings)
    engine = ready_engine(settings, migrate_embedded=False)
    try:
        with transaction(engine) as session:
            task, payload = take_for_retry(UnitOfWork(session), letter)
    except NoSuchLetter as exc:
        raise CliError(str(exc)) from exc
    send_payload(celery_app, task, payload, throw=False)
    typer.echo(f"dead letter {letter} sent again to {task}")
