"""`fm6ss api`, `worker` and `status`: the long-running processes and a look at what is stored."""

from __future__ import annotations

from typing import Annotated

import typer

from services.bus import runtime
from services.bus.logs import configure_logging
from services.bus.routing import QUEUES
from services.bus.settings import Settings
from services.cli.common import CliError, cli, handled, load_settings, ready_engine


@cli.command("api")
@handled
def api_cmd(
    host: Annotated[str | None, typer.Option(help="default FM6SS_API_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default FM6SS_API_PORT")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from services.store.api.main import create_api
    from services.store.settings import StoreSettings

    settings = load_settings()
    store = StoreSettings()  # valid: load_settings checked it
    configure_logging(settings.log_level)
    runtime.configure(settings)
    engine = ready_engine(settings)
    uvicorn.run(
        create_api(settings, engine, store),
        host=host or store.api_host,
        port=port or store.api_port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's loggers go through the JSON handler too
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
    configure_logging(settings.log_level)
    app = runtime.configure(settings)
    if "store" in wanted:
        ready_engine(settings, migrate_embedded=False)
    if "parser" in wanted:  # once here, before the pool forks, rather than in each child's first task
        from services.parser.pipeline import warm

        warm()
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


@cli.command("status")
@handled
def status_cmd(
    runs: Annotated[int, typer.Option(min=0, help="how many recent crawl runs to show")] = 5,
) -> None:
    """What is stored, the latest crawl runs with their counters, queue depths and push consumers."""
    from sqlmodel import Session

    from services.store.crawl.runs import summary_lines
    from services.store.db.unit_of_work import UnitOfWork
    from services.store.operations.status import store_status

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
        for cursor in status.relays:
            problem = f", {cursor.failures} failure(s): {cursor.last_error}" if cursor.failures else ""
            typer.echo(f"\nrelay {cursor.name}: sent up to change {cursor.seq}{problem}")
    typer.echo("")
    for queue, depth in _queue_lines(settings).items():
        typer.echo(f"queue {queue:8} {depth}")


def _queue_lines(settings: Settings) -> dict[str, str]:
    import redis

    from services.bus.queues import queue_depths

    if settings.embedded:
        return {q: "n/a (embedded)" for q in QUEUES}
    try:
        return {q: str(n) for q, n in queue_depths(settings.broker_url).items()} or {q: "n/a" for q in QUEUES}
    except redis.RedisError as exc:
        return {q: f"unknown ({type(exc).__name__})" for q in QUEUES}


@cli.command("beat")
@handled
def beat_cmd(
    schedule_every: Annotated[int, typer.Option(min=5, help="seconds between checks for due sources")] = 60,
    sweep_every: Annotated[int, typer.Option(min=10, help="seconds between sweeps for stalled work")] = 300,
    relay_every: Annotated[int, typer.Option(min=5, help="seconds between change-feed relays")] = 60,
) -> None:
    """The scheduler: starts due crawls, sweeps stalled work, relays changes. Only one may run: a
    Redis lease is taken first, renewed while it runs, and a second beat exits with a clear error."""
    from services.cli.lease import Lease, LeaseTaken

    settings = load_settings()
    if settings.embedded or not settings.redis:
        raise CliError("beat needs a Redis broker: set FM6SS_BROKER_URL (e.g. redis://127.0.0.1:6379/0)")
    configure_logging(settings.log_level)
    app = runtime.configure(settings)
    app.conf.beat_schedule = beat_schedule(schedule_every, sweep_every, relay_every)
    try:
        lease = Lease.take(settings.redis, "fm6ss:beat-lease", ttl_s=max(30, 3 * schedule_every))
    except LeaseTaken as exc:
        raise CliError(str(exc)) from exc
    with lease:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app.Beat(schedule=str(settings.data_dir / "beat-schedule"), loglevel=settings.log_level).run()


def beat_schedule(schedule_every: int, sweep_every: int, relay_every: int) -> dict[str, dict[str, object]]:
    from services.bus.messages import RelayChanges, ScheduleSources, SweepStalled
    from services.bus.routing import RELAY_CHANGES, SCHEDULE_SOURCES, SWEEP_STALLED

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


dead_cli = typer.Typer(
    no_args_is_help=True,
    help="Messages whose task failed for good.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
cli.add_typer(dead_cli, name="dead-letters")


@dead_cli.command("list")
@handled
def dead_letters_list(
    pending: Annotated[bool, typer.Option(help="only those not retried yet")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """The latest dead letters: task, error, tries."""
    from sqlmodel import Session

    from services.store.db.unit_of_work import UnitOfWork

    settings = load_settings()
    with Session(ready_engine(settings, migrate_embedded=False)) as session:
        for row in UnitOfWork(session).feed.dead_letters(0, limit, pending_only=pending):
            retried = f" (retried {row.retried_at:%Y-%m-%d %H:%M})" if row.retried_at else ""
            typer.echo(
                f"{row.id:6} {row.created_at:%Y-%m-%d %H:%M} {row.task:24} tries {row.retries}: "
                f"{row.error}{retried}"
            )


@dead_cli.command("retry")
@handled
def dead_letters_retry(letter: int) -> None:
    """Send a dead letter's message to its task again (a new failure makes a new dead letter)."""
    from services.bus.celery_app import send_payload
    from services.store.db.engine import transaction
    from services.store.db.unit_of_work import UnitOfWork
    from services.store.operations.dead_letters import NoSuchLetter, take_for_retry

    settings = load_settings()
    app = runtime.configure(settings)
    engine = ready_engine(settings, migrate_embedded=False)
    try:
        with transaction(engine) as session:
            task, payload = take_for_retry(UnitOfWork(session), letter)
    except NoSuchLetter as exc:
        raise CliError(str(exc)) from exc
    send_payload(app, task, payload, throw=False)
    typer.echo(f"dead letter {letter} sent again to {task}")


@cli.command("health")
@handled
def health_cmd(
    queues: Annotated[str, typer.Option(help="queues this worker consumes")] = ",".join(QUEUES),
    max_idle: Annotated[
        int, typer.Option(min=10, help="seconds without a finished task while work waits")
    ] = 600,
) -> None:
    """Liveness of the workers on this host, judged by progress: unhealthy (exit 1) when messages wait in
    their queues and no worker process here has finished a task for MAX_IDLE seconds."""
    import socket
    import time

    import redis

    from services.bus.logs import HEARTBEAT_PREFIX
    from services.bus.queues import queue_depths

    settings = load_settings()
    if settings.embedded or not settings.broker_url:
        raise CliError("no broker configured: the embedded mode has no workers to check")
    wanted = [q.strip() for q in queues.split(",") if q.strip()]
    try:
        waiting = {q: n for q, n in queue_depths(settings.broker_url).items() if q in wanted and n}
        client = redis.Redis.from_url(settings.broker_url, socket_timeout=5)
        beats = [
            float(client.get(k) or 0) for k in client.scan_iter(f"{HEARTBEAT_PREFIX}{socket.gethostname()}:*")
        ]
        client.close()
    except redis.RedisError as exc:
        raise CliError(f"cannot reach the broker: {exc}") from exc
    idle = time.time() - max(beats, default=0.0)
    if waiting and idle > max_idle:
        backlog = ", ".join(f"{q} {n}" for q, n in sorted(waiting.items()))
        last = f"{idle:.0f} s ago" if beats else "never"
        raise CliError(f"unhealthy: messages wait ({backlog}) and no task finished here since {last}")
    typer.echo("healthy")
