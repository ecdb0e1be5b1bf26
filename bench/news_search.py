"""What resolving news-search items costs the crawler: the shared prefilter (built once a process, then
one check a title) and Google News decoding through the polite transport, against the local aggregator
of the tests (tests/fixtures/aggregators.py), so the figures are the crawler's own work, not Google's.

    .venv/bin/python bench/news_search.py [--items 200]

Printed: the prefilter's build time and the memory it adds, its time a title; items decoded a second
with no host delay (one item-page GET each and one batchexecute POST a batch of 10), the requests sent,
and a second discovery of the same items (answered from the remembered URLs, no request).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.bus.settings import Settings
from services.crawler import bootstrap
from services.crawler.links import Link
from services.crawler.newssearch import resolve_links
from services.crawler.settings import CrawlerSettings
from tests.fixtures.aggregators import Aggregator, Item, serve

TITLES = (
    "La FM6SS signe une convention avec un laboratoire - Le Matin",
    "مؤسسة محمد السادس للعلوم والصحة توقع اتفاقية شراكة - هسبريس",
    "Le prix du blé recule sur les marchés mondiaux - Le Quotidien",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200)
    args = parser.parse_args()

    from services.bus.prefilter import packaged

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    prefilter = packaged()
    prefilter.may_concern_family("warm")
    built = time.perf_counter() - start
    added = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    titles = TITLES * 2000
    start = time.perf_counter()
    passed = sum(prefilter.may_concern_family(t) for t in titles)
    per_title = (time.perf_counter() - start) / len(titles)
    print(f"prefilter: built in {built * 1000:.0f} ms (+{added:.1f} MB peak RSS)")
    print(f"           {per_title * 1e6:.1f} µs a title")
    print(f"           {passed} of {len(titles)} titles pass")

    items = [
        Item(
            f"CBMiQmVuY2g{i:06d}",
            f"La FM6SS signe la convention n° {i} - Le Matin",
            f"https://news.example/a/{i}",
        )
        for i in range(args.items)
    ]
    with serve(Aggregator(items, [])) as aggregator:
        crawler = CrawlerSettings(
            allow_hosts="127.0.0.1", default_delay_s=0, google_news_url=aggregator.base_url
        )
        deps = bootstrap.build(crawler, Settings(broker_url=None))
        links = [Link(url=f"https://news.google.com/rss/articles/{i.id}?oc=5", title=i.title) for i in items]
        start = time.perf_counter()
        first = resolve_links(links, deps)
        took = time.perf_counter() - start
        sent = len(aggregator.log)
        start = time.perf_counter()
        second = resolve_links(links, deps)
        again = time.perf_counter() - start
        deps.close()
    assert len(first.links) == len(second.links) == args.items and not first.unresolved
    print(
        f"decoding: {args.items} items in {took:.2f} s ({args.items / took:.0f} items/s, no host delay), "
        f"{sent} requests ({sent / args.items:.2f} an item)"
    )
    print(f"again:    {args.items} items in {again * 1000:.1f} ms, {len(aggregator.log) - sent} requests")


if __name__ == "__main__":
    main()
