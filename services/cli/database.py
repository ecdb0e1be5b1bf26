"""`fm6ss migrate` and the store's engine as the commands get it: migrated first when embedded, checked."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from services.bus.settings import Settings
from services.cli.common import CliError, handled, load_settings, say
from services.cli.group import PLAIN
from services.store.bootstrap import engine_for
from services.store.db import engine as db

app = typer.Typer(**PLAIN)


def ready_engine(settings: Settings, migrate_embedded: bool = True) -> Engine:
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


@app.command("migrate")
@handled
def migrate_cmd(
    sources: Annotated[
        bool, typer.Option(help="give a store without sources those of the sources file (later: kept)")
    ] = True,
) -> None:
    """Create or upgrade the database schema (Alembic) to the latest revision. A store without sources
    then gets the sources file's (FM6SS_CRAWLER_SOURCES_FILE, default the packaged list)."""
    settings = load_settings()
    try:
        db.migrate(settings.sqlalchemy_url)
    except db.DatabaseUnavailable as exc:
        raise CliError(str(exc)) from exc
    say(f"database at {db.safe_url(settings.sqlalchemy_url)} is up to date")
    if sources:
        from services.cli.sources import seed_from_file  # it imports this module

        seed_from_file(ready_engine(settings, migrate_embedded=False))
