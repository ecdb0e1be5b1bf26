"""`fm6ss run`, `recrawl` and `demo`: crawling by hand (the schedule's crawls start from `fm6ss beat`).

`run` is the main job on the embedded default: one full crawl cycle in this process, then a summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from services.bus import runtime
from services.bus.celery_app import publish
from services.bus.messages import Message
from services.cli.common import CliError, handled, load_settings
from services.cli.console import err, progress_bar
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.cli.sources import load_specs, sync_sources
from services.store.crawl.runs import RunOut, run_out, summary_lines
from services.store.crawl.scheduling import ScopeError, start_recrawl
from services.store.db import engine as db
from services.store.db.unit_of_work import UnitOfWork

app = typer.Typer(**PLAIN)


def _dispatch(outgoing: list[tuple[str, Message]], progress: bool = True) -> None:
    """Publish the run's first commands; in embedded mode each runs to completion here, so the bar moves
    one source (discovery, fetches, parsing, storage) at a time."""
    celery_app = runtime.app()
    with progress_bar(progress, len(outgoing)) as bar:
        task = bar.add_task("crawling", total=len(outgoing))
        for name, message in outgoing:
            source = getattr(getattr(message, "source", None), "name", "")
            bar.update(task, description=f"crawling {source}".strip())
            try:
                publish(celery_app, name, message)
            except Exception as exc:  # embedded: one source's failure must not stop the others
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
    _dispatch(outgoing)
    return _report(engine, run_id)


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
    runtime.configure(settings)
    engine = ready_engine(settings)
    sync_sources(engine, load_specs(sources_file))
    run = crawl_once(engine, source=source, force=force)
    for line in summary_lines(run):
        typer.echo(line)


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
    settings = load_settings()
    runtime.configure(settings)
    engine = ready_engine(settings)
    run = crawl_once(engine, source=source, url=url, force=force, trigger="operator")
    for line in summary_lines(run):
        typer.echo(line)


REPO_ROOT = Path(__file__).resolve().parents[2]


@app.command("demo")
@handled
def demo_cmd(
    data_dir: Annotated[Path | None, typer.Option(help="default: FM6SS_DATA_DIR/demo")] = None,
    serve_after: Annotated[bool, typer.Option(help="keep the fixture site up afterwards")] = False,
) -> None:
    """Serve the local fixture news site on loopback and crawl it: no internet needed."""
    import sys
    import time

    if not (REPO_ROOT / "tests" / "fixtures" / "site").is_dir():
        raise CliError(
            f"the fixture site is not here ({REPO_ROOT / 'tests/fixtures/site'}): run from a clone"
        )
    sys.path.insert(0, str(REPO_ROOT))
    from services.crawler import bootstrap
    from services.crawler.settings import CrawlerSettings
    from tests.fixtures.site import serve, source_specs

    base = load_settings()
    settings = base.model_copy(update={"data_dir": data_dir or base.data_dir / "demo"})
    runtime.configure(settings)
    engine = ready_engine(settings)
    # Loopback is refused by the SSRF guard unless allowed; short timeouts so the slow page fails fast.
    crawler = CrawlerSettings(allow_hosts="127.0.0.1", default_delay_s=0, read_timeout_s=3, total_timeout_s=6)
    bootstrap.configure(bootstrap.build(crawler, settings))
    with serve(slow_delay=10) as site:
        specs = source_specs(site)
        sync_sources(engine, specs, replace=True)
        err.print(
            f"fixture site at {site.base_url}; crawling {len(specs)} feeds and sitemaps", highlight=False
        )
        run = crawl_once(engine)
        for line in summary_lines(run):
            typer.echo(line)
        _print_agreements(engine)
        if serve_after:
            err.print(f"serving {site.base_url} until interrupted", highlight=False)
            while True:
                time.sleep(3600)


def _print_agreements(engine: Engine) -> None:
    from services.store.records.presenters import agreement_out

    with db.transaction(engine) as session:
        uow = UnitOfWork(session)
        for agreement in uow.agreements.listed({}, 0, 1000):
            out = agreement_out(uow, agreement)
            parties = " + ".join(p.acronym or p.name for p in out.parties)
            typer.echo(
                f"agreement {out.id}: {parties}; {out.kind or '?'} signed {out.signed_on or '?'} "
                f"({out.signed_on_precision or '-'}) at {out.place or '?'}; {len(out.sources)} source(s)"
            )
