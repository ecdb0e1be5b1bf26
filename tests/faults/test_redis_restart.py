"""The broker restarted empty (no persistence) mid-run: the workers reconnect by themselves and the
sweeper re-issues every page the lost messages were carrying."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.conftest import wait_until
from tests.faults.conftest import (
    FAULT_ENV,
    QUEUES,
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
from tests.faults.test_worker_kill import assert_same_as_undisturbed
from tests.fixtures.site import FixtureSite

pytestmark = pytest.mark.faults


def test_redis_restarted_empty_mid_run(
    pg_url: str, broker: RedisServer, site: FixtureSite, tmp_path, reference: dict[str, Any]
):
    started = time.monotonic()
    client = broker.client()
    figures: dict[str, Any] = {}
    with running_stack(pg_url, broker.url, tmp_path, FAULT_ENV) as stack:
        run_id = start_crawl(stack, site)

        # Mid-run, once every source is read (a lost discovery has nothing to re-issue it: see README).
        def mid_run() -> bool:
            c = run_of(stack, run_id)["counts"]
            busy = held(client) or any(client.llen(q) for q in QUEUES)
            return bool(
                c.get("sources_done") == c["sources_queued"] and c.get("pages_fetched", 0) >= 3 and busy
            )

        wait_until(mid_run, 60, "the run to be mid-way", interval=0.05)
        figures["queued_lost"] = {q: client.llen(q) for q in QUEUES}
        figures["held_lost"] = held(client)
        broker.kill()
        killed_at = time.monotonic()
        figures["counts_at_kill"] = run_of(stack, run_id)["counts"]
        time.sleep(2)
        broker.start()  # same port, empty
        assert client.dbsize() == 0

        sweeps = []

        def swept() -> bool:
            if run_of(stack, run_id)["status"] == "finished":
                return True
            if time.monotonic() - killed_at > 31 and (not sweeps or time.monotonic() - sweeps[-1][0] > 10):
                sweeps.append((time.monotonic(), stale_pages(pg_url)))
                send_sweep(broker.url)
            return False

        wait_until(swept, 120, "the sweeper to finish the run", interval=1)
        run = settle(stack, run_id, client)
        figures["sweeps"] = [n for _, n in sweeps]
        figures["recovery_s"] = round(time.monotonic() - killed_at, 1)
        figures["counts"] = run["counts"]
        figures["workers_restarted"] = [n for n, p in stack.procs.items() if p.poll() is not None]
        assert figures["workers_restarted"] == [], "every process survived the broker restart"
    state = snapshot(pg_url)
    figures.update(articles=len(state["articles"]), total_s=round(time.monotonic() - started, 1))
    print("FIGURES", figures)
    assert_same_as_undisturbed(state, reference)
