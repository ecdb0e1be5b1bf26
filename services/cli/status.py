"""`fm6ss status`: what is stored, the latest crawl runs, the push consumers and the queues' depths.

Operators run it by hand all day: it loads the ORM and the repository, and Redis only with a broker.
`--json` gives the same as one JSON object, for scripts.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from sqlmodel import Session

from services.bus.redact import masked_text
from services.bus.routing import QUEUES
from services.bus.settings import Settings
from services.cli.common import CliError, handled, load_settings
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.store.crawl.runs import RunOut, summary_lines
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.status import StoreStatus, check_lines, relay_lines, store_status

app = typer.Typer(**PLAIN)


@app.command("status")
@handled
def status_cmd(
    runs: Annotated[int, typer.Option(min=0, help="how many recent crawl runs to show")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object, for scripts")] = False,
) -> None:
    """What is stored, the latest crawl runs with their counters, queue depths and push consumers.

    Exit status 1 when the broker cannot be reached (after showing what the store holds)."""
    settings = load_settings()
    engine = ready_engine(settings, migrate_embedded=False)
    with Session(engine) as session:
        status = store_status(UnitOfWork(session), runs)
    depths, broker_error = _queue_depths(settings)
    if as_json:
        typer.echo(json.dumps(_as_json(status, depths, settings.embedded), ensure_ascii=False, indent=2))
    else:
        for line in _lines(status, depths, settings.embedded):
            typer.echo(line)
    if broker_error:
        raise CliError(broker_error)


def _lines(status: StoreStatus, depths: dict[str, int] | None, embedded: bool) -> list[str]:
    lines = [f"{name:14} {n}" for name, n in status.counts.items()]
    if not status.runs:
        lines += ["", "no crawl runs yet (`fm6ss run`, or `fm6ss beat` with workers)"]
    for out in status.runs:
        started = f"{out.started_at:%Y-%m-%d %H:%M} UTC"
        forced = ", forced" if out.force else ""
        lines += ["", *summary_lines(out)]
        lines.append(f"started     {started}, {out.in_flight} page(s) in flight")
        lines.append(f"scope       {scope_text(out)}{forced}")
    for line in relay_lines(status.relays):
        lines += ["", line]
    checked = list(check_lines(status.checks))
    if checked:
        lines += ["", *checked]
    lines.append("")
    for queue in QUEUES:
        depth = "n/a (embedded)" if embedded else "unknown" if depths is None else str(depths.get(queue, 0))
        lines.append(f"queue {queue:8} {depth}")
    return lines


def scope_text(run: RunOut) -> str:
    """What a run covers, in words."""
    scope = run.scope
    if scope.get("all"):
        return "every enabled source"
    if "source" in scope:
        return f"source {scope['source']}"
    if "url" in scope:
        return f"page {scope['url']}"
    if "sources" in scope:
        names = list(scope["sources"])
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        which = "source(s)" if "since" in scope else "the due source(s)"
        said = f"{which} {', '.join(map(str, names[:5]))}{more}"
        return f"history back to {scope['since']} of {said}" if "since" in scope else said
    return ", ".join(f"{key} {value}" for key, value in scope.items()) or "nothing"


def _as_json(status: StoreStatus, depths: dict[str, int] | None, embedded: bool) -> dict[str, Any]:
    return {
        "counts": status.counts,
        "runs": [run.model_dump(mode="json") for run in status.runs],
        "relays": [
            {
                "name": c.name,
                "target": masked_text(c.target) if c.target else None,
                "seq": c.seq,
                "failures": c.failures,
                "last_error": masked_text(c.last_error) if c.last_error else None,
                "retry_at": c.retry_at.isoformat() if c.retry_at else None,
                "updated_at": c.updated_at.isoformat(),
            }
            for c in status.relays
        ],
        "source_checks": [c.model_dump(mode="json") for c in status.checks.values()],
        "mode": "embedded" if embedded else "broker",
        "queues": None if depths is None else {q: depths.get(q, 0) for q in QUEUES},
    }


def _queue_depths(settings: Settings) -> tuple[dict[str, int] | None, str | None]:
    """The queues' depths, or None and why (embedded: there are no queues)."""
    if settings.embedded or not settings.broker_url:
        return None, None
    # Only with a broker is there a queue to ask: the embedded store's status does without Redis.
    import redis

    from services.bus.queues import queue_depths
    from services.cli.errors import broker_label

    try:
        return queue_depths(settings.broker_url), None
    except redis.RedisError as exc:
        said = " ".join(str(exc).split())
        return (
            None,
            f"cannot reach the broker at {broker_label(settings.broker_url)} ({said}): queue depths unknown",
        )
