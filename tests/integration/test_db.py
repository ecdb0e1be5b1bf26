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
