"""The store's PostgreSQL connections: each statement planned for its table as it is now."""

from __future__ import annotations

import pytest

from tests.conftest import engine

pytestmark = pytest.mark.integration


def test_every_pooled_connection_plans_for_the_table_as_it_is(pg_url):
    store = engine(pg_url)
    for _ in range(2):  # a connection back from the pool (rolled back on return) keeps the setting
        with store.connect() as conn:
            assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one() == "force_custom_plan"
            # the URL's own options (the test schema's search path) are kept
            assert conn.exec_driver_sql("SHOW search_path").scalar_one().startswith("t_")
            conn.rollback()


def test_a_workers_engine_cancels_a_statement_that_outlasts_its_limit(pg_url):
    """A store worker in threads cannot have a stuck task killed: PostgreSQL ends the statement instead,
    with an error the task retries, and the connection serves the next statement."""
    import sqlalchemy as sa

    from services.store.db.engine import make_engine

    worker = make_engine(pg_url, statement_timeout_s=1)
    try:
        with worker.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "1s"
            with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
                conn.exec_driver_sql("SELECT pg_sleep(3)")
            conn.rollback()
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
        with engine(pg_url).connect() as conn:  # the CLI's and the API's engines have no such limit
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "0"
    finally:
        worker.dispose()
