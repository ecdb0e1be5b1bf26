"""The running process's settings and Celery app, built lazily and once per process.

Nothing connects at import; prefork workers build their own after the fork.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.bus.settings import Settings

if TYPE_CHECKING:
    from celery import Celery

_settings: Settings | None = None
_app: Celery | None = None


def configure(settings: Settings) -> Celery:
    """Set this process's settings (the CLI does this first) and return its Celery app."""
    global _settings, _app
    _settings = settings
    _app = _create_app(settings)
    return _app


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings()
    return _settings


def app() -> Celery:
    global _app
    if _app is None:
        _app = _create_app(settings())
    return _app


def _create_app(settings: Settings) -> Celery:
    # Celery loads with the first app, not with this module: processes that only read settings here
    # (the store's engine, `fm6ss status`) never pay for it.
    from services.bus.celery_app import create_app

    return create_app(settings)
