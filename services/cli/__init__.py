"""The `fm6ss` command: the composition root that wires settings, the bus and the services together.

Entry points stay thin: each command validates its arguments and calls one service function. Commands
live by topic in this package's modules, each importing what its commands need; the table below says
where each one lives, so that a command loads its own module only (`group.py`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from services.cli.group import PLAIN, Lazy, LazyGroup

COMMANDS = {
    "run": Lazy(
        "services.cli.crawl",
        "One full crawl cycle: discover, fetch, parse, dedup, store; then print what it did.",
    ),
    "recrawl": Lazy(
        "services.cli.crawl", "Start a crawl run now (an operator's run): everything, one source, or one URL."
    ),
    "backfill": Lazy(
        "services.cli.backfill",
        "Walk each source's history (sitemaps by lastmod, paged feeds, listings' next pages) back to a date.",
    ),
    "demo": Lazy(
        "services.cli.demo",
        "Serve the local fixture news site on loopback and crawl it: no internet needed.",
    ),
    "migrate": Lazy(
        "services.cli.database", "Create or upgrade the database schema (Alembic) to the latest revision."
    ),
    "import": Lazy(
        "services.cli.data",
        "Ingest articles from JSON lines through the same parse -> dedup -> store path as crawled pages.",
    ),
    "reparse": Lazy(
        "services.cli.data",
        "Run parsing, dedup and resolution again over the page archive (no network): after a parser upgrade.",
    ),
    "explain": Lazy(
        "services.cli.explain",
        "Why an article is relevant or not, the signings it reports, and the record each joins or starts.",
    ),
    "api": Lazy(
        "services.cli.api", "Serve the HTTP API (OpenAPI at /docs and /openapi.json) and the console at /ui."
    ),
    "worker": Lazy(
        "services.cli.serve", "Consume one or more queues in a Celery worker (needs FM6SS_BROKER_URL)."
    ),
    "status": Lazy(
        "services.cli.status",
        "What is stored, the latest crawl runs with their counters, queue depths and push consumers.",
    ),
    "beat": Lazy(
        "services.cli.serve", "The scheduler: starts due crawls, sweeps stalled work, relays changes."
    ),
    "health": Lazy("services.cli.health", "Liveness of the workers on this host, judged by progress."),
    "export": Lazy("services.cli.export", "Write agreements or articles as JSON lines or CSV."),
    "agreements": Lazy("services.cli.manual", "Operators' corrections: merge, split, set fields."),
    "sources": Lazy("services.cli.sources", "List, add, remove, enable and disable sources."),
    "dead-letters": Lazy("services.cli.dead_letters", "Messages whose task failed for good."),
    "archive": Lazy(
        "services.cli.archive", "The page archive: copy it to another backend, check it against the store."
    ),
    "relay": Lazy("services.cli.relay", "Push consumers of the change feed: rewind one, make a secret."),
}


class Commands(LazyGroup):
    lazy = COMMANDS


cli = typer.Typer(
    cls=Commands, no_args_is_help=True, add_completion=False, help="FM6SS partnership watch.", **PLAIN
)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"fm6ss {version('fm6ss-watch')}")
        raise typer.Exit()


@cli.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Every command lives in `COMMANDS`; a group needs a callback to be one."""


def main() -> None:
    cli()


__all__ = ["COMMANDS", "cli", "main"]
