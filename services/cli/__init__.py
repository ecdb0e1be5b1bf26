"""The `fm6ss` command: the composition root that wires settings, the bus and the services together.

Entry points stay thin: each command validates its arguments and calls one service function. Commands
live by topic in this package's modules; importing them registers them on the app.
"""

from __future__ import annotations

from services.cli import crawl, data, manual, serve  # noqa: F401  (registers the commands)
from services.cli.common import cli


def main() -> None:
    cli()


__all__ = ["cli", "main"]
