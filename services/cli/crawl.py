"""`fm6ss run` and `recrawl`: crawling by hand (the schedule's crawls start from `fm6ss beat`).

`run` is the main job on the embedded default: one full crawl cycle in this process, then a summary. With
a broker both only start the run: its first messages are queued and the workers do the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from services.bus import runtime
from services.bus.archive import check_archive
from services.bus.celery_app import publish
from services.bus.urls import InvalidUrl, canonical_url
from services.cli.broker import is_broker_failure, sending_app
from services.cli.common import CliError, handled, load_settings
from services.cli.console import err, progress_bar
from services.cli.database import ready_engine
from services.cli.errors import broker_down
from services.cli.group import PLAIN
from services.cli.sources import load_specs, sync_sources
from services.store.crawl.runs import RunOut, run_out, summary_lines
from services.store.crawl.scheduling import Outgoing, ScopeError, record_unsent, start_recrawl
from services.store.db import engine as db
from services.store.db.unit_of_work import UnitOfWork

app = typer.Typer(**PLAIN)


class NotSent(Exception):
    """The broker took none of `unsent` (the send that failed and every one after it)."""

    def __init__(self, unsent: Outgoing, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.unsent, self.cause = unsent, cause


def _dispatch(outgoing: Outgoing, progress: bool = True) -> None:
    """Publish the run's first commands; in embedded mode each runs to completion here, so the bar moves
    one source (discovery, fetches, parsing, storage) at a time."""
    celery_app = runtime.app()
    with progress_bar(progress, len(outgoing)) as bar:
        task = bar.add_task("crawling", total=len(outgoing))
        for i, (name, message) in enumerate(outgoing):
            source = getattr(getattr(message, "source", None), "name", "")
            bar.update(task, description=f"crawling {source}".strip())
            try:
                publish(celery_app, name, message)
            except Exception as exc:
                if is_broker_failure(exc) and not celery_app.conf.task_always_eager:
                    raise NotSent(outgoing[i:], exc) from exc
                # embedded: one source's failure (recorded as a dead letter) must not stop the others
                err.print(f"{name} failed: {type(exc).__name__}: {exc}", highlight=False)
            bar.advance(task)


def _report(engine: Engine, run_id: int) -> RunOut:
    with db.transaction(engine) as session:
        uow = UnitOfWork(session)
        run = uow.runs.get(run_id)
        assert run is not None
        return run_out(uow, run)


def crawl_once(
    engine: Engine,
    *,
    source: str | None = None,
    url: str | None = None,
    force: bool = False,
    trigger: str = "cli",
) -> RunOut:
    try:
        with db.transaction(engine) as session:
            run_id, outgoing = start_recrawl(
                UnitOfWork(session), trigger, source=source, url=url, force=force
            )
    except ScopeError as exc:
        raise CliError(str(exc)) from exc
    err.print(f"run {run_id}: {len(outgoing)} task(s) started", highlight=False)
    return send_run(engine, run_id, outgoing)


def send_run(engine: Engine, run_id: int, outgoing: Outgoing) -> RunOut:
    """Send a started run's first tasks; when the broker refuses them, the run is recorded as failed
    with the reason and the command ends with it. Returns the run as it stands (embedded: finished)."""
    try:
        _dispatch(outgoing)
    except NotSent as exc:
        reason = broker_down(exc.cause)
        with db.transaction(engine) as session:
            record_unsent(UnitOfWork(session), exc.unsent, reason)
        raise CliError(f"{reason}; run {run_id} is recorded as failed") from exc
    return _report(engine, run_id)


def print_summary(run: RunOut) -> None:
    for line in summary_lines(run):
        typer.echo(line)


def fail_if_read_nothing(run: RunOut) -> None:
    """A run that read nothing (every source failed) is an error for a script or a cron job to see."""
    if run.status != "failed":
        return
    reasons = {
        k.split(":", 1)[1]: n
        for k, n in run.counts.items()
        if k.startswith(("sources_failed:", "pages_failed:"))
    }
    said = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
    hint = (
        "; no internet? `make demo` crawls a local fixture news site offline"
        if "dns_error" in reasons
        else ""
    )
    raise CliError(f"run {run.id} read nothing: every source failed ({said}){hint}")


@app.command("run")
@handled
def run_cmd(
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    force: Annotated[bool, typer.Option(help="fetch known pages again, ignore validators")] = False,
    sources_file: Annotated[
        Path | None, typer.Option(help="sources YAML (default: the packaged list)")
    ] = None,
) -> None:
    """One full crawl cycle: discover, fetch, parse, dedup, store; then print what it did."""
    settings = load_settings()
    engine = ready_engine(settings)
    sending_app(settings)
    if settings.embedded:  # fetched and parsed here: this process writes and reads the archive
        check_archive(settings)
    sync_sources(engine, load_specs(sources_file))
    run = crawl_once(engine, source=source, force=force)
    print_summary(run)
    fail_if_read_nothing(run)


@app.command("recrawl")
@handled
def recrawl_cmd(
    source: Annotated[str | None, typer.Option(help="one source by name")] = None,
    url: Annotated[str | None, typer.Option(help="one page")] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="every enabled source")] = False,
    force: Annotated[bool, typer.Option(help="fetch known pages again, ignore validators")] = False,
) -> None:
    """Start a crawl run now (an operator's run): everything, one source, or one URL."""
    if [source is not None, url is not None, all_sources].count(True) != 1:
        raise CliError("say what to recrawl: exactly one of --all, --source NAME, --url URL")
    if url is not None:
        try:
            canonical_url(url)
        except InvalidUrl as exc:
            raise CliError(f"--url: {exc}") from None
    settings = load_settings()
    engine = ready_engine(settings)
    sending_app(settings)
    if settings.embedded:  # fetched and parsed here: this process writes and reads the archive
        check_archive(settings)
    run = crawl_once(engine, source=source, url=url, force=force, trigger="operator")
    print_summary(run)
    fail_if_read_nothing(run)
