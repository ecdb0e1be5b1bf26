"""A store worker checks the database before its pool forks; its children must not share that connection."""

from __future__ import annotations

from celery.signals import worker_process_init

import services.store.tasks  # noqa: F401  (connects the pool children's handler)
from services.store.bootstrap import engine_for
from services.store.db.engine import check_ready


def test_a_pool_child_opens_its_own_connection_instead_of_its_parents(pg_url):
    engine = engine_for(pg_url)
    check_ready(engine)  # what `fm6ss worker --queues store` does before the pool forks
    inherited = engine.pool
    assert inherited.checkedin() == 1  # the parent's connection, which a forked child would inherit
    worker_process_init.send(sender=None)  # what Celery sends in each pool child after the fork
    assert engine.pool is not inherited and engine.pool.checkedin() == 0
    with engine.connect() as conn:  # the child opens a connection of its own
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    inherited.dispose()  # here parent and child are one process: the parent's socket is closed by hand
    engine.dispose()
