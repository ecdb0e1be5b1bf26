"""The running process's settings and Celery app, built lazily and once per process.

Nothing connects at import; prefork workers build their own after the fork.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from services.bus.routing import QUEUES
from services.bus.settings import Settings

if TYPE_CHECKING:
    from celery import Celery

_settings: Settings | None = None
_app: Celery | None = None


def configure(settings: Settings, queues: Iterable[str] = QUEUES) -> Celery:
    """Set this process's settings (the CLI does this first) and return its Celery app, with the tasks
    of `queues` (a worker's)."""
    global _settings, _app
    _settings = settings
    _app = _create_app(settings, queues)
    return _app


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def app() -> Celery:
    global _app
    if _app is None:
        _app = _create_app(settings(), QUEUES)
    return _app


def _create_app(settings: Settings, queues: Iterable[str]) -> Celery:
    # Celery loads with the first app, not with this module: processes that only read settings here
    # (the store's engine, `fm6ss status`) never pay for it.
    from services.bus.celery_app import create_app

    return create_app(settings, queues)


POOLS = ("prefork", "threads")


def pool_for(queues: list[str], asked: str) -> str:
    """The pool a worker of `queues` runs: `asked`, or for "auto" threads when it consumes the store's
    queue alone. A store task spends most of its time waiting on the database, and one process with two
    threads holds about 95 MiB where a prefork tree of two children holds 165-185 (each child copies the
    pages of the parent's objects it touches); the parser and the crawler keep processes (CPU, and
    the hard time limit that ends a fetch stuck in a C call)."""
    if asked == "auto":
        return "threads" if list(queues) == ["store"] else "prefork"
    if asked not in POOLS:
        raise ValueError(f"unknown pool {asked!r} (expected auto, {', '.join(POOLS)})")
    return asked


def run_worker(
    app: Celery,
    queues: list[str],
    concurrency: int,
    log_level: str,
    liveness_file: Path | None = None,
    pool: str = "prefork",
) -> int:
    """Consume `queues` in a worker of `pool` until it is stopped; returns its exit code. With
    `liveness_file`, the worker touches it while its queues make progress (`liveness.py`).

    Built directly rather than through `worker_main`, which loads Celery's whole command line (click,
    an interactive shell, prompt_toolkit) into the process every pool child is forked from."""
    from celery.utils.nodenames import default_nodename, host_format

    from services.bus.liveness import add_worker_liveness

    add_worker_liveness(app)
    worker = app.Worker(
        hostname=host_format(default_nodename(f"{'-'.join(queues)}@%h")),
        queues=queues,
        concurrency=concurrency,
        pool_cls=pool,
        loglevel=log_level,
        liveness_file=liveness_file,
        liveness_queues=queues,
        quiet=True,  # no plain-text banner: the process logs JSON lines only
    )
    # Objects made so far (modules, catalogues) stay out of the collector's reach: a collection in a
    # pool child would otherwise write to every object's header and copy the pages it shares.
    gc.collect()
    gc.freeze()
    worker.start()
    return int(worker.exitcode or 0)
