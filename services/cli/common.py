"""What every `fm6ss` command shares: settings loading, one-line errors, messages on standard error.

Light on purpose: every command module imports it, the quick ones (`status`, `health`) included; the
progress bars and their console are in `console.py`.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec

import typer
from pydantic import ValidationError

from services.bus.settings import Settings

P = ParamSpec("P")


class CliError(Exception):
    """A user-facing failure: printed as one line ("Error: ..."), exit status 1."""


def handled(command: Callable[P, None]) -> Callable[P, None]:
    """Turn a CliError into one line on standard error and exit status 1, instead of a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except CliError as exc:
            say(f"Error: {exc}")
            raise typer.Exit(1) from None

    return run


def say(message: str) -> None:
    """A line for the operator on standard error (standard output is kept for results)."""
    typer.echo(message, err=True)


def load_settings() -> Settings:
    from services.store.settings import StoreSettings

    try:
        StoreSettings()  # the store's own variables fail as early as the shared ones
        return Settings()
    except ValidationError as exc:
        raise setting_error(exc) from exc


def setting_error(exc: ValidationError) -> CliError:
    """One line naming the setting; a rule over several settings (no field of its own) says its own."""
    first = exc.errors()[0]
    if not first["loc"] and "error" in first.get("ctx", {}):
        return CliError(str(first["ctx"]["error"]))
    return CliError(f"bad setting {'.'.join(map(str, first['loc']))}: {first['msg']}")


def open_lines(file: str) -> list[str]:
    """A file's lines (`import`, `explain --file`), or standard input's for "-". Lines end at a line
    feed only: U+2028, U+0085 and the other breaks `str.splitlines` knows are text inside a JSON string."""
    if file == "-":
        return _lines(sys.stdin.read())
    path = Path(file)
    try:
        return _lines(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise CliError(f"no such file: {path}") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} is not UTF-8 text (byte {exc.start})") from None


def _lines(text: str) -> list[str]:
    lines = text.split("\n")  # a carriage return before it is JSON whitespace
    return lines[:-1] if lines and lines[-1] == "" else lines


def outcome(result: Any) -> str:
    if not isinstance(result, dict):
        return "queued"
    if result.get("status") == "rejected":
        return "rejected"
    return str(result.get("status", "done"))
