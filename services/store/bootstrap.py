"""The store's per-process resources: one engine per database URL, built on first use."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from services.bus import runtime
from services.store.db.engine import make_engine

_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def engine() -> Engine:
    return engine_for(runtime.settings().sqlalchemy_url)


def dispose_all() -> None:
    """Close every pooled connection (tests, and a worker process that is shutting down)."""
    for built in _engines.values():
        built.dispose()
    _engines.clear()
