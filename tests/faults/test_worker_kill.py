"""A worker SIGKILLed while it holds a message, for each queue: nothing is lost, nothing is stored twice."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest

from tests.e2e.conftest import wait_until
from tests.faults.conftest import (
    FAULT_ENV,
    STALE_S,
    RedisServer,
    held,
    run_of,
    running_stack,
    send_sweep,
    settle,
    snapshot,
    stale_pages,
    start_crawl,
)
from tests.fixtures.site import FixtureSite

pytestmark = pytest.mark.faults


def assert_same_as_undisturbed(state: dict[str, Any], reference: dict[str, Any]) -> None:
    assert len(state["agreements"]) == 5, state["agreements"]
    assert state["agreements"] == reference["agreements"]
    assert sorted(n for _, n, _ in state["agreements"]) == [1, 1, 1, 2, 3]
    assert state["articles"] == reference["articles"]
    assert state["article_url_dups"] == [] and state["change_dups"] == []
    assert state["duplicates"] == reference["duplicates"]
    assert state["sources_of_articles"] == reference["sources_of_articles"]
    assert state["pages"] == reference["pages"], "every page ends in the same state, none left in flight"
    assert state["dead_letters"] == reference["dead_letters"]


@pytest.mark.parametrize("queue", ["crawler", "parser", "store"])
def test_worker_killed_mid_batch(
    queue: str,
    pg_url: str,
    broker: RedisServer,
    site: FixtureSite,
    tmp_path,
    reference: dict[str, Any],
):
    started = time.monotonic()
    client = broker.client()
    figures: dict[str, Any] = {"queue": queue}
    with running_stack(pg_url, broker.url, tmp_path, FAULT_ENV) as stack:
        run_id = start_crawl(stack, site)
        # Mid-batch: the target worker holds a message it has not acknowledged, and the run is not over.
        # The batch is the pages: a fetch, a parse, an ingest (a lost discovery comes back only by
        # broker redelivery; see README).
        wanted = {"crawler": "crawler.fetch_page", "store": "store.ingest_articles"}.get(queue)
        wait_until(
            lambda: [t for t in held(client, queue) if wanted in (None, t)],
            60,
            f"the {queue} worker to hold a message",
            interval=0.01,
        )
        proc = stack.procs.pop(f"worker-{queue}")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = time.monotonic()
        figures["lost_with_worker"] = held(client, queue)
        figures["counts_at_kill"] = run_of(stack, run_id)["counts"]
        stack.start(f"worker-{queue}", "worker", "--queues", queue)

        # First chance: the run completes by itself (nothing the killed worker held was needed).
        def finished_alone() -> bool:
            return run_of(stack, run_id)["status"] == "finished"

        try:
            wait_until(finished_alone, max(1.0, STALE_S + 1 - (time.monotonic() - killed_at)), "the run")
            figures["recovered_by"] = "nothing needed"
        except AssertionError:
            # Second: the sweeper (beat sends it every few minutes) re-issues pages stalled in flight.
            figures["stale_pages_swept"] = stale_pages(pg_url)
            send_sweep(broker.url)
            try:
                wait_until(lambda: run_of(stack, run_id)["status"] == "finished", 10, "the sweep")
                figures["recovered_by"] = "sweeper"
            except AssertionError:
                figures["recovered_by"] = "broker redelivery"
        # Then kombu puts unacknowledged messages older than the visibility timeout back in their queue
        # when a consumer starts (and every ~100 s): restart the replacement worker so that the killed
        # one's message comes back now, and must be harmless even when the sweeper re-issued its work.
        figures["redelivered"] = held(client)
        if figures["redelivered"]:
            stack.stop(f"worker-{queue}")
            stack.start(f"worker-{queue}", "worker", "--queues", queue)
        run = settle(stack, run_id, client)
        figures["recovery_s"] = round(time.monotonic() - killed_at, 1)
        figures["counts"] = run["counts"]
    state = snapshot(pg_url)
    figures.update(
        articles=len(state["articles"]),
        agreements=len(state["agreements"]),
        total_s=round(time.monotonic() - started, 1),
    )
    print("FIGURES", figures)
    assert_same_as_undisturbed(state, reference)
