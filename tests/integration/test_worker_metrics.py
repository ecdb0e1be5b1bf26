"""Worker metrics on a real Redis: one pipelined write per task reads back whole, and the API's /metrics
shows them next to the store's counters; in embedded mode, or with Redis down, it shows the rest."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import redis
from fastapi.testclient import TestClient

from services.bus.metrics import FETCHES_KEY, TASK_SECONDS_KEY, latency_fields, read, write
from services.bus.settings import Settings
from services.store.api.main import create_api
from tests.conftest import engine
from tests.servers import REDIS_SERVER

URL = f"{REDIS_SERVER}/14"


@pytest.fixture
def client():
    c = redis.Redis.from_url(URL)
    try:
        c.flushdb()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is required at {URL}: {exc}")
    yield c
    c.flushdb()
    c.close()


def test_a_task_is_one_round_trip_and_reads_back(client):
    fetch = json.dumps(["page", "www.hespress.com", "fetched"])
    failed = json.dumps(["page", "www.hespress.com", "failed:http_404"])
    write(client, latency_fields("crawler.fetch_page", "success", 0.42), Counter({fetch: 1}))
    write(client, latency_fields("crawler.fetch_pages", "success", 12.0), Counter({fetch: 3, failed: 1}))
    write(client, latency_fields("store.ingest_article", "failure", 0.02), Counter())
    write(client, latency_fields("crawler.fetch_page", "success", 0.3), Counter())
    assert client.hlen(TASK_SECONDS_KEY) == 3 + 3 + 3  # the last adds to the first's three fields
    recorded = read(client)
    one = recorded.latency[("crawler.fetch_page", "success")]
    assert one.count == 2 and abs(one.sum - 0.72) < 1e-9 and dict(one.cumulative())["0.5"] == 2
    batch = recorded.latency[("crawler.fetch_pages", "success")]
    assert (
        batch.count == 1 and dict(batch.cumulative())["10.0"] == 0 and dict(batch.cumulative())["30.0"] == 1
    )
    assert recorded.latency[("store.ingest_article", "failure")].count == 1
    assert recorded.fetches == {
        ("page", "www.hespress.com", "fetched"): 4,
        ("page", "www.hespress.com", "failed:http_404"): 1,
    }
    assert int(client.hget(FETCHES_KEY, fetch)) == 4


def test_the_api_serves_what_workers_recorded(client, sqlite_url, env):
    write(client, latency_fields("parser.parse_page", "success", 0.3), Counter())
    retried = Counter({json.dumps(["page", "le360.ma", "retried:timeout"]): 1})
    write(client, latency_fields("crawler.fetch_page", "retry", 3.0), retried)
    text = TestClient(create_api(Settings(broker_url=URL), engine(sqlite_url))).get("/metrics").text
    assert (
        'fm6ss_task_duration_seconds_bucket{le="0.5",outcome="success",task="parser.parse_page"} 1.0' in text
    )
    assert 'fm6ss_task_duration_seconds_count{outcome="retry",task="crawler.fetch_page"} 1.0' in text
    assert 'fm6ss_crawler_fetches_total{host="le360.ma",kind="page",outcome="retried:timeout"} 1.0' in text
    assert 'fm6ss_queue_depth{queue="crawler"} 0.0' in text and "fm6ss_rows" in text


def test_embedded_mode_and_a_redis_outage_leave_the_store_metrics(sqlite_url, env):
    for settings in (Settings(), Settings(broker_url="redis://127.0.0.1:1/0")):
        answer = TestClient(create_api(settings, engine(sqlite_url))).get("/metrics")
        assert answer.status_code == 200
        assert "fm6ss_rows" in answer.text and "fm6ss_task_duration_seconds" not in answer.text
