"""How a crawl run ends: finished, or failed when it read nothing, and what happens to the commands of a
run that the broker never took (recorded failed with the reason, never left running, never re-sent)."""

from __future__ import annotations

from datetime import timedelta

from services.bus.messages import DiscoveredUrl, SourceSpec, UrlsDiscovered
from services.store.crawl.runs import run_out
from services.store.crawl.scheduling import record_unsent, start_recrawl, sweep
from services.store.crawl.sources import save_sources
from services.store.crawl.urls import RefetchPolicy, record_urls
from tests.unit.store.fakes import FakeUnitOfWork

REASON = "cannot reach the broker at redis://127.0.0.1:1/0 (Connection refused)"


def with_sources(*names: str) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    save_sources(uow, [SourceSpec(name=n, kind="rss", url=f"https://{n}.ma/feed") for n in names])
    return uow


def test_a_run_whose_commands_were_not_sent_is_failed_with_the_reason_and_not_sent_later():
    uow = with_sources("news", "wire")
    run_id, outgoing = start_recrawl(uow, "operator", source=None)
    assert run_out(uow, uow.runs.get(run_id)).status == "running"
    record_unsent(uow, outgoing, REASON)
    run = run_out(uow, uow.runs.get(run_id))
    assert run.status == "failed"
    assert run.counts["sources_failed:not_sent"] == 2 and run.counts["sources_done"] == 2
    assert uow.sources.get("news").last_error == f"not_sent: {REASON}"
    assert sweep(uow, timedelta(0)) == []  # the sweeper does not send them once the broker is back


def test_an_operators_page_that_was_not_sent_fails_its_run():
    uow = FakeUnitOfWork()
    run_id, outgoing = start_recrawl(uow, "operator", url="https://news.ma/a")
    record_unsent(uow, outgoing, REASON)
    run = run_out(uow, uow.runs.get(run_id))
    assert run.status == "failed" and run.in_flight == 0
    assert [(f.url, f.reason, f.detail) for f in run.failures] == [("https://news.ma/a", "not_sent", REASON)]
    assert sweep(uow, timedelta(0)) == []


def test_a_run_is_failed_only_when_every_source_failed():
    uow = with_sources("news", "wire")
    run_id, _ = start_recrawl(uow, "cli")
    dns = UrlsDiscovered(source="news", run_id=run_id, error="dns_error: no such host")
    record_urls(uow, dns, RefetchPolicy())
    read = UrlsDiscovered(
        source="wire",
        run_id=run_id,
        urls=(DiscoveredUrl(url="https://wire.ma/a", found_as="https://wire.ma/a"),),
    )
    record_urls(uow, read, RefetchPolicy())
    uow.pages.by_key["https://wire.ma/a"].state = "done"
    assert run_out(uow, uow.runs.get(run_id)).status == "finished"

    uow = with_sources("news", "wire")
    run_id, _ = start_recrawl(uow, "cli")
    for name in ("news", "wire"):
        record_urls(uow, UrlsDiscovered(source=name, run_id=run_id, error="dns_error: x"), RefetchPolicy())
    assert run_out(uow, uow.runs.get(run_id)).status == "failed"
