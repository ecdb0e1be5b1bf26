"""Crawler unit tests: no FM6SS_CRAWLER_* variable from the environment, and no network at all."""

from __future__ import annotations

import os
import socket

import pytest


@pytest.fixture(autouse=True)
def _no_crawler_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("FM6SS_CRAWLER_"):
            monkeypatch.delenv(key)


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a crawler unit test tried to use the network: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
