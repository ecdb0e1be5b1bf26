"""`fm6ss import --warc` with a broker: one parser task a file, read and stored by the workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Stack, wait_until
from tests.fixtures.warc_pages import OFF_TOPIC_ELSEWHERE, OFF_TOPIC_LISTED, SIGNINGS, write_warc

pytestmark = pytest.mark.e2e


def test_the_workers_share_the_files_and_store_their_agreements(stack: Stack, tmp_path: Path):
    # two files, as a month's would be: the French signing and the weather in one, the rest in the other
    first = write_warc(tmp_path / "a.warc.gz", (SIGNINGS[0], OFF_TOPIC_LISTED))
    second = write_warc(tmp_path / "b.warc.gz", (SIGNINGS[1], SIGNINGS[2], OFF_TOPIC_ELSEWHERE))
    sent = stack.run("import", "--warc", str(first), str(second), timeout=60)
    assert sent.returncode == 0, sent.stderr
    assert "queued 2 WARC file(s) for the parser workers" in sent.stderr
    with stack.client() as api:
        rows = wait_until(
            lambda: len(r := api.get("/agreements", params={"limit": 50}).json()["items"]) == 3 and r,
            120,
            "the three agreements",
        )
        urls = {s["url"] for a in rows for s in a["sources"]}
        assert urls == {p.url for p in SIGNINGS}
        stored = {a["url"] for a in api.get("/articles", params={"limit": 50}).json()["items"]}
        assert stored == {p.url for p in SIGNINGS}  # no host listed: the off-topic pages were left out
