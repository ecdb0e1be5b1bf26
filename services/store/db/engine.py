"""Engine and sessions for the store's database (SQLite embedded, PostgreSQL deployed), and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or is not migrated; the message says which and how to fix it."""


def make_engine(url: str, statement_timeout_s: int | None = None) -> Engine:
    """The engine for `url`. With `statement_timeout_s` (a worker's), PostgreSQL cancels a statement that
    runs longer: a worker whose pool cannot kill a stuck task (threads) still gets its slot back."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # hide_parameters: an error's text (logs, dead letters) never carries the values, an article's text
    engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5}, hide_parameters=True)
    settings = ["SET plan_cache_mode = force_custom_plan"]
    if statement_timeout_s:
        settings.append(f"SET statement_timeout = {int(statement_timeout_s) * 1000}")
    event.listen(engine, "connect", lambda dbapi_conn, _record: _postgres_session(dbapi_conn, settings))
    return engine


def _postgres_session(dbapi_conn: Any, settings: list[str]) -> None:
    # Each new connection's session settings (and a worker's statement timeout). The plans: psycopg
    # prepares a statement run five times; PostgreSQL then settles on one generic plan for it and keeps it
    # until the table is analyzed again. The store's tables start empty and grow fast (a crawl of a new
    # site, a backfill), so a plan chosen on a near-empty table (a sequential scan) outlived its table's
    # growth: the article lookup by URL or text hash took 3 ms at 4,000 articles, where autovacuum had not
    # run. Each execution is planned for the table as it is (tens of microseconds), and still parsed once.
    with dbapi_conn.cursor() as cur:
        for statement in settings:
            cur.execute(statement)
    dbapi_conn.commit()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself, so writers take the lock up front (see below).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL never corrupts the database; a power cut may lose the last commits, which the
    # page archive and the sweeper can redo.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # One writer at a time: a deferred transaction that later writes can deadlock under WAL.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits at the end of the block, or rolls back on error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # imported on use: half a second of every CLI command's start-up

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    from alembic import command

    try:
        command.upgrade(alembic_config(url), revision)
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot migrate {safe_url(url)}: {one_line(exc.orig)}") from exc


def schema_revision(url: str) -> str | None:
    """The migration the database's schema is at; None when it has no schema yet."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot reach the database {safe_url(url)}: {one_line(exc.orig)}") from exc
    finally:
        engine.dispose()


def check_ready(engine: Engine) -> None:
    """Fail with a clear message when the database is unreachable or has no schema yet."""
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot reach the database {safe_url(str(engine.url))}: {one_line(exc.orig)}"
        ) from exc
    if "agreement" not in tables:
        raise DatabaseUnavailable(
            f"the database {safe_url(str(engine.url))} has no schema yet: run `fm6ss migrate`"
        )


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def one_line(error: object) -> str:
    return " ".join(str(error).split())
