"""Every operator field has limits matching its column: lengths around each limit, in Latin, Arabic and
four-byte characters, sent to every operator route on both databases, never answer 500; past the limit
they are refused (PostgreSQL refused `{"themes": ["a" × 5000]}` with StringDataRightTruncation, a 500)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.bus import limits, runtime
from services.bus.celery_app import create_app
from services.bus.settings import Settings
from services.store.api.main import create_api
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.integration.test_ingest import AZ, CANCER, FM6SS, candidate, event, ingest
from tests.servers import REDIS_SERVER

TOKEN = "operator-token-for-tests-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BROKER = f"{REDIS_SERVER}/12"
SOURCE = {"name": "lematin", "kind": "rss", "url": "https://lematin.ma/rss"}


@dataclass(frozen=True)
class Limit:
    """A field of an operator route and its limit: `send(client, value)` answers."""

    name: str
    limit: int
    send: Callable[[TestClient, Any], Any]
    alphabet: tuple[str, ...] = ("a", "ص", "é", "😀")


def _text(route: str, field: str) -> Callable[[TestClient, str], Any]:
    def send(client: TestClient, value: str) -> Any:
        if route == "patch-agreement":
            return client.patch("/agreements/1", json={field: value}, headers=AUTH)
        if route == "put-source":
            return client.put("/sources/lematin", json={**SOURCE, field: value}, headers=AUTH)
        return client.post("/recrawls", json={field: value}, headers=AUTH)

    return send


def _url(route: str) -> Callable[[TestClient, str], Any]:
    def send(client: TestClient, tail: str) -> Any:
        url = "https://lematin.ma/" + tail[len("https://lematin.ma/") :]
        if route == "put-source":
            return client.put("/sources/lematin", json={**SOURCE, "url": url}, headers=AUTH)
        return client.post("/recrawls", json={"url": url}, headers=AUTH)

    return send


def _source_name(client: TestClient, name: str) -> Any:
    return client.put(f"/sources/{name}", json={**SOURCE, "name": name}, headers=AUTH)


def _source_path(client: TestClient, name: str) -> Any:
    return client.patch(f"/sources/{name}", json={"enabled": False}, headers=AUTH)


def _delete_source(client: TestClient, name: str) -> Any:
    return client.delete(f"/sources/{name}", headers=AUTH)


def _theme(client: TestClient, theme: str) -> Any:
    return client.patch("/agreements/1", json={"themes": ["cancer", theme]}, headers=AUTH)


def _themes(client: TestClient, count: str) -> Any:
    return client.patch("/agreements/1", json={"themes": [f"t{i}" for i in range(len(count))]}, headers=AUTH)


def _split(client: TestClient, count: str) -> Any:
    return client.post(
        "/agreements/1/split", json={"article_ids": list(range(1, len(count) + 1))}, headers=AUTH
    )


def _retry_id(client: TestClient, digits: str) -> Any:
    return client.post(f"/dead-letters/{'9' * len(digits)}/retry", headers=AUTH)


def _merge_id(client: TestClient, digits: str) -> Any:
    body = '{"other_id": %s}' % ("9" * len(digits))  # past Python's 4,300 digits too
    return client.post(
        "/agreements/1/merge", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )


LIMITS = [
    Limit("place", limits.PLACE_CHARS, _text("patch-agreement", "place")),
    Limit("event", limits.EVENT_CHARS, _text("patch-agreement", "event")),
    Limit("a theme", limits.THEME_CHARS, _theme),
    Limit("themes", limits.MAX_THEMES, _themes, ("a",)),
    Limit("outlet", limits.OUTLET_CHARS, _text("put-source", "outlet")),
    Limit("lang", limits.LANG_CHARS, _text("put-source", "lang")),
    Limit("link_pattern", limits.LINK_PATTERN_CHARS, _text("put-source", "link_pattern")),
    Limit("source url", limits.URL_CHARS, _url("put-source")),
    Limit("source name", limits.SOURCE_NAME_CHARS, _source_name, ("a",)),
    Limit("source path", 80, _source_path, ("a",)),
    Limit("source deleted", 80, _delete_source, ("a",)),
    Limit("recrawl source", 80, _text("recrawl", "source")),
    Limit("recrawl url", limits.URL_CHARS, _url("recrawl")),
    Limit("split ids", 1000, _split, ("a",)),
    Limit("letter id digits", len(str(limits.MAX_INT)), _retry_id, ("9",)),
    Limit("merge id digits", len(str(limits.MAX_INT)), _merge_id, ("9",)),
]


@pytest.fixture
def client(db_url: str, env) -> Iterator[TestClient]:
    """The API on `db_url`, whose recrawls are queued on a Redis broker (no worker takes them), not run
    in the test's process."""
    broker = Settings(broker_url=BROKER, database_url=db_url)
    env.setattr(runtime, "_settings", broker)
    env.setattr(runtime, "_app", create_app(broker))
    ingest(
        db_url,
        event(
            "https://lematin.ma/convention-az",
            CANCER * 3,
            candidate(FM6SS, AZ, signed_on=date(2024, 3, 15), precision="day", themes=("cancer",)),
            published=date(2024, 3, 16),
        ),
    )
    app = create_api(broker, engine(db_url), StoreSettings(api_token=TOKEN))
    yield TestClient(app, raise_server_exceptions=False)
    redis.Redis.from_url(BROKER).flushdb()


def test_the_theme_limits_fit_the_themes_index():
    assert 1 + limits.MAX_THEMES * (limits.THEME_CHARS + 1) <= limits.THEMES_INDEX_CHARS


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    field=st.sampled_from(LIMITS),
    offset=st.sampled_from([-2, -1, 0, 1, 2, 5000]),
)
def test_lengths_around_every_limit_never_answer_500(client: TestClient, data, field: Limit, offset: int):
    length = max(1, field.limit + offset)
    char = data.draw(st.sampled_from(field.alphabet))
    answer = field.send(client, char * length)
    assert answer.status_code < 500, (field.name, length, char, answer.text[:300])
    if length > field.limit:  # 400: a number of 5,000 digits is past what the JSON reader takes
        assert answer.status_code in (400, 422), (
            field.name,
            length,
            char,
            answer.status_code,
            answer.text[:300],
        )


def test_five_thousand_characters_of_theme_are_a_422(client: TestClient):
    answer = client.patch("/agreements/1", json={"themes": ["a" * 5000]}, headers=AUTH)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][:2] == ["body", "themes"]
    assert client.get("/agreements/1").json()["themes"] == ["cancer"]


def test_a_source_name_fits_its_run_counters(client: TestClient):
    """A name of 67 to 80 characters was accepted, then every crawl run of it answered 500 on PostgreSQL:
    its counter `source_queued:NAME` did not fit run_count.name (80)."""
    longest = "a" * limits.SOURCE_NAME_CHARS
    assert _source_name(client, longest + "a").status_code == 422
    assert _source_name(client, longest).status_code == 200
    answer = client.post("/recrawls", json={"source": longest}, headers=AUTH)
    assert answer.status_code == 202, answer.text
    counts = client.get(f"/crawl-runs/{answer.json()['run_id']}").json()["counts"]
    assert counts[f"source_queued:{longest}"] == 1
