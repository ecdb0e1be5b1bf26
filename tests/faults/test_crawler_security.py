"""The crawler's SSRF guard and credential hygiene, proven on real worker processes.

Real servers on loopback: an allowed site and a second allowed host (each allow-listed by exact host:port)
and canaries that are not allow-listed and count every connection. The site's feeds link, directly and
through redirects (301/302/307/308, chains), to loopback under every spelling, private and metadata
addresses and other schemes; credentials (userinfo in the source and page URLs) and the site's cookies
must never reach another host. One `fm6ss worker` per queue on PostgreSQL and a private redis-server.
"""

from __future__ import annotations

import base64
import socket
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from services.bus.urls import canonical_url
from services.store.db.engine import make_engine
from tests.faults.conftest import RedisServer, run_of, running_stack, settle
from tests.fixtures.traps import Reply, Request, TrapServer, article, feed, html, redirect, rss

pytestmark = pytest.mark.faults

USER, PASSWORD = "reader", "s3cret-Pa55"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
COOKIE = "session=site-only-7f3a; Path=/; HttpOnly"
ARTICLES = {
    "fr": (
        "Une convention pour la formation des sages-femmes à Rabat",
        [
            "La Fondation Mohammed VI des Sciences et de la Santé a signé mardi à Rabat une convention de "
            "coopération avec un institut de formation paramédicale pour renforcer les stages cliniques.",
            "Le texte prévoit des ateliers de simulation, un tutorat partagé et un suivi annuel des "
            "promotions, ainsi qu'un comité mixte chargé d'évaluer les résultats chaque semestre.",
        ],
    ),
    "ar": (
        "اتفاقية لتطوير البحث في الصحة الرقمية بالدار البيضاء",
        [
            "وقعت مؤسسة محمد السادس للعلوم والصحة يوم الخميس بالدار البيضاء اتفاقية تعاون مع مختبر "
            "جامعي لتطوير أدوات الصحة الرقمية وتكوين الباحثين الشباب في تحليل المعطيات الطبية.",
            "وتنص الاتفاقية على تبادل الخبرات وتنظيم دورات تكوينية مشتركة وإحداث لجنة للتتبع "
            "تجتمع مرتين في السنة لتقييم التقدم المحرز.",
        ],
    ),
    "en": (
        "A memorandum on rural telemedicine signed in Marrakech",
        [
            "The Mohammed VI Foundation of Sciences and Health signed a memorandum of understanding with a "
            "regional health network in Marrakech on Wednesday to extend remote consultations.",
            "The partners will train nurses on connected equipment, share anonymised statistics and "
            "review the programme every year with the local health authorities.",
        ],
    ),
    "moved": (
        "Mobile screening units reach mountain villages",
        [
            "Two mobile screening units run by the Mohammed VI University of Health Sciences started "
            "touring mountain villages this month, offering free checks for diabetes and hypertension.",
            "Volunteers from the nursing school keep records on tablets and refer patients who need "
            "further care to the nearest provincial centre within a week.",
        ],
    ),
    "kept": (
        "Une nouvelle bibliothèque médicale ouvre ses portes aux étudiants",
        [
            "La bibliothèque de l'Université Mohammed VI des Sciences de la Santé a rouvert ses salles "
            "après des travaux d'agrandissement, avec deux cents places de lecture.",
            "Les étudiants de toutes les filières de santé peuvent désormais y consulter des revues "
            "spécialisées et réserver des salles de travail en groupe jusqu'à vingt-deux heures.",
        ],
    ),
    "handoff": (
        "حملة للكشف المبكر عن أمراض العيون في المدارس",
        [
            "أطلقت جامعة محمد السادس لعلوم الصحة هذا الأسبوع حملة للكشف المبكر عن أمراض العيون "
            "لفائدة تلاميذ المدارس الابتدائية في عدد من الأحياء الشعبية.",
            "ويشارك في الحملة أطباء وطلبة متطوعون يقدمون فحوصات مجانية ونظارات طبية للأطفال "
            "الذين يحتاجون إليها مع تتبع حالاتهم خلال السنة الدراسية.",
        ],
    ),
    "second": (
        "Blood donation drive gathers hundreds of students",
        [
            "A blood donation drive organised at the Mohammed VI University of Health Sciences last "
            "weekend gathered several hundred students and staff, well above previous years.",
            "The regional transfusion centre thanked the volunteers and announced a second session "
            "before the summer holidays to keep hospital reserves at a safe level.",
        ],
    ),
}
STATUSES = (301, 302, 307, 308)
PRIVATE_PATHS = ("feed.xml", "source-moved.xml", "moved.html", "kept.html", "kept-final.html", "handoff.html")


