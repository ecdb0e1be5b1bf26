"""Which pool a worker runs."""

from __future__ import annotations

import pytest

from services.bus.runtime import pool_for


def test_a_worker_of_the_store_queue_alone_runs_threads_by_default() -> None:
    assert pool_for(["store"], "auto") == "threads"


@pytest.mark.parametrize(
    "queues", [["crawler"], ["parser"], ["crawler", "parser", "store"], ["parser", "store"]]
)
def test_any_other_worker_runs_processes_by_default(queues: list[str]) -> None:
    assert pool_for(queues, "auto") == "prefork"


def test_an_asked_pool_is_kept_and_an_unknown_one_refused() -> None:
    assert pool_for(["store"], "prefork") == "prefork"
    assert pool_for(["parser"], "threads") == "threads"
    with pytest.raises(ValueError, match="unknown pool 'gevent'"):
        pool_for(["store"], "gevent")
