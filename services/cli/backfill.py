"""`fm6ss backfill`: each source's history back to a date, as one crawl run of its own.

Embedded, the whole walk, its fetches and their parsing run here, then the run's summary is printed;
with a broker the run's discoveries are queued and the workers do the rest (`fm6ss status` follows it).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from services.cli.broker import sending_app
from services.cli.common import CliError, handled, load_settings
from services.cli.console import err
from services.cli.crawl import fail_if_read_nothing, print_summary, send_run
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.cli.sources import load_specs, sync_sources
from services.store.crawl.scheduling import ScopeError, start_backfill
from services.store.db import engine as db
from services.store.db.unit_of_work import UnitOfWork

app = typer.Typer(**PLAIN)


@app.command("backfill")
@handled
def backfill_cmd(
    since: Annotated[
        datetime,
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar="DATE",
            help="walk back to this day (YYYY-MM-DD)",
            show_default=False,
        ),
    ],
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    sources_file: Annotated[
        Path | None, typer.Option(help="sources YAML (default: the packaged list)")
    ] = None,
) -> None:
    """Walk each source's history (sitemaps by lastmod, paged feeds, listings' next pages) back to a date.

    Politely, as a crawl: robots.txt, the per-host delay and limits. Resumable: a run fetches only
    the pages never fetched before, so a second one fetches nothing the first one got.
    """
    day = since.date()
    if day > datetime.now().date():
        raise CliError(f"--since {day} is in the future: give a day in the past")
    settings = load_settings()
    engine = ready_engine(settings)
    sending_app(settings)
    sync_sources(engine, load_specs(sources_file))
    try:
        with db.transaction(engine) as session:
            run_id, outgoing = start_backfill(UnitOfWork(session), day, source)
    except ScopeError as exc:
        raise CliError(str(exc)) from exc
    err.print(f"run {run_id}: backfill to {day}, {len(outgoing)} source(s)", highlight=False)
    run = send_run(engine, run_id, outgoing)
    print_summary(run)
    fail_if_read_nothing(run)
