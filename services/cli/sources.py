"""`fm6ss sources list|sync|add|remove|enable|disable|check`: the sources the schedule reads, kept in the
store; `check` fetches each once and keeps what it found.

`sync_sources` copies a YAML list into the store; `fm6ss run` and `demo` call it before crawling;
`seed_from_file` gives an empty store the YAML's sources (`fm6ss migrate`, a deployment's first start).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from services.bus.checks import SourceCheck
from services.bus.messages import SourceInput, SourceSpec
from services.cli.common import CliError, handled, load_settings, say, setting_error
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.crawler.settings import CrawlerSettings
from services.crawler.sources import DEFAULT_FILE, SourcesError, load_sources
from services.store.crawl.sources import (
    Synced,
    UnknownSource,
    record_checks,
    remove_source,
    seed_sources,
    set_enabled,
    spec_of,
    sync,
)
from services.store.db import engine as db
from services.store.db.unit_of_work import UnitOfWork

app = typer.Typer(**PLAIN)
sources_cli = typer.Typer(
    no_args_is_help=True, help="List, add, remove, enable and disable sources.", **PLAIN
)
app.add_typer(sources_cli, name="sources")


def sync_sources(engine: Engine, specs: list[SourceSpec], replace: bool = False) -> Synced:
    """Copy sources into the store; an operator's enabled/disabled choice is kept unless `replace`."""
    with db.transaction(engine) as session:
        return sync(UnitOfWork(session), specs, replace)


def synced_text(done: Synced) -> str:
    def names(group: list[str]) -> str:
        shown = ", ".join(group[:5]) + (f" and {len(group) - 5} more" if len(group) > 5 else "")
        return f" ({shown})" if group else ""

    text = (
        f"{len(done.added)} source(s) added{names(done.added)}, {len(done.changed)} changed"
        f"{names(done.changed)}, {len(done.unchanged)} unchanged"
    )
    if done.not_in_file:
        text += f"; {len(done.not_in_file)} not in the file left as they are{names(done.not_in_file)}"
    return text


def sources_file(file: Path | None) -> Path:
    """The file asked for, else FM6SS_CRAWLER_SOURCES_FILE, else the packaged list."""
    try:
        return file or CrawlerSettings().sources_file or DEFAULT_FILE
    except ValidationError as exc:
        raise setting_error(exc, "FM6SS_CRAWLER_") from exc


def load_specs(file: Path | None) -> list[SourceSpec]:
    """The sources of a YAML file (see `sources_file`), or one line saying what is wrong."""
    try:
        return load_sources(sources_file(file))
    except SourcesError as exc:
        raise CliError(str(exc)) from exc


def seed_from_file(engine: Engine) -> None:
    """Give a store without sources those of the configured file; say what was done either way."""
    with db.transaction(engine) as session:
        uow = UnitOfWork(session)
        seeded = seed_sources(uow, lambda: load_specs(None))
        if seeded is None:
            line = f"{len(uow.sources.list_all())} source(s) kept as they are"
            line += "; `fm6ss sources sync` applies a changed sources file"
        else:
            enabled = sum(1 for s in seeded if s.enabled)
            line = f"{len(seeded)} source(s) loaded ({enabled} enabled) from {sources_file(None)}"
    say(line)


@sources_cli.command("list")
@handled
def sources_list() -> None:
    """Every source the store knows, with its state."""
    settings = load_settings()
    engine = ready_engine(settings)
    with db.transaction(engine) as session:
        rows = UnitOfWork(session).sources.list_all()
    if not rows:
        say("no sources: `fm6ss sources sync` loads the configured list")
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
    say(synced_text(sync_sources(engine, load_specs(file), replace)))


@sources_cli.command("add")
@handled
def sources_add(
    name: str,
    url: str,
    kind: Annotated[str, typer.Option(help="rss, atom, sitemap, news_sitemap, listing or gdelt")] = "rss",
    interval_minutes: Annotated[int, typer.Option(min=1)] = 60,
    link_pattern: Annotated[str | None, typer.Option(help="listing pages: regex of article URLs")] = None,
    outlet: str | None = None,
    lang: str | None = None,
) -> None:
    """Add (or update) one source, checked as `PUT /sources/{name}` checks it."""

    try:
        spec = SourceInput.model_validate(
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
        where = ".".join(map(str, first["loc"])) or "source"
        raise CliError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from exc
    settings = load_settings()
    sync_sources(ready_engine(settings), [spec], replace=True)
    say(f"source {name} saved")


@sources_cli.command("remove")
@handled
def sources_remove(name: str) -> None:
    """Forget a source: no more crawls of it; its pages and articles stay. A source of the sources file
    comes back with the next `fm6ss sources sync` (or `run`): remove it from the file too."""
    settings = load_settings()
    try:
        with db.transaction(ready_engine(settings)) as session:
            remove_source(UnitOfWork(session), name)
    except UnknownSource as exc:
        raise CliError(str(exc)) from exc
    say(f"source {name} removed")


def _set_enabled(name: str, enabled: bool) -> None:
    settings = load_settings()
    try:
        with db.transaction(ready_engine(settings)) as session:
            set_enabled(UnitOfWork(session), name, enabled)
    except UnknownSource as exc:
        raise CliError(str(exc)) from exc
    say(f"source {name} {'enabled' if enabled else 'disabled'}")


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


@sources_cli.command("check")
@handled
def sources_check(
    names: Annotated[
        list[str] | None, typer.Argument(help="sources to check (default: every enabled one)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON list, for scripts")] = False,
) -> None:
    """Fetch each source once, politely, and say what it really is, what it lists and what to change;
    the findings are kept (`fm6ss status`, `GET /sources`). Exit status 1 when a source fails."""
    from services.crawler import bootstrap
    from services.crawler.check import check_source

    settings = load_settings()
    engine = ready_engine(settings)
    with db.transaction(engine) as session:
        stored = {s.name: spec_of(s) for s in UnitOfWork(session).sources.list_all()}
    unknown = [n for n in names or [] if n not in stored]
    if unknown:
        raise CliError(f"no source named {', '.join(unknown)}: `fm6ss sources list` names them")
    specs = [stored[n] for n in names] if names else [s for s in stored.values() if s.enabled]
    if not specs:
        raise CliError("no enabled source to check: `fm6ss sources sync` loads the configured list")
    deps = bootstrap.deps()
    found = []
    try:
        for spec in specs:
            found.append(check_source(spec, deps))
            if not as_json:
                typer.echo(check_line(found[-1]))
    finally:
        deps.limiter.settle()
    with db.transaction(engine) as session:
        record_checks(UnitOfWork(session), found)
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in found], ensure_ascii=False, indent=2))
    failing = [c.name for c in found if not c.ok]
    if failing:
        raise CliError(f"{len(failing)} of {len(found)} source(s) failing: {', '.join(failing)}")
    say(f"{len(found)} source(s) checked, all working")


def check_line(check: SourceCheck) -> str:
    """One source's check on one line: its name, working or why not, what it is and lists, what to do."""
    state = "ok" if check.ok else (check.problem or "failing")
    status = str(check.status) if check.status is not None else "-"
    newest = f" newest {check.newest:%Y-%m-%d}" if check.newest else ""
    kind = check.found_kind or "-"
    line = f"{check.name:28} {state:18} {status:>3} {kind:13} {check.items:>5} item(s){newest}"
    return f"{line}  {check.advice}" if check.advice else line
