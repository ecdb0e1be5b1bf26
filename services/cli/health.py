"""`fm6ss health`: a worker container's liveness check, judged by progress (Redis only, no ORM)."""

from __future__ import annotations

import socket
from typing import Annotated

import redis
import typer

from services.bus.queues import stalled
from services.bus.routing import QUEUES, queue_list
from services.cli.common import CliError, handled, load_settings
from services.cli.group import PLAIN

app = typer.Typer(**PLAIN)


@app.command("health")
@handled
def health_cmd(
    queues: Annotated[str, typer.Option(help="queues this worker consumes")] = ",".join(QUEUES),
    max_idle: Annotated[
        int, typer.Option(min=10, help="seconds without a finished task while work waits")
    ] = 600,
) -> None:
    """Liveness of the workers on this host, judged by progress. Unhealthy (exit 1) when messages wait
    in their queues and no worker process here has finished a task for MAX_IDLE seconds."""
    try:
        wanted = queue_list(queues)
    except ValueError as exc:
        raise CliError(f"--queues: {exc}") from None
    settings = load_settings()
    if settings.embedded or not settings.broker_url:
        raise CliError("no broker configured: the embedded mode has no workers to check")
    client = redis.Redis.from_url(settings.broker_url, socket_timeout=5)
    try:
        problem = stalled(client, wanted, socket.gethostname(), max_idle)
    except redis.RedisError as exc:
        raise CliError(f"cannot reach the broker: {exc}") from exc
    finally:
        client.close()
    if problem:
        raise CliError(f"unhealthy: {problem}")
    typer.echo("healthy")
