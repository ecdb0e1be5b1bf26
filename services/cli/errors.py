"""The one line `fm6ss` prints for a failure an operator can fix: a server down, a bad path, a bad URL.

The command group (`group.py`) asks `one_line` about any exception a command lets out; what it knows
becomes `Error: ...` and exit status 1, anything else is a bug and keeps its traceback. Types are looked
up among the modules already loaded (an exception of a library the command never imported cannot occur),
so this module costs the commands nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _types(module: str, *names: str) -> tuple[type[BaseException], ...]:
    loaded = sys.modules.get(module)
    return tuple(getattr(loaded, name) for name in names) if loaded is not None else ()


def _squeeze(error: object) -> str:
    """An error's text on one line, with any URL in it masked."""
    from services.bus.redact import masked_text

    return masked_text(" ".join(str(error).split()))


def _broker_url() -> str:
    from services.bus import runtime

    url = runtime.settings().broker_url or ""
    return broker_label(url)


def broker_label(url: str) -> str:
    """The broker's URL as an error may show it: no login, no password (`services/bus/redact.py`)."""
    from services.bus.redact import masked_url

    return masked_url(url)


def broker_down(error: object) -> str:
    return (
        f"cannot reach the broker at {_broker_url()} ({_squeeze(error)}): start it, or fix FM6SS_BROKER_URL"
    )


def _redis_down(error: BaseException) -> str:
    return f"cannot reach Redis ({_squeeze(error)}): start it, or fix FM6SS_BROKER_URL / FM6SS_REDIS_URL"


def _database_failed(error: BaseException) -> str:
    return f"the database failed: {_squeeze(getattr(error, 'orig', None) or error)}"


def _bad_database_url(error: BaseException) -> str:
    return f"unusable FM6SS_DATABASE_URL ({_squeeze(error)}): use sqlite:///PATH or postgresql://USER@HOST/DB"


def _os_error(error: BaseException) -> str:
    assert isinstance(error, OSError)
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or _squeeze(error)}"


def _said(error: BaseException) -> str:
    return _squeeze(error)


def _known() -> list[tuple[tuple[type[BaseException], ...], Callable[[BaseException], str]]]:
    return [
        (_types("services.cli.common", "CliError"), _said),
        (_types("services.store.db.engine", "DatabaseUnavailable"), _said),
        (_types("services.bus.urls", "InvalidUrl"), _said),
        (_types("services.bus.archive", "ArchiveSetupError", "ArchiveUnavailable"), _said),
        (_types("kombu.exceptions", "OperationalError"), broker_down),
        (_types("redis.exceptions", "ConnectionError", "TimeoutError"), _redis_down),
        (_types("sqlalchemy.exc", "OperationalError"), _database_failed),
        (_types("sqlalchemy.exc", "ArgumentError", "NoSuchModuleError"), _bad_database_url),
        ((OSError,), _os_error),
    ]


def one_line(error: BaseException) -> str | None:
    """What to print after "Error: " for a failure an operator can fix, or None for a bug."""
    for types, say in _known():
        if types and isinstance(error, types):
            return say(error)
    return None
