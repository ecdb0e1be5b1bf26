"""The store's per-process resources: one engine per database URL, built on first use."""

from __future__ import annotations

from functools import cache

from sqlalchemy.engine import Engine

from services.bus import runtime
from services.store.db import make_engine


@cache
def engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return engine_for(runtime.settings().sqlalchemy_url)
