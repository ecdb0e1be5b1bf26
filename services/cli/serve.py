"""`fm6ss worker` and `beat`: the long-running Celery processes (the API's is in `api.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import redis
import typer

from services.bus import runtime
from services.bus.archive import check_archive
from services.bus.liveness import live_scheduler
from services.bus.logs import configure_logging
from services.bus.messages import RelayChanges, ScheduleSources, SweepStalled
from services.bus.routing import QUEUES, RELAY_CHANGES, SCHEDULE_SOURCES, SWEEP_STALLED, queue_list
from services.cli.broker import check_broker
from services.cli.common import CliError, handled, load_settings
from services.cli.database import ready_engine
from services.cli.errors import broker_label
from services.cli.group import PLAIN
from services.cli.lease import Lease, LeaseTaken

app = typer.Typer(**PLAIN)


@app.command("worker")
@handled
def worker_cmd(
    queues: Annotated[str, typer.Option(help=f"comma-separated, of {','.join(QUEUES)}")] = ",".join(QUEUES),
    concurrency: Annotated[int, typer.Option(min=1, help="tasks at once (processes or threads)")] = 1,
    liveness_file: Annotated[
        Path | None, typer.Option(help="touched every 30 s while the queues make progress (health checks)")
    ] = None,
    pool: Annotated[
        str,
        typer.Option(
            help="prefork (a process a task), threads (one process), or auto: threads for a worker of the"
            " store queue alone, prefork otherwise"
        ),
    ] = "auto",
) -> None:
    """Consume one or more queues in a Celery worker (needs FM6SS_BROKER_URL)."""
    settings = load_settings()
    try:
        wanted = queue_list(queues)
        pool = runtime.pool_for(wanted, pool)
    except ValueError as exc:
        raise CliError(f"--queues or --pool: {exc}") from None
    if settings.embedded:
        raise CliError("a worker needs a broker: set FM6SS_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
    configure_logging(settings.log_level)
    celery_app = runtime.configure(settings, queues=wanted)
    if "store" in wanted:
        from services.store.bootstrap import limit_statements

        limit_statements(settings.task_time_limit_s)  # what kills a stuck task when a thread runs it
        ready_engine(settings, migrate_embedded=False)
    check_broker(celery_app)
    if "crawler" in wanted or "parser" in wanted:  # the queues that write or read page bodies
        check_archive(settings, apart=True)
    # Only a parser worker loads the parser: once here, before the pool forks, not in each child.
    if "parser" in wanted:
        from services.parser.pipeline import warm

        warm()
    raise typer.Exit(
        runtime.run_worker(celery_app, wanted, concurrency, settings.log_level, liveness_file, pool)
    )


@app.command("beat")
@handled
def beat_cmd(
    schedule_every: Annotated[int, typer.Option(min=5, help="seconds between checks for due sources")] = 60,
    sweep_every: Annotated[int, typer.Option(min=10, help="seconds between sweeps for stalled work")] = 300,
    relay_every: Annotated[int, typer.Option(min=5, help="seconds between change-feed relays")] = 60,
    liveness_file: Annotated[
        Path | None, typer.Option(help="touched at each pass of the scheduler (health checks)")
    ] = None,
) -> None:
    """The scheduler: starts due crawls, sweeps stalled work, relays changes. Only one may run: a
    Redis lease is taken first, renewed while it runs, and a second beat exits with a clear error."""
    settings = load_settings()
    if settings.embedded or not settings.redis:
        raise CliError("beat needs a Redis broker: set FM6SS_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
    configure_logging(settings.log_level)
    celery_app = runtime.configure(settings)
    check_broker(celery_app)
    celery_app.conf.beat_schedule = beat_schedule(schedule_every, sweep_every, relay_every)
    try:
        lease = Lease.take(settings.redis, "fm6ss:beat-lease", ttl_s=max(30, 3 * schedule_every))
    except LeaseTaken as exc:
        raise CliError(str(exc)) from exc
    except redis.RedisError as exc:
        raise CliError(
            f"cannot take the beat lease in Redis at {broker_label(settings.redis)}: {exc}"
        ) from exc
    with lease:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        scheduler = {"scheduler": live_scheduler(liveness_file)} if liveness_file else {}
        beat = celery_app.Beat(  # quiet: no plain-text banner before the JSON log lines
            schedule=str(settings.data_dir / "beat-schedule"),
            loglevel=settings.log_level,
            quiet=True,
            **scheduler,
        )
        beat.run()


def beat_schedule(schedule_every: int, sweep_every: int, relay_every: int) -> dict[str, dict[str, object]]:
    entries = (
        (SCHEDULE_SOURCES, schedule_every, ScheduleSources()),
        (SWEEP_STALLED, sweep_every, SweepStalled()),
        (RELAY_CHANGES, relay_every, RelayChanges()),
    )
    return {
        name: {
            "task": name,
            "schedule": float(every),
            "args": (message.model_dump(mode="json"),),
            "options": {"queue": "store", "expires": float(every)},
        }
        for name, every, message in entries
    }
