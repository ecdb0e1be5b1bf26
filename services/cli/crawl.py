"""`fm6ss run`, `recrawl`, `sources`, `beat` and `demo`: crawling, by schedule or by hand.

`run` is the main job on the embedded default: one full crawl cycle in this process, then a summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from services.bus import runtime
from services.bus.celery_app import publish
from services.bus.messages import Message, SourceSpec
from services.cli.common import CliError, cli, err, handled, load_settings, progress_bar, ready_engine
from services.crawler.sources import SourcesError, load_sources
from services.store.crawl.runs import RunOut, run_out, summary_lines
from services.store.crawl.scheduling import ScopeError, start_recrawl
from services.store.crawl.sources import UnknownSource, save_sources, set_enabled
from services.store.db import engine as db
from services.store.db.unit_of_work import UnitOfWork

sources_cli = typer.Typer(
    no_args_is_help=True,
    help="List, add, enable and disable sources.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
cli.add_typer(sources_cli, name="sources")


def sync_sources(engine: Engine, specs: list[SourceSpec], replace: bool = False) -> int:
    """Copy sources into the store; an operator's enabled/disabled choice is kept unless `replace`."""
    with db.transaction(engine) as session:
        return len(save_sources(UnitOfWork(session), specs, replace))


def _load(file: Path | None) -> list[SourceSpec]:
    try:
        return load_sources(file)
    except SourcesError as exc:
        raise CliError(str(exc)) from exc


def _dispatch(outgoing: list[tuple[str, Message]], progress: bool = True) -> None:
    """Publish the run's first commands; in embedded mode each runs to completion here, so the bar moves
    one source (discovery, fetches, parsing, storage) at a time."""
    app = runtime.app()
    with progress_bar(progress, len(outgoing)) as bar:
        task = bar.add_task("crawling", total=len(outgoing))
        for name, message in outgoing:
            source = getattr(getattr(message, "source", None), "name", "")
            bar.update(task, description=f"crawling {source}".strip())
            try:
                publish(app, name, message)
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


@cli.command("run")
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
    sync_sources(engine, _load(sources_file))
    run = crawl_once(engine, source=source, force=force)
    for line in summary_lines(run):
        typer.echo(line)


@cli.command("recrawl")
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


@sources_cli.command("list")
@handled
def sources_list() -> None:
    """Every source the store knows, with its state."""
    settings = load_settings()
    engine = ready_engine(settings)
    with db.transaction(engine) as session:
        rows = UnitOfWork(session).sources.list_all()
    for s in rows:
        state = "enabled " if s.enabled else "disabled"
        last = s.last_run_at.isoformat(timespec="minutes") if s.last_run_at else "never"
        error = f"  last error: {s.last_error}" if s.last_error else ""
        typer.echo(
            f"{s.name:28} {state} {s.kind:12} every {s.interval_minutes:>4} min  last {last}  {s.url}{error}"
        )


@sources_cli.command("sync")
@handled
def sources_sync(
    file: Annotated[Path | None, typer.Option(help="sources YAML (default: the packaged list)")] = None,
    replace: Annotated[bool, typer.Option(help="also reset enabled/disabled to the file's")] = False,
) -> None:
    """Load sources from the YAML file into the store (new ones added, known ones updated)."""
    settings = load_settings()
    engine = ready_engine(settings)
    err.print(f"{sync_sources(engine, _load(file), replace)} source(s) synced")


@sources_cli.command("add")
@handled
def sources_add(
    name: str,
    url: str,
    kind: Annotated[str, typer.Option(help="rss, atom, sitemap, news_sitemap or listing")] = "rss",
    interval_minutes: Annotated[int, typer.Option(min=1)] = 60,
    link_pattern: Annotated[str | None, typer.Option(help="listing pages: regex of article URLs")] = None,
    outlet: str | None = None,
    lang: str | None = None,
) -> None:
    """Add (or update) one source."""
    from pydantic import ValidationError

    try:
        spec = SourceSpec.model_validate(
            {
                "name": name,
                "url": url,
                "kind": kind,
                "outlet": outlet,
                "lang": lang,
                "interval_minutes": interval_minutes,
                "link_pattern": link_pattern,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CliError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
    settings = load_settings()
    sync_sources(ready_engine(settings), [spec], replace=True)
    err.print(f"source {name} saved")


def _set_enabled(name: str, enabled: bool) -> None:
    settings = load_settings()
    try:
        with db.transaction(ready_engine(settings)) as session:
            set_enabled(UnitOfWork(session), name, enabled)
    except UnknownSource as exc:
        raise CliError(str(exc)) from exc
    err.print(f"source {name} {'enabled' if enabled else 'disabled'}")


@sources_cli.command("disable")
@handled
def sources_disable(name: str) -> None:
    """Stop crawling a source (kept, with its pages)."""
    _set_enabled(name, False)


@sources_cli.command("enable")
@handled
def sources_enable(name: str) -> None:
    """Crawl a disabled source again."""
    _set_enabled(name, True)


REPO_ROOT = Path(__file__).resolve().parents[2]


@cli.command("demo")
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
    from services.store.api.presenters import agreement_out

    with db.transaction(engine) as session:
        uow = UnitOfWork(session)
        for agreement in uow.agreements.listed({}, 0, 1000):
            out = agreement_out(uow, agreement)
            parties = " + ".join(p.acronym or p.name for p in out.parties)
            typer.echo(
                f"agreement {out.id}: {parties}; {out.kind or '?'} signed {out.signed_on or '?'} "
                f"({out.signed_on_precision or '-'}) at {out.place or '?'}; {len(out.sources)} source(s)"
            )
