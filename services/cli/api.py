"""`fm6ss api`: the HTTP API's process, served by uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from services.bus import runtime
from services.bus.archive import open_archive
from services.bus.explanation import PageExplainer, RelevanceTrace
from services.bus.logs import configure_logging
from services.bus.messages import ArticleParsed, PageRejected, ParsePage
from services.bus.settings import Settings
from services.cli.common import handled, load_settings, setting_error
from services.cli.database import ready_engine
from services.cli.group import PLAIN
from services.store.api.main import create_api
from services.store.console.app import mount_console
from services.store.settings import StoreSettings

app = typer.Typer(**PLAIN)


@app.command("api")
@handled
def api_cmd(
    host: Annotated[str | None, typer.Option(help="default FM6SS_API_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default FM6SS_API_PORT")] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs and /openapi.json) and the console at /ui."""
    settings = load_settings()
    try:  # judged again with the address it binds: production refuses a public one without a read token
        store = StoreSettings(api_host=host) if host else StoreSettings()
    except ValidationError as exc:
        raise setting_error(exc) from None
    configure_logging(settings.log_level)
    runtime.configure(settings)
    engine = ready_engine(settings)
    uvicorn.run(
        mount_console(create_api(settings, engine, store, explainer(settings))),
        host=store.api_host,
        port=port or store.api_port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's loggers go through the JSON handler too
    )


def explainer(settings: Settings) -> PageExplainer:
    """The parser, for /articles/{id}/explain: loaded at the first such request, not at start."""
    archive = open_archive(settings)

    def read(command: ParsePage) -> tuple[ArticleParsed | PageRejected, RelevanceTrace]:
        from services.parser.reasons import explain_page

        return explain_page(command, archive)

    return read