@dataclass
class Traps:
    site: TrapServer  # allowed
    second: TrapServer  # allowed, another host
    canary: TrapServer  # 127.0.0.1, not allowed
    canary6: TrapServer | None  # [::1], not allowed

    @property
    def canaries(self) -> list[TrapServer]:
        return [c for c in (self.canary, self.canary6) if c is not None]


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@contextmanager
def trap_servers() -> Iterator[Traps]:
    with ExitStack() as stack:
        traps = Traps(
            site=stack.enter_context(TrapServer("127.0.0.1")),
            second=stack.enter_context(TrapServer("127.0.0.2")),
            canary=stack.enter_context(TrapServer("127.0.0.1", fallback=html("canary"))),
            canary6=stack.enter_context(TrapServer("::1", fallback=html("canary")))
            if ipv6_loopback()
            else None,
        )
        yield traps


def forbidden_targets(t: Traps, tag: str) -> dict[str, str]:
    """Where the traps point (`tag` tells paths apart): each must be refused before a socket reaches it."""
    c = t.canary.port
    ipv6 = t.canary6.authority if t.canary6 else f"[::1]:{c}"
    targets = {
        "canary": f"http://127.0.0.1:{c}/",
        "canary-https": f"https://127.0.0.1:{c}/",
        "scheme-relative": f"//127.0.0.1:{c}/",
        "localhost": f"http://localhost:{c}/",  # a name: refused once resolved
        "metadata": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "metadata-oci": "http://192.0.0.192/opc/v2/instance/",
        "ten": "http://10.0.0.1/",
        "home-router": "http://192.168.1.1/",
        "ipv6-loopback": f"http://{ipv6}/",
        "zero": f"http://0.0.0.0:{c}/",
        "decimal": f"http://2130706433:{c}/",
        "hex": f"http://0x7f000001:{c}/",
        "octal": f"http://0177.0.0.1:{c}/",
        "short": f"http://127.1:{c}/",
        "mapped": f"http://[::ffff:127.0.0.1]:{c}/",
        "sixtofour": f"http://[2002:7f00:1::]:{c}/",
        "userinfo-trick": f"http://127.0.0.1:{t.site.port}@127.0.0.1:{c}/",
        "ftp": f"ftp://127.0.0.1:{c}/",
        "gopher": f"gopher://127.0.0.1:{c}/_GET%20/",
    }
    targets = {name: f"{url}{tag}-{name}" for name, url in targets.items()}
    return targets | {"file": "file:///etc/passwd", "javascript": "javascript:alert(document.cookie)"}


# What refuses each redirect trap when it is not the guard's address check (reason, words of the detail):
# the guard's scheme check, or httpx, which reads every 3xx's Location and cannot make a request of these.
REDIRECT_REFUSALS = {
    **{scheme: ("ssrf_blocked", "is not http(s)") for scheme in ("ftp", "gopher", "file")},
    "javascript": ("bad_redirect", "Location not followed"),  # no host: httpx cannot make it a request
    "octal": ("bad_redirect", "Invalid IPv4 address"),  # httpx refuses leading zeros in an IPv4 host
}


def _with_auth(reply: Reply) -> Reply:
    return replace(reply, needs_auth=BASIC)


