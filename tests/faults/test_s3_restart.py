"""The S3 archive's server killed mid-crawl and started again on the same data and ports: the workers
(each with a data folder of its own, nothing local in common) retry the bodies they could not write or
read, and the crawl ends as an undisturbed crawl on the file archive does: nothing lost, nothing recorded
as missing, no dead letter."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import wait_until
from tests.faults.conftest import FAULT_ENV, RedisServer, run_of, running_stack, settle, snapshot, start_crawl
from tests.faults.test_worker_kill import assert_same_as_undisturbed
from tests.fixtures.site import FixtureSite
from tests.seaweed import Seaweed

pytestmark = pytest.mark.faults

# Retries that outlast the outage: the fetch of a body the archive refused is tried again up to 6 times
# over at least 27 s (half of each backoff step is fixed), the parse of one it could not read likewise.
S3_FAULT_ENV = FAULT_ENV | {
    "FM6SS_TASK_MAX_RETRIES": "6",
    "FM6SS_CRAWLER_RETRY_BASE_S": "2",
    "FM6SS_CRAWLER_RETRY_MAX_S": "8",
}


def test_s3_server_killed_and_restarted_mid_crawl(
    pg_url: str, broker: RedisServer, site: FixtureSite, tmp_path: Path, reference: dict[str, Any]
):
    started = time.monotonic()
    server = Seaweed(tmp_path / "seaweed")
    figures: dict[str, Any] = {}
    try:
        server.start()
        server.create_bucket("fm6ss-fault")
        env = S3_FAULT_ENV | server.env("fm6ss-fault", "archive")
        with running_stack(pg_url, broker.url, tmp_path, env, apart=True) as stack:
            run_id = start_crawl(stack, site)

            def mid_run() -> bool:
                c = run_of(stack, run_id)["counts"]
                return bool(c.get("sources_done") == c["sources_queued"] and c.get("pages_fetched", 0) >= 3)

            wait_until(mid_run, 90, "the run to be mid-way", interval=0.05)
            server.stop(9)  # SIGKILL: no graceful shutdown
            killed_at = time.monotonic()
            figures["counts_at_kill"] = run_of(stack, run_id)["counts"]
            time.sleep(5)
            figures["down_s"] = round(time.monotonic() - killed_at, 1)
            server.start()  # same folder, same ports
            figures["back_after_s"] = round(time.monotonic() - killed_at, 1)
            run = settle(stack, run_id, broker.client(), timeout=240)
            figures["recovery_s"] = round(time.monotonic() - killed_at, 1)
            figures["counts"] = run["counts"]
            logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "logs").glob("*.log"))
            figures["archive_retries_logged"] = logs.count("archive_unavailable") + logs.count(
                "archive unavailable"
            )
            assert [n for n, p in stack.procs.items() if p.poll() is not None] == []
    finally:
        server.stop()
    state = snapshot(pg_url)
    figures.update(articles=len(state["articles"]), total_s=round(time.monotonic() - started, 1))
    print("FIGURES", figures)
    assert figures["archive_retries_logged"] > 0, "the outage was seen by the workers"
    assert_same_as_undisturbed(state, reference)
    assert not [p for p in tmp_path.glob("data-*/**/*.gz")], "no body on a worker's own disk"
