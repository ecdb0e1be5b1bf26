"""Near-duplicate lookup time against 1k, 10k and 100k stored articles, and ingest/resolution throughput.

    uv run python bench/dedup.py [--sizes 1000,10000,100000] [--database-url URL] [--queries 300]

Stored articles get random MinHash signatures (unrelated texts) inserted in bulk; each query is a stored
signature with a quarter of its values changed (a near copy) or a fresh random one (a new text), looked up
exactly as ingest does: an index probe on (band, value), then Jaccard on the candidates' signatures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.bus.messages import MINHASH_PERMUTATIONS
from services.store.db.engine import make_engine, migrate, transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest import dedup

NUM_PERM = MINHASH_PERMUTATIONS
STAMP = datetime(2025, 1, 1, tzinfo=UTC)


def random_signature(rng: random.Random) -> tuple[int, ...]:
    return tuple(rng.getrandbits(32) for _ in range(NUM_PERM))


def fill(engine: sa.engine.Engine, start: int, count: int, rng: random.Random) -> list[tuple[int, ...]]:
    signatures = [random_signature(rng) for _ in range(count)]
    articles, bands = [], []
    for offset, sig in enumerate(signatures):
        article_id = start + offset + 1
        articles.append(
            {
                "id": article_id,
                "url": f"https://bench.example.org/{article_id}",
                "canonical_url": f"https://bench.example.org/{article_id}",
                "text": "x",
                "text_hash": f"{article_id:064x}",
                "minhash": dedup.pack(sig),
                "relevant": False,
                "archive_key": "0" * 64,
                "parser_version": "bench",
                "content_kind": "html",
                "hints": {},
                "first_seen": STAMP,
                "updated_at": STAMP,
            }
        )
        bands.extend({"article_id": article_id, "band": b, "value": v} for b, v in dedup.bands(sig))
    meta = sa.MetaData()
    meta.reflect(engine, only=["article", "article_band"])
    with engine.begin() as conn:
        for chunk in range(0, len(articles), 5000):
            conn.execute(meta.tables["article"].insert(), articles[chunk : chunk + 5000])
        for chunk in range(0, len(bands), 50000):
            conn.execute(meta.tables["article_band"].insert(), bands[chunk : chunk + 50000])
        if engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum would give a live system
            conn.execute(sa.text("ANALYZE article; ANALYZE article_band"))
    return signatures


def near_copy(sig: tuple[int, ...], rng: random.Random) -> tuple[int, ...]:
    changed = set(rng.sample(range(NUM_PERM), NUM_PERM // 4))
    return tuple(rng.getrandbits(32) if i in changed else v for i, v in enumerate(sig))


def lookup(uow: UnitOfWork, sig: tuple[int, ...]) -> int | None:
    best = None
    for candidate_id, packed in uow.articles.band_candidates(dedup.bands(sig), None):
        if dedup.jaccard_estimate(sig, dedup.unpack(packed)) >= dedup.NEAR_DUPLICATE_JACCARD:
            best = candidate_id
    return best


def measure(
    engine: sa.engine.Engine, stored: list[tuple[int, ...]], queries: int, rng: random.Random
) -> dict:
    times, found, near = [], 0, 0
    with transaction(engine) as session:
        uow = UnitOfWork(session)
        for i in range(queries):
            if i % 2 == 0:
                sig, near = near_copy(rng.choice(stored), rng), near + 1
            else:
                sig = random_signature(rng)
            t0 = time.perf_counter()
            hit = lookup(uow, sig)
            times.append(time.perf_counter() - t0)
            found += hit is not None and i % 2 == 0
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": sorted(times)[int(0.95 * len(times))] * 1000,
        "recall": found / near,
    }


def ingest_throughput(url: str, n: int) -> float:
    """Full ingest (dedup + resolution + merge + change rows) of synthetic relevant reports, per second."""
    from services.bus.messages import AgreementCandidate, ArticleParsed, OrgRef
    from services.parser.fingerprint import minhash_signature, text_hash
    from services.store.ingest.handler import ingest_article

    fm6ss = OrgRef(key="fm6ss", name="FM6SS", family=True)
    rng = random.Random(3)
    words = [f"mot{i}" for i in range(3000)]
    events = []
    for i in range(n):
        text = " ".join(rng.choice(words) for _ in range(250))
        partner = OrgRef(key=f"partner-{i % 50}", name=f"Partner {i % 50}")
        cand = AgreementCandidate(
            parties=(fm6ss, partner),
            kind="convention",
            themes=("training",),
            signed_on=date(2025, 1 + i % 12, 1 + i % 28),
            signed_on_precision="day",
        )
        events.append(
            ArticleParsed(
                url=f"https://t.example.org/{i}",
                canonical_url=f"https://t.example.org/{i}",
                archive_key="0" * 64,
                text=text,
                text_hash=text_hash(text),
                minhash=minhash_signature(text),
                relevant=True,
                agreements=(cand,),
                parser_version="bench",
                published=date(2025, 1 + i % 12, 2 + i % 27),
            )
        )
    engine = make_engine(url)
    t0 = time.perf_counter()
    for event in events:
        with transaction(engine) as session:
            ingest_article(UnitOfWork(session), event)
    rate = n / (time.perf_counter() - t0)
    engine.dispose()
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--database-url", help="default: a temporary SQLite file")
    ap.add_argument("--ingest", type=int, default=500, help="articles for the ingest throughput figure")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    migrate(url)
    engine = make_engine(url)
    rng = random.Random(7)
    stored: list[tuple[int, ...]] = []
    print("| stored articles | lookup median ms | lookup p95 ms | near-copy recall |")
    print("|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        stored += fill(engine, len(stored), size - len(stored), rng)
        r = measure(engine, stored, args.queries, rng)
        print(f"| {size:,} | {r['median_ms']:.2f} | {r['p95_ms']:.2f} | {r['recall']:.3f} |", flush=True)
    fresh = f"sqlite:///{tmp}/ingest.db" if not args.database_url else url
    if not args.database_url:
        migrate(fresh)
    else:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "TRUNCATE article, article_band, agreement, organization, change RESTART IDENTITY CASCADE"
                )
            )
    rate = ingest_throughput(fresh, args.ingest)
    print(f"\ningest with resolution: {rate:.0f} articles/s ({args.ingest} articles)")


if __name__ == "__main__":
    main()