def build_routes(t: Traps) -> dict[str, Any]:
    """Every route of the two allowed servers; returns the sources and what the test expects of each link."""
    site, second = t.site, t.second
    site.routes["/robots.txt"] = second.routes["/robots.txt"] = html("User-agent: *\nAllow: /\n")
    refused, direct = trap_routes(t)
    keys = ("fr", "ar", "en")
    articles = [site.url(f"/articles/{key}.html") for key in keys]
    for key in keys:
        title, paragraphs = ARTICLES[key]
        site.routes[f"/articles/{key}.html"] = html(article(title, paragraphs, key), cookie=COOKIE)
    links = refused + articles + list(direct.values())
    titles = {url: ARTICLES[key][0] for url, key in zip(articles, keys, strict=True)}
    site.routes["/feed.xml"] = rss(feed("Pièges", links, titles), cookie=COOKIE)
    private = credential_routes(t)
    landing = second.url("/landing/second.html")
    second.routes["/feed.xml"] = rss(feed("Second", [landing], {landing: ARTICLES["second"][0]}))
    title, paragraphs = ARTICLES["second"]
    second.routes["/landing/second.html"] = html(article(title, paragraphs, "en"))
    # a source that redirects to a canary
    site.routes["/go/source-trap"] = redirect(307, f"http://localhost:{t.canary.port}/feed.xml")
    creds = f"{USER}:{PASSWORD}@{site.authority}"
    return {
        "feed_links": len(links) + len(private) + 1,  # the traps, private and second feeds
        "refused": refused,
        "direct": direct,
        "stored": [*articles, *private, landing],
        "sources": {
            "traps": site.url("/feed.xml"),
            "private": f"http://{creds}/private/feed.xml",
            "moved": f"http://{creds}/private/source-moved.xml",  # its feed moved to the second host
            "source-trap": site.url("/go/source-trap"),
            "source-canary": f"http://2130706433:{t.canary.port}/feed.xml",
        },
    }


def trap_routes(t: Traps) -> tuple[list[str], dict[str, str]]:
    """The site's redirect traps, and the forbidden URLs its feed gives directly as pages."""
    site, second = t.site, t.second
    traps = forbidden_targets(t, "redirected")
    for n, (name, target) in enumerate(traps.items()):
        site.routes[f"/go/{name}"] = redirect(STATUSES[n % len(STATUSES)], target)
    # a chain of allowed hops (same host, then the second host) that ends on a forbidden one
    site.routes["/chain/1"] = redirect(302, "/chain/2")
    site.routes["/chain/2"] = redirect(307, second.url("/chain/3"))
    second.routes["/chain/3"] = redirect(308, traps["canary"])
    refused = [site.url(f"/go/{name}") for name in traps] + [site.url("/chain/1")]
    # a feed's link is read against the feed's URL, so a scheme-relative one is the same as "canary"
    direct = {n: url for n, url in forbidden_targets(t, "direct").items() if n != "scheme-relative"}
    return refused, direct


def credential_routes(t: Traps) -> list[str]:
    """The private feed and its pages, whose URLs carry userinfo; returns the pages' URLs.

    A redirect to the second host must drop the credentials, even when the site's Location hands them on.
    """
    site, second = t.site, t.second
    creds = f"{USER}:{PASSWORD}@{site.authority}"
    private = [f"http://{creds}/private/{key}.html" for key in ("moved", "kept", "handoff")]
    titles = {url: ARTICLES[url.rsplit("/", 1)[-1].removesuffix(".html")][0] for url in private}
    site.routes["/private/feed.xml"] = rss(feed("Privé", private, titles), COOKIE, BASIC)
    site.routes["/private/source-moved.xml"] = _with_auth(redirect(308, second.url("/feed.xml")))
    site.routes["/private/moved.html"] = _with_auth(redirect(302, second.url("/landing/moved.html")))
    handoff = f"http://{USER}:{PASSWORD}@{second.authority}/landing/handoff.html"
    site.routes["/private/handoff.html"] = _with_auth(redirect(307, handoff))
    site.routes["/private/kept.html"] = _with_auth(redirect(301, "/private/kept-final.html"))
    title, paragraphs = ARTICLES["kept"]
    site.routes["/private/kept-final.html"] = html(article(title, paragraphs, "fr"), COOKIE, BASIC)
    for key, lang in (("moved", "en"), ("handoff", "ar")):
        title, paragraphs = ARTICLES[key]
        second.routes[f"/landing/{key}.html"] = html(article(title, paragraphs, lang))
    return private


