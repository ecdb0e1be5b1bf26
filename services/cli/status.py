"""`fm6ss status`: what is stored, the latest crawl runs, the push consumers and the queues' depths.

Operators run it by hand all day: it loads the ORM and the repository, and Redis only with a broker.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from services.bus.routing import QUEUES
from services.bus.settings import Settings
from services.cli.common import handled, load_settings
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.store.crawl.runs import summary_lines
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.status import relay_lines, store_status

app = typer.Typer(**PLAIN)


@app.command("status")
@handled
def status_cmd(
    runs: Annotated[int, typer.Option(min=0, help="how many recent crawl runs to show")] = 5,
) -> None:
    """What is stored, the latest crawl runs with their counters, queue depths and push consumers."""
    settings = load_settings()
    engine = ready_engine(settings, migrate_embedded=False)
    with Session(engine) as session:
        status = store_status(UnitOfWork(session), runs)
        for name, n in status.counts.items():
            typer.echo(f"{name:14} {n}")
        for out in status.runs:
            typer.echo("")
            for line in summary_lines(out):
                typer.echo(line)
            started = f"{out.started_at:%Y-%m-%d %H:%M} UTC"
            typer.echo(f"started     {started}, scope {out.scope}, {out.in_flight} in flight")
        for line in relay_lines(status.relays):
            typer.echo(f"\n{line}")
    typer.echo("")
    for queue, depth in _queue_lines(settings).items():
        typer.echo(f"queue {queue:8} {depth}")


def _queue_lines(settings: Settings) -> dict[str, str]:
    if settings.embedded:
        return {q: "n/a (embedded)" for q in QUEUES}
    # Only with a broker is there a queue to ask: the embedded store's status does without Redis.
    import redis

    from services.bus.queues import queue_depths

    try:
        return {q: str(n) for q, n in queue_depths(settings.broker_url).items()} or {q: "n/a" for q in QUEUES}
    except redis.RedisError as exc:
        return {q: f"unknown ({type(exc).__name__})" for q in QUEUES}
