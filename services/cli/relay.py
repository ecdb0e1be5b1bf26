"""`fm6ss relay rewind|new-secret`: the push consumers of the change feed (the Redis stream, webhooks).

A consumer first seen starts at the head of the feed; `rewind --from-start` sends it the whole history.
"""

from __future__ import annotations

import base64
import secrets
from typing import Annotated

import typer
from sqlmodel import Session

from services.cli.common import CliError, handled, load_settings, say
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.store.bootstrap import sink_names
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.relay import rewind
from services.store.settings import MIN_SECRET_BYTES, SECRET_PREFIX

app = typer.Typer(**PLAIN)
relay_cli = typer.Typer(
    no_args_is_help=True, help="Push consumers of the change feed: rewind one, make a secret.", **PLAIN
)
app.add_typer(relay_cli, name="relay")


@relay_cli.command("rewind")
@handled
def relay_rewind(
    name: Annotated[str, typer.Argument(metavar="NAME", help="as `fm6ss status` lists it")],
    from_start: Annotated[bool, typer.Option("--from-start", help="send the whole change feed")] = False,
    after: Annotated[
        int | None, typer.Option(min=0, metavar="SEQ", help="send what follows change SEQ")
    ] = None,
) -> None:
    """Send a push consumer the changes after SEQ (or all of them) at its next relay. Works before the
    consumer's first relay too: a webhook added with `--from-start` then gets the whole history."""
    if from_start == (after is not None):
        raise CliError("give exactly one of --from-start or --after SEQ")
    settings = load_settings()
    engine = ready_engine(settings)
    with Session(engine) as session:
        known = {c.name for c in UnitOfWork(session).feed.relay_cursors()} | {n for n, _ in sink_names()}
    if name not in known:
        raise CliError(f"no push consumer named {name!r}; known: {', '.join(sorted(known)) or 'none'}")
    rewind(engine, name, 0 if from_start else (after or 0))
    say(f"relay {name}: the next relay sends the changes after {0 if from_start else after}")


@relay_cli.command("new-secret")
@handled
def relay_new_secret() -> None:
    """Print a fresh webhook signing secret for FM6SS_WEBHOOK_SECRET (Standard Webhooks form)."""
    typer.echo(SECRET_PREFIX + base64.b64encode(secrets.token_bytes(MIN_SECRET_BYTES)).decode())
