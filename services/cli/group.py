"""How `fm6ss` finds a command: by name in a table, importing the command's module only when it runs.

`fm6ss --help` lists the table's summaries and imports no command module, so asking for help loads
neither the ORM nor Celery, FastAPI or the parser; `fm6ss status` loads what status needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException
from typer.main import get_group

# Every Typer app of the CLI: one-line errors rather than boxes, and ordinary tracebacks for real bugs.
PLAIN: dict[str, Any] = {"rich_markup_mode": None, "pretty_exceptions_enable": False}


@dataclass(frozen=True)
class Lazy:
    """Where a top-level command or group lives (a module with a Typer `app` that holds it by the same
    name) and the line `fm6ss --help` shows for it (the start of its help, checked by a test)."""

    module: str
    summary: str


@cache
def _module_group(module: str) -> TyperGroup:
    app = importlib.import_module(module).app
    assert isinstance(app, typer.Typer), module
    group = get_group(app)
    _capital_metavars(group)
    return group


def _capital_metavars(command: Any) -> None:
    """Arguments shown as their docstrings name them (`merge KEEP OTHER`), not as Python's names."""
    for param in getattr(command, "params", ()):
        if param.param_type_name == "argument" and param.metavar is None and param.name:
            param.metavar = param.name.upper()
    for sub in getattr(command, "commands", {}).values():
        _capital_metavars(sub)


class LazyGroup(TyperGroup):
    """A group that holds a placeholder for each command of `lazy` until the command is asked for."""

    lazy: ClassVar[Mapping[str, Lazy]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._loaded: set[str] = set()
        for name, entry in self.lazy.items():
            self.commands[name] = TyperCommand(name, help=entry.summary)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = self.lazy.get(cmd_name)
        if entry is not None and cmd_name not in self._loaded:
            self.commands[cmd_name] = _module_group(entry.module).commands[cmd_name]
            self._loaded.add(cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a failure an operator can fix (`errors.py`) ends as one line and status 1."""
        try:
            return super().invoke(ctx)
        except (TyperException, typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            from services.cli.errors import one_line

            message = one_line(exc)
            if message is None:
                raise
            typer.echo(f"Error: {message}", err=True)
            raise typer.Exit(1) from None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list, as click writes it, from what is held: placeholders are not loaded for it."""
        rows = [(name, command) for name, command in self.commands.items() if not command.hidden]
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])
