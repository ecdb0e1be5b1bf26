"""The console's page times on a store of many agreements, served by a real `fm6ss api` process.

    python -m bench.console [--agreements 10000] [--requests 20] [--database-url URL] [--keep DIR]

The store is filled through the store's own ingest (`ingest_article`, one transaction a report, as the
store task runs it) with generated reports: FM6SS and two of its entities, 400 partners, a signing every
half day from 2012 on, themes, places, outlets in three languages, a signatory, the sentences behind each
field, and one agreement in ten reported twice. Then `fm6ss api` serves it (SQLite under a temporary data
directory, the embedded default, or the given PostgreSQL database), and each page is asked for
`--requests` times in a row over loopback after two warm-up requests. Prints one JSON line per page:
median, p95 and max milliseconds, and the bytes of the answer. The pictures are kept between requests
while the store does not change, so the last lines give what drawing them costs after a change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.bus.messages import AgreementCandidate, ArticleParsed, Evidence, OrgRef, PersonRole
from services.store.db.engine import make_engine, migrate, transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.handler import ingest_article
from tests.console_data import serve_api

FAMILY = (
    OrgRef(
        key="fm6ss", name="Fondation Mohammed VI des Sciences et de la Santé", acronym="FM6SS", family=True
    ),
    OrgRef(key="um6ss", name="Université Mohammed VI des Sciences de la Santé", acronym="UM6SS", family=True),
    OrgRef(
        key="chuim6", name="Hôpital universitaire international Mohammed VI", acronym="HUIM6", family=True
    ),
)
THEMES = ("training", "research", "oncology", "digital-health", "public-health", "vaccines", "simulation")
PLACES = ("Casablanca", "Rabat", "Marrakech", "Dakhla", "Paris", "Dakar")
KINDS = ("convention", "accord", "protocole", "memorandum", "partenariat")
OUTLETS = (("Le Quotidien d'exemple", "fr"), ("صحيفة المثال", "ar"), ("Example Wire", "en"))
PARTNERS = 400


def partner(n: int) -> OrgRef:
    return OrgRef(
        key=f"partner-{n}",
        name=f"Laboratoires Exemple {n}",
        acronym=f"LE{n}",
        aliases=(f"Exemple {n} SA", f"مختبرات المثال {n}"),
        kind="company",
        country="MA",
    )


def report(i: int, copy: int = 0) -> ArticleParsed:
    """The report of agreement `i` (`copy`: a second outlet's report of the same signing)."""
    rng = random.Random(i)
    family = FAMILY[0] if i % 4 else FAMILY[1 + (i // 4) % 2]
    other = partner(i % PARTNERS)
    signed = date(2012, 1, 1) + timedelta(days=i // 2)
    kind, place = rng.choice(KINDS), rng.choice(PLACES)
    themes = tuple(sorted(rng.sample(THEMES, 2)))
    sentence = f"{family.name} et {other.name} ont signé une {kind} à {place} le {signed:%d/%m/%Y}."
    outlet, lang = OUTLETS[(i + copy) % 3]
    text = f"{sentence} Rapport {i}-{copy}. " + " ".join(f"mot{rng.randrange(5000)}" for _ in range(120))
    candidate = AgreementCandidate(
        parties=(family, other),
        kind=kind,
        signed_on=signed,
        signed_on_precision="day",
        place=place,
        themes=themes,
        people=(PersonRole(name=f"Directrice {i % 97}", role="directrice générale", signed=True),),
        evidence=(
            Evidence(field="party", value=other.key, sentence=sentence, confidence=0.9),
            Evidence(field="kind", value=kind, sentence=sentence, confidence=0.8),
            Evidence(field="signed_on", value=signed.isoformat(), sentence=sentence, confidence=0.75),
            Evidence(field="place", value=place, sentence=sentence, confidence=0.85),
            *(Evidence(field="theme", value=t, sentence=sentence, confidence=0.7) for t in themes),
        ),
    )
    url = f"https://news{copy}.example/{signed:%Y/%m}/{i}"
    return ArticleParsed(
        url=url,
        canonical_url=url,
        archive_key="0" * 64,
        content_kind="text",
        outlet=outlet,
        title=f"{family.acronym} et {other.acronym} signent une {kind}",
        published=signed + timedelta(days=1),
        lang=lang,
        text=text,
        text_hash=hashlib.sha256(text.encode()).hexdigest(),
        relevant=True,
        agreements=(candidate,),
        parser_version="bench",
    )


def fill(url: str, agreements: int) -> dict[str, Any]:
    migrate(url)
    engine = make_engine(url)
    started = time.perf_counter()
    events = [report(i, c) for i in range(agreements) for c in ((0, 1) if i % 10 == 0 else (0,))]
    for event in events:
        with transaction(engine) as session:
            ingest_article(UnitOfWork(session, tally=True), event)
    with transaction(engine) as session:
        stored = UnitOfWork(session).feed.counts()
    engine.dispose()
    return {"reports": len(events), "fill_s": round(time.perf_counter() - started, 1), **stored}


def pages(base: str, client: httpx.Client, agreements: int) -> dict[str, str]:
    """The pages to time: each list, a later page of agreements, filters, and one of each record."""
    later = client.get(f"{base}/ui/agreements?limit=200").text
    cursor = later.split("cursor=")[1].split('"')[0]
    family = _org_id(client, base, "FM6SS")
    other = _org_id(client, base, "LE17")
    return {
        "agreements": "/ui/agreements",
        "agreements, page after 200": f"/ui/agreements?cursor={cursor}",
        "agreements, party filter": "/ui/agreements?party=LE17",
        "agreements, text and dates": "/ui/agreements?q=rabat&signed_from=2015-01-01&signed_to=2018-12-31",
        "agreement": f"/ui/agreements/{agreements // 2}",
        "organization, FM6SS": f"/ui/organizations/{family}",
        "organization, a partner": f"/ui/organizations/{other}",
        "organizations": "/ui/organizations",
        "articles": "/ui/articles",
        "article": f"/ui/articles/{agreements // 2}",
        "crawl runs": "/ui/runs",
        "sources": "/ui/sources",
    }


def _org_id(client: httpx.Client, base: str, acronym: str) -> int:
    found = client.get(f"{base}/organizations", params={"q": acronym, "limit": 50}).json()["items"]
    return int(next(o["id"] for o in found if o["acronym"] == acronym))


def time_pages(base: str, requests: int, agreements: int) -> list[dict[str, Any]]:
    out = []
    with httpx.Client(timeout=30) as client:
        for name, path in pages(base, client, agreements).items():
            for _ in range(2):
                client.get(base + path).raise_for_status()
            times, size = [], 0
            for _ in range(requests):
                started = time.perf_counter()
                answer = client.get(base + path)
                times.append((time.perf_counter() - started) * 1000)
                answer.raise_for_status()
                size = len(answer.content)
            times.sort()
            out.append(
                {
                    "page": name,
                    "median_ms": round(statistics.median(times), 1),
                    "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
                    "max_ms": round(times[-1], 1),
                    "bytes": size,
                }
            )
    return out


def drawing(url: str, requests: int) -> list[dict[str, Any]]:
    """What the pictures cost when the store has just changed (nothing kept): their queries and layout,
    in this process, on the same store."""
    from services.store.console import charts

    engine = make_engine(url)
    out = []
    with transaction(engine) as session:
        uow = UnitOfWork(session)
        family = next(o for o in uow.organizations.listed("FM6SS", 0, 50) if o.acronym == "FM6SS")
        cases = {
            "timeline, every agreement": lambda: charts.timeline(*uow.overview.signings_by_month({})),
            "timeline, FM6SS's": lambda: charts.timeline(
                *uow.overview.signings_by_month({"organization": family.id})
            ),
            "network query, every agreement": lambda: uow.overview.network({}, 40),
            "network layout (networkx)": lambda: charts.network(uow.overview.network({}, 40)),
        }
        for name, draw in cases.items():
            draw()
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                draw()
                times.append((time.perf_counter() - started) * 1000)
            out.append({"drawing": name, "median_ms": round(statistics.median(times), 1)})
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", help="an empty, writable PostgreSQL database (default: SQLite)")
    parser.add_argument(
        "--keep", type=Path, help="a data directory to fill and keep, or to time again if filled (SQLite)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fm6ss-console-bench-") as tmp:
        data = args.keep or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        url = args.database_url or f"sqlite:///{data / 'fm6ss.db'}"
        if args.keep and (data / "fm6ss.db").exists() and not args.database_url:
            print(json.dumps({"store": "sqlite", "reused": str(data)}), flush=True)
        else:
            print(json.dumps({"store": url.split(":")[0], **fill(url, args.agreements)}), flush=True)
        env = {"FM6SS_DATABASE_URL": args.database_url} if args.database_url else {}
        with serve_api(data, data / "api.log", **env) as base:
            for row in time_pages(base, args.requests, args.agreements):
                print(json.dumps(row), flush=True)
        for row in drawing(url, args.requests):
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
