"""What every `fm6ss` command shares: settings loading, one-line errors, messages on standard error.

Light on purpose: every command module imports it, the quick ones (`status`, `health`) included; the
progress bars and their console are in `console.py`.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TextIO

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
    """The shared settings; the store's and the crawler's own variables fail as early as these."""
    from pydantic_settings import BaseSettings

    from services.crawler.settings import CrawlerSettings
    from services.store.settings import StoreSettings

    kinds: tuple[type[BaseSettings], ...] = (Settings, StoreSettings, CrawlerSettings)
    for kind in kinds:
        try:
            kind()
        except ValidationError as exc:
            raise setting_error(exc, str(kind.model_config.get("env_prefix", ""))) from exc
    return Settings()


def setting_error(exc: ValidationError, prefix: str = "FM6SS_") -> CliError:
    """One line naming each variable that is wrong (its value is not shown: it may be a secret); a rule
    over several settings (no field of its own) says its own message, which names them."""
    said = []
    for error in exc.errors():
        if error["loc"]:
            name = f"{prefix}{'_'.join(map(str, error['loc'])).upper()}"
            said.append(f"bad setting {name}: {error['msg'].removeprefix('Value error, ')}")
        else:
            said.append(str(error.get("ctx", {}).get("error") or error["msg"].removeprefix("Value error, ")))
    return CliError("; ".join(said))


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
    except IsADirectoryError:
        raise CliError(f"{path} is a directory: give a file of JSON lines, or - for standard input") from None
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} is not UTF-8 text (byte {exc.start})") from None


def open_output(path: Path) -> TextIO:
    """A file to write results to, or one line saying why it cannot be."""
    try:
        return path.open("w", encoding="utf-8", newline="")
    except IsADirectoryError:
        raise CliError(f"{path} is a directory: give a file name for the output") from None
    except FileNotFoundError:
        raise CliError(f"cannot write {path}: the folder {path.parent} does not exist") from None
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror}") from None


def _lines(text: str) -> list[str]:
    lines = text.split("\n")  # a carriage return before it is JSON whitespace
    return lines[:-1] if lines and lines[-1] == "" else lines


def outcome(result: Any) -> str:
    if not isinstance(result, dict):
        return "queued"
    if result.get("status") == "rejected":
        return "rejected"
    return str(result.get("status", "done"))
