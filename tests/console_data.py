"""Stores for the console's browser test and screenshots: the demo's crawl, then reports whose every
field a page author controls carries markup, stored through the store's own ingest (`ingest_article`,
as the store task does with what the parser sends)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx

from services.bus.messages import AgreementCandidate, ArticleParsed, Evidence, OrgRef, PersonRole
from services.store.db.engine import make_engine, transaction
from services.store.db.models import Organization
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.handler import ingest_article
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
FM6SS = str(Path(sys.executable).parent / "fm6ss")

# Each would set window.xss (or load an image) if it ran as markup; the test reads them back as text.
HOSTILE_TITLE = '<script>window.xss = "title"</script><img src="/x.png" onerror="window.xss=1"> headline'
HOSTILE_OUTLET = '<b onmouseover="window.xss=2">Outlet</b><script>window.xss = "outlet"</script>'
HOSTILE_PARTNER = '<img src="/y.png" onerror="window.xss=3">Zephyr "Labs" & Co'
HOSTILE_THEME = '<svg onload="window.xss=4">theme</svg>'
HOSTILE_SENTENCE = "<script>window.xss = 'sentence'</script> La convention a été signée."


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    # The demo and the console run embedded on their own data directory, whatever this shell points at.
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_") or k == "FM6SS_SHARED_DIR"}
    return {**env, "FM6SS_DATA_DIR": str(data_dir), **extra}


def run_demo(data_root: Path) -> Path:
    """`fm6ss demo` in a process of its own; the data directory of its store."""
    done = subprocess.run(
        [FM6SS, "demo"], env=_env(data_root), cwd=ROOT, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "console on this data: FM6SS_DATA_DIR=" in done.stderr, done.stderr[-2000:]
    return data_root / "demo"


def hostile_reports(family: OrgRef, count: int = 1) -> list[ArticleParsed]:
    """Reports whose headline, outlet, partner's name, theme and sentences are markup."""
    out = []
    for i in range(count):
        text = f"{HOSTILE_SENTENCE} {i}"
        partner = OrgRef(key=f"zephyr-labs-{i}", name=f"{HOSTILE_PARTNER} {i}", kind="company", country="MA")
        evidence = (
            Evidence(field="kind", value="convention", sentence=HOSTILE_SENTENCE, confidence=0.8),
            Evidence(field="theme", value=HOSTILE_THEME, sentence=HOSTILE_SENTENCE, confidence=0.7),
        )
        candidate = AgreementCandidate(
            parties=(family, partner),
            kind="convention",
            signed_on=date(2024, 11, 5 + i),
            signed_on_precision="day",
            place="Rabat",
            themes=(HOSTILE_THEME,),
            people=(PersonRole(name="<i>Nadia</i> Test", role="<b>directrice</b>", signed=True),),
            evidence=evidence,
        )
        out.append(
            ArticleParsed(
                url=f"https://outlet.example/xss/{i}",
                canonical_url=f"https://outlet.example/xss/{i}",
                archive_key="0" * 64,
                content_kind="text",
                outlet=HOSTILE_OUTLET,
                title=f"{HOSTILE_TITLE} {i}",
                published=date(2024, 11, 6 + i),
                lang="fr",
                text=text,
                text_hash=hashlib.sha256(text.encode()).hexdigest(),
                relevant=True,
                agreements=(candidate,),
                parser_version="console-test",
            )
        )
    return out


def add_hostile(data_dir: Path, count: int = 1) -> None:
    engine = make_engine(f"sqlite:///{data_dir / 'fm6ss.db'}")
    try:
        with transaction(engine) as session:
            uow = UnitOfWork(session)
            fm6ss = next(o for o in uow.organizations.listed("FM6SS", 0, 50) if o.family and o.acronym)
            family = _ref(fm6ss)
        for event in hostile_reports(family, count):
            with transaction(engine) as session:
                ingest_article(UnitOfWork(session, tally=True), event)
    finally:
        engine.dispose()


def _ref(org: Organization) -> OrgRef:
    return OrgRef(key=org.key, name=org.name, acronym=org.acronym, kind=org.kind, family=org.family)


@contextmanager
def serve_api(data_dir: Path, logs: Path, **env: str) -> Iterator[str]:
    """`fm6ss api` over the store of `data_dir`, in a process of its own; its base URL."""
    port = free_port()
    with logs.open("ab") as log:
        proc = subprocess.Popen(
            [FM6SS, "api", "--port", str(port)],
            env=_env(data_dir, **env),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"fm6ss api did not start: {logs.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
