"""The whole system in separate processes: a crawl of the fixture site triggered through the API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from services.bus.urls import canonical_url
from tests.e2e.conftest import Stack, wait_until
from tests.fixtures.site import MANIFEST, FixtureSite, serve, source_specs

pytestmark = pytest.mark.e2e


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with serve(slow_delay=4) as running:
        yield running


def finished(stack: Stack, run_id: int) -> dict:
    with stack.client() as api:
        return wait_until(
            lambda: (r := api.get(f"/crawl-runs/{run_id}").json())["status"] == "finished" and r,
            240,
            f"crawl run {run_id} to finish",
        )


def test_crawl_through_workers_and_api(stack: Stack, site: FixtureSite):
    with stack.client() as api:
        for spec in source_specs(site):
            assert api.put(f"/sources/{spec.name}", json=spec.model_dump()).status_code == 200
        first = api.post("/recrawls", json={"all": True}).json()["run_id"]
        run = finished(stack, first)
        check_first_crawl(api, site, run)
        seq = api.get("/changes").json()["next_after"]

        second = api.post("/recrawls", json={"all": True}).json()["run_id"]
        again = finished(stack, second)
        assert second != first and again["trigger"] == "operator"
        assert again["counts"].get("pages_fetched", 0) == 0, again["counts"]
        assert api.get("/changes").json()["next_after"] == seq
        assert len(api.get("/agreements", params={"limit": 100}).json()["items"]) == 5


def check_first_crawl(api: httpx.Client, site: FixtureSite, run: dict) -> None:
    """What the first crawl of the fixture site leaves, whatever the archive (see test_pipeline_s3.py)."""
    rows = api.get("/agreements", params={"limit": 100}).json()["items"]
    assert len(rows) == 5, [(a["parties"], a["sources"]) for a in rows]
    plasma = next(a for a in rows if len(a["parties"]) == 3)
    assert plasma["signed_on"] == "2025-04-11" and len(plasma["sources"]) == 3
    signed = {s["name"] for s in plasma["signatories"]}
    assert {"Amine Tehraoui", "Lahcen Belyamani", "Kamal Doghmi"} <= signed
    astra = [a for a in rows if any(p["key"] == "astrazeneca" for p in a["parties"])]
    assert sorted(len(a["sources"]) for a in astra) == [1, 2]
    listed = api.get("/articles", params={"relevant": False, "limit": 200}).json()["items"]
    irrelevant = {a["canonical_url"] for a in listed}
    for near_miss in (
        "qr-fmpe-agadir",
        "sabah-fm5-solidarite",
        "ampt-um6ss-diplomes",
        "sabah-congres-urgences",
    ):
        assert canonical_url(site.url(near_miss)) in irrelevant, near_miss
    assert not site.was_requested(MANIFEST["qr-private-draft"].path)
    reasons = {f["reason"] for f in run["failures"]}
    assert {"robots_disallowed", "http_404", "redirect_loop", "too_large"} <= reasons, reasons
