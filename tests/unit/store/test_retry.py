"""The store's retry delays: exponential, jittered, and with a floor that outlasts a database outage."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from services.bus.retry import backoff
from services.store import tasks
from services.store.tasks import MAX_RETRIES, RETRY_BASE_S, RETRY_MAX_S, StoreTask


def retry_delay(retries: int, **kwargs: Any) -> float:
    return backoff(retries, RETRY_BASE_S, RETRY_MAX_S, **kwargs)


STORE_TASKS = [
    tasks.ingest_article_task,
    tasks.ingest_articles_task,
    tasks.record_fetches_task,
    tasks.record_rejections_task,
    tasks.record_rejection_task,
    tasks.record_urls_task,
    tasks.record_fetch_task,
    tasks.record_fetch_failure_task,
    tasks.schedule_sources_task,
    tasks.sweep_stalled_task,
    tasks.record_dead_letter_task,
]


@pytest.mark.parametrize(
    ("retries", "low", "high"),
    [(0, 1, 2), (1, 2, 4), (2, 4, 8), (3, 8, 16), (4, 16, 32), (5, 32, 64), (6, 60, 120), (7, 60, 120)],
)
def test_each_delay_is_half_fixed_half_random(retries: int, low: float, high: float) -> None:
    assert retry_delay(retries, rand=lambda: 0.0) == low
    assert retry_delay(retries, rand=lambda: 1.0) == high
    assert all(low <= retry_delay(retries) <= high for _ in range(200))


def test_all_retries_span_at_least_three_minutes() -> None:
    """A message meeting a database outage shorter than this is never dead-lettered for it."""
    shortest = sum(retry_delay(n, rand=lambda: 0.0) for n in range(MAX_RETRIES))
    longest = sum(retry_delay(n, rand=lambda: 1.0) for n in range(MAX_RETRIES))
    assert (shortest, longest) == (183, 366)


@pytest.mark.parametrize("task", STORE_TASKS, ids=lambda t: t.name)
def test_store_tasks_retry_database_errors_with_the_delay(task: StoreTask) -> None:
    assert isinstance(task, StoreTask)
    assert OperationalError in task.autoretry_for
    assert task.max_retries == MAX_RETRIES
    error = OperationalError("SELECT 1", {}, Exception("connection refused"))
    task.push_request(retries=3, is_eager=True, called_directly=False, args=({},), kwargs={})
    try:
        retry = task.retry(exc=error, throw=False)  # what autoretry calls, with no delay of its own
    finally:
        task.pop_request()
    assert 8 <= retry.when <= 16


def test_an_explicit_delay_is_kept() -> None:
    task = tasks.record_fetch_task
    task.push_request(retries=5, is_eager=True, called_directly=False, args=({},), kwargs={})
    try:
        assert task.retry(countdown=0.5, throw=False).when == 0.5
    finally:
        task.pop_request()


def test_the_relay_retries_with_the_same_schedule_and_its_own_bounds() -> None:
    task = tasks.relay_changes_task
    assert isinstance(task, StoreTask)
    assert (task.retry_base_s, task.retry_max_s, task.max_retries) == (5, 300, 10)
    task.push_request(retries=2, is_eager=True, called_directly=False, args=({},), kwargs={})
    try:
        retry = task.retry(exc=RuntimeError("sink down"), throw=False)
    finally:
        task.pop_request()
    assert 10 <= retry.when <= 20
