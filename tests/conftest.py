"""Shared fixtures: databases (a fresh SQLite file, or a fresh PostgreSQL schema), paths, settings."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.store.db.engine import make_engine, migrate
from tests.seaweed import Seaweed
from tests.servers import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FM6SS_SHARED_DIR", ROOT.parent / "shared"))
PG_ADMIN_URL = POSTGRES_URL
TABLES = (
    "dead_letter",
    "relay_cursor",
    "manual_link",
    "run_count",
    "crawl_run",
    "page",
    "source",
    "source_check",
    "field_evidence",
    "agreement_person",
    "agreement_source",
    "agreement_party",
    "article_band",
    "rejection",
    "change",
    "agreement",
    "person",
    "article",
    "organization",
)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "seeds" / "gold.json").exists():
        pytest.fail(f"shared folder with seeds and eval not found at {SHARED} (set FM6SS_SHARED_DIR)")
    return SHARED


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "fm6ss.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "fm6ss.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A schema of its own for this test session, migrated once; dropped at the end."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required at {PG_ADMIN_URL} and is not reachable: {exc.orig}")
    url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    migrate(url)
    yield url
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_schema_url: str) -> str:
    """The session's schema, emptied before each test."""
    engine = make_engine(pg_schema_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return pg_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean FM6SS_* environment with the data folder under the test's tmp_path."""
    for key in list(os.environ):
        if (key.startswith("FM6SS_") and key != "FM6SS_SHARED_DIR") or key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("FM6SS_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


S3_BUCKET = "fm6ss-tests"


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    """A real S3 server (SeaweedFS) for the whole session, with the bucket `S3_BUCKET`; stopped by its
    own pid at the end. Its binary comes with the dev dependencies: without it the tests fail."""
    server = Seaweed(tmp_path_factory.mktemp("seaweed"))
    try:
        server.start()
        server.create_bucket(S3_BUCKET)
    except (RuntimeError, OSError) as exc:
        server.stop()
        pytest.fail(f"SeaweedFS is required for the S3 archive tests: {exc}")
    yield server
    server.stop()


@pytest.fixture
def s3_env(seaweed: Seaweed) -> dict[str, str]:
    """The variables of an S3 archive under a prefix of this test's own, in the session's bucket."""
    return seaweed.env(S3_BUCKET, f"t-{uuid.uuid4().hex[:10]}")


_ENGINES: dict[str, sa.engine.Engine] = {}


def engine(url: str) -> sa.engine.Engine:
    """One engine per URL for the whole test session, disposed at the end."""
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


@pytest.fixture(autouse=True)
def _dispose_engines() -> Iterator[None]:
    yield
    from services.store.bootstrap import dispose_all

    for e in _ENGINES.values():
        e.dispose()
    _ENGINES.clear()
    dispose_all()