def rows(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def key_of(url: str) -> str | None:
    """The page key discovery gives a link; None when it drops the link (as `select` does on ValueError)."""
    try:
        return canonical_url(url)
    except ValueError:  # InvalidUrl, or an IPv6 host canonical_url cannot rebuild
        return None


@dataclass
class Crawl:
    """What one crawl of the traps left: rows in the store, the run's counters, what each server saw."""

    pages: dict[str, tuple[str, str | None, str | None]]  # canonical URL -> state, failure, detail
    sources: dict[str, str | None]  # name -> last error
    titles: list[str]
    dead_letters: list[tuple[Any, ...]]
    counts: dict[str, int]
    exits: dict[str, int | None]  # each process's exit status just before the stack stopped
    logs: list[str]  # the workers'
    canaries: dict[str, tuple[int, int]]  # authority -> connections, requests
    site: list[Request]
    second: list[Request]
    seconds: float


def crawl(t: Traps, plan: dict[str, Any], db_url: str, broker: RedisServer, tmp: Path) -> Crawl:
    began = time.monotonic()
    # default task time limits: a cold parser's first import of SciPy can take over 8 s on a busy machine
    extra = {
        "FM6SS_CRAWLER_ALLOW_HOSTS": f"{t.site.authority},{t.second.authority}",
        "FM6SS_CRAWLER_CONNECT_TIMEOUT_S": "2",
    }
    with running_stack(db_url, broker.url, tmp, extra) as stack:
        with stack.client() as api:
            for name, url in plan["sources"].items():
                spec = {"name": name, "kind": "rss", "url": url, "outlet": "Pièges", "delay_s": 0}
                assert api.put(f"/sources/{name}", json=spec).status_code == 200, name
            run_id = int(api.post("/recrawls", json={"all": True}).json()["run_id"])
        settle(stack, run_id, broker.client(), timeout=120)
        seconds = time.monotonic() - began
        exits = {name: proc.poll() for name, proc in stack.procs.items()}
        logs = [stack.tail(name, 100_000) for name in stack.procs if name.startswith("worker")]
        counts = run_of(stack, run_id)["counts"]
    pages = rows(db_url, "SELECT canonical_url, state, failure, failure_detail FROM page")
    return Crawl(
        pages={r[0]: (r[1], r[2], r[3]) for r in pages},
        sources=dict(rows(db_url, "SELECT name, last_error FROM source")),
        titles=sorted(r[0] for r in rows(db_url, "SELECT title FROM article")),
        dead_letters=rows(db_url, "SELECT task, error FROM dead_letter"),
        counts=counts,
        exits=exits,
        logs=logs,
        canaries={c.authority: (c.connections, len(c.requests)) for c in t.canaries},
        site=t.site.requests,
        second=t.second.requests,
        seconds=seconds,
    )


def redirect_refusals(plan: dict[str, Any], pages: dict[str, Any]) -> tuple[Counter[str], Counter[str]]:
    """Each redirect trap's page, refused as expected: counted by trap kind and by recorded reason."""
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    wrong = {}
    for url in plan["refused"]:
        state, failure, detail = pages.get(canonical_url(url)) or (None, None, None)
        reason, words = REDIRECT_REFUSALS.get(url.rsplit("/", 1)[-1], ("ssrf_blocked", "non-public address"))
        if (state, failure) != ("failed", reason) or words not in (detail or ""):
            wrong[url] = (state, failure, detail)
        kinds[f"redirect:{reason}:{words}"] += 1
        reasons[str(failure)] += 1
    assert not wrong, wrong
    return kinds, reasons


def direct_refusals(plan: dict[str, Any], pages: dict[str, Any]) -> tuple[int, list[str]]:
    """Forbidden page URLs in a feed: refused on fetch, or never queued when discovery cannot read them."""
    refused, dropped = 0, []
    for name, url in plan["direct"].items():
        key = key_of(url)
        if key is None:
            assert not any(f"direct-{name}" in k for k in pages), (url, sorted(pages))
            dropped.append(name)
            continue
        state, failure, detail = pages[key]
        assert (state, failure) == ("failed", "ssrf_blocked"), (url, state, failure, detail)
        assert "non-public address" in detail, (url, detail)
        refused += 1
    return refused, dropped


def credential_leaks(c: Crawl, second_authority: str) -> list[Request]:
    """Requests to the second host that carry anything of the site's credentials or cookies."""
    return [
        r
        for r in c.second
        if {"authorization", "proxy-authorization", "cookie"} & set(r.headers)
        or r.headers.get("host") != second_authority
        or USER in r.path
        or PASSWORD in r.path
    ]


def test_forbidden_targets_are_refused_and_credentials_stay_home(
    pg_url: str, broker: RedisServer, tmp_path: Path
) -> None:
    with trap_servers() as t:
        plan = build_routes(t)
        c = crawl(t, plan, pg_url, broker, tmp_path)
        second_authority = t.second.authority

    # 1. no canary ever saw a connection, let alone a request
    assert all(seen == (0, 0) for seen in c.canaries.values()), c.canaries

    # 2. every redirect trap (and the chain) is recorded once with the reason that refused it
    kinds, reasons = redirect_refusals(plan, c.pages)
    # 3. so is every forbidden page URL given directly, unless discovery could not read it as a URL
    direct, dropped = direct_refusals(plan, c.pages)
    kinds["direct:ssrf_blocked:non-public address"] = direct
    reasons["ssrf_blocked"] += direct
    failed = {
        k.removeprefix("pages_failed:"): v for k, v in c.counts.items() if k.startswith("pages_failed:")
    }
    assert failed == dict(reasons), (failed, reasons)

    # 4. the allowed pages were fetched, parsed and stored, and nothing else was queued
    for url in plan["stored"]:
        assert c.pages[canonical_url(url)][0] == "done", (url, c.pages[canonical_url(url)])
    assert c.titles == sorted(title for title, _ in ARTICLES.values()), c.titles
    assert len(c.pages) == len(plan["refused"]) + direct + len(plan["stored"]), sorted(c.pages)

    # 5. sources: refused the same way, the reason kept on the source and counted by the run
    assert {n for n, e in c.sources.items() if e} == {"source-trap", "source-canary"}, c.sources
    assert all(str(c.sources[n]).startswith("ssrf_blocked: ") for n in ("source-trap", "source-canary"))
    assert c.counts.get("sources_failed:ssrf_blocked") == 2, c.counts

    # 6. credentials went to the site where its URLs carried them, never to the second host; no cookie ever
    with_auth = {r.path for r in c.site if r.headers.get("authorization") == BASIC}
    assert with_auth == {f"/private/{p}" for p in PRIVATE_PATHS}, with_auth
    assert all("authorization" not in r.headers for r in c.site if not r.path.startswith("/private/"))
    assert not [r for r in c.site + c.second if "cookie" in r.headers]
    leaked = credential_leaks(c, second_authority)
    assert not leaked, leaked
    reached = {r.path for r in c.second}
    assert reached >= {"/feed.xml", "/chain/3", "/landing/moved.html", "/landing/handoff.html"}, reached

    # 7. no worker died, nothing ended as a dead letter
    assert all(code is None for code in c.exits.values()), c.exits
    assert not any("WorkerLostError" in log or "exited with" in log for log in c.logs)
    assert c.dead_letters == [], c.dead_letters

    print(
        "FIGURES",
        {
            "links_in_feeds": plan["feed_links"],
            "sources": len(plan["sources"]),
            "redirect_traps": len(plan["refused"]),
            "direct_forbidden": len(plan["direct"]),
            "refused": dict(kinds),
            "dropped_at_discovery": dropped,
            "sources_refused": c.counts.get("sources_failed:ssrf_blocked"),
            "pages_stored": len(plan["stored"]),
            "articles": len(c.titles),
            "canaries": len(c.canaries),
            "canary_connections": sum(n for n, _ in c.canaries.values()),
            "canary_requests": sum(n for _, n in c.canaries.values()),
            "second_host_requests": len(c.second),
            "credentials_on_second_host": len(leaked),
            "site_requests_with_credentials": len(with_auth),
            "crawl_s": round(c.seconds, 1),
            "counts": {k: v for k, v in sorted(c.counts.items()) if "failed" in k or k.startswith("pages_")},
        },
    )
