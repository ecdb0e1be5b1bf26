"""`fm6ss demo`: the local fixture news site served on loopback and crawled, with no internet.

The demo is embedded whatever the environment says (its own SQLite under FM6SS_DATA_DIR/demo, no broker),
and its site keeps one address per data directory: the stored pages and sources are keyed by URL, port
included, so a site on a new port would be a second copy of every article and every source.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from services.bus import runtime
from services.bus.archive import check_archive
from services.bus.settings import Settings
from services.cli.common import CliError, handled, load_settings, setting_error
from services.cli.console import err
from services.cli.crawl import crawl_once, fail_if_read_nothing, print_summary
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.cli.sources import sync_sources
from services.store.db import engine as db
from services.store.db.unit_of_work import UnitOfWork
from services.store.settings import StoreSettings

if TYPE_CHECKING:
    from tests.fixtures.site import FixtureSite

app = typer.Typer(**PLAIN)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORT = 8765
PORT_FILE = "site-port"  # in the demo's data directory: the port its stored URLs name


@app.command("demo")
@handled
def demo_cmd(
    data_dir: Annotated[Path | None, typer.Option(help="default: FM6SS_DATA_DIR/demo")] = None,
    serve_after: Annotated[bool, typer.Option(help="keep the fixture site up afterwards")] = False,
    serve: Annotated[
        bool, typer.Option("--serve", help="then serve the API and its console (/ui) on the demo's data")
    ] = False,
    port: Annotated[
        int | None, typer.Option(help="the API's port with --serve; default FM6SS_API_PORT")
    ] = None,
) -> None:
    """Serve the local fixture news site on loopback and crawl it: no internet needed.

    Run again on the same data directory, it serves the site on the same port and changes nothing. It
    ends by naming the command that opens the console on its data; `--serve` serves it right away."""
    if not (REPO_ROOT / "tests" / "fixtures" / "site").is_dir():
        raise CliError(
            f"the fixture site is not here ({REPO_ROOT / 'tests/fixtures/site'}): run from a clone"
        )
    sys.path.insert(0, str(REPO_ROOT))
    from services.crawler import bootstrap
    from services.crawler.settings import CrawlerSettings
    from tests.fixtures.site import source_specs

    base = load_settings()
    embedded = {"database_url": None, "broker_url": None, "redis_url": None, "result_backend": None}
    settings = base.model_copy(update={"data_dir": data_dir or base.data_dir / "demo", **embedded})
    runtime.configure(settings)
    check_archive(settings)
    engine = ready_engine(settings)
    # Loopback is refused by the SSRF guard unless allowed; short timeouts so the slow page fails fast.
    crawler = CrawlerSettings(allow_hosts="127.0.0.1", default_delay_s=0, read_timeout_s=3, total_timeout_s=6)
    bootstrap.configure(bootstrap.build(crawler, settings))
    with _site(settings.data_dir) as site:
        specs = source_specs(site)
        sync_sources(engine, specs, replace=True)
        err.print(
            f"fixture site at {site.base_url}; crawling {len(specs)} feeds and sitemaps", highlight=False
        )
        run = crawl_once(engine)
        print_summary(run)
        _print_agreements(engine)
        fail_if_read_nothing(run)
        if serve:
            _serve_console(settings, engine, port)
            return
        _say_console(settings)
        if serve_after:
            err.print(f"serving {site.base_url} until interrupted", highlight=False)
            while True:
                time.sleep(3600)


def _say_console(settings: Settings) -> None:
    """The demo's store is its own (embedded, under its data directory): `fm6ss api` alone would serve
    the default store, so the command names this one."""
    try:
        store = StoreSettings()
    except ValidationError:
        store = StoreSettings.model_construct()  # the defaults; `fm6ss api` will name what is wrong
    data = shlex.quote(str(settings.data_dir.resolve()))
    err.print(
        f"console on this data: FM6SS_DATA_DIR={data} FM6SS_DATABASE_URL= fm6ss api, then open "
        f"http://{store.api_host}:{store.api_port}/ui (or run `fm6ss demo --serve`)",
        highlight=False,
        soft_wrap=True,
    )


def _serve_console(settings: Settings, engine: Engine, port: int | None) -> None:
    import uvicorn

    from services.cli.api import explainer
    from services.store.api.main import create_api
    from services.store.console.app import mount_console

    try:
        store = StoreSettings()
    except ValidationError as exc:
        raise setting_error(exc) from None
    app = mount_console(create_api(settings, engine, store, explainer(settings)))
    port = port or store.api_port
    err.print(f"console at http://{store.api_host}:{port}/ui until interrupted", highlight=False)
    uvicorn.run(app, host=store.api_host, port=port, log_level="warning", log_config=None)


def _site(data_dir: Path) -> FixtureSite:
    """The fixture site on this data directory's port; a first demo takes DEFAULT_PORT, or any free one."""
    from tests.fixtures.site import serve

    stored = data_dir / PORT_FILE
    port = _stored_port(stored)
    try:
        site = serve(port=port or DEFAULT_PORT, slow_delay=10)
    except OSError as exc:
        if port:
            raise CliError(
                f"port {port} is busy ({exc.strerror}); this demo's pages are stored at that port "
                f"(in {stored}): free it, or give another --data-dir for a new demo"
            ) from None
        site = serve(port=0, slow_delay=10)
    stored.write_text(f"{site.port}\n", encoding="utf-8")
    return site


def _stored_port(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise CliError(f"{path} should hold the demo site's port, holds {text[:20]!r}: delete it")
    return int(text)


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
