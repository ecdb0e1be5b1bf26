"""Regressions of what schemathesis found at the API (tests/faults/test_api_schema.py), and the token
rules, on both databases: each input below once answered 500 or an answer its description did not allow."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from services.bus.settings import Settings
from services.store.api.deps import encode_cursor
from services.store.api.main import create_api
from services.store.api.tokens import token_matches
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.integration.test_ingest import AZ, CANCER, FM6SS, candidate, event, ingest

TOKEN = "operator-token-for-tests-0123"
READ = "reader-token-for-tests-01234"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TOO_BIG = 2**31  # past PostgreSQL's integer


def _api(db_url: str, **settings: str) -> TestClient:
    ingest(
        db_url,
        event(
            "https://a.ma/az",
            CANCER * 3,
            candidate(FM6SS, AZ, themes=("cancer",)),
            published=date(2024, 3, 16),
        ),
    )
    return TestClient(create_api(Settings(), engine(db_url), StoreSettings(**settings)))


@pytest.fixture
def api(db_url: str, env) -> TestClient:
    return _api(db_url, api_token=TOKEN)


def test_ids_past_the_integer_range_are_a_422_not_a_500(api):
    for path in ("/agreements/{}", "/crawl-runs/{}"):
        assert api.get(path.format(TOO_BIG)).status_code == 422
        assert api.get(path.format(TOO_BIG - 1)).status_code == 404
    assert api.get("/changes", params={"after": 2558645422}).status_code == 422
    assert api.get("/changes", params={"after": TOO_BIG - 1}).json()["items"] == []
    assert api.post(f"/dead-letters/{TOO_BIG}/retry", headers=AUTH).status_code == 422
    assert api.patch(f"/agreements/{TOO_BIG}", json={}, headers=AUTH).status_code == 422
    assert api.post("/agreements/1/merge", json={"other_id": TOO_BIG}, headers=AUTH).status_code == 422
    assert api.post("/agreements/1/split", json={"article_ids": [TOO_BIG]}, headers=AUTH).status_code == 422


def test_a_bad_cursor_is_a_422_shaped_like_every_other(api):
    for cursor in ("nS\x96\x8b", "NaN", encode_cursor(TOO_BIG)):
        answer = api.get("/agreements", params={"cursor": cursor})
        assert answer.status_code == 422, cursor
        assert answer.json()["detail"][0]["loc"] == ["query", "cursor"]
    assert api.get("/agreements", params={"cursor": encode_cursor(TOO_BIG - 1)}).json()["items"] == []


def test_a_source_named_twice_differently_is_a_422_shaped_like_every_other(api):
    body = {"name": "le-matin", "kind": "rss", "url": "https://lematin.ma/rss"}
    answer = api.put("/sources/l-opinion", json=body, headers=AUTH)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "name"]


def test_a_recrawl_of_a_url_that_is_not_one_is_a_422(api):
    for url in ("https://", "http://[::1", "https://exemple.ma:99999/"):
        assert api.post("/recrawls", json={"url": url}, headers=AUTH).status_code == 422, url


def test_bodies_are_read_as_json_says(api):
    api.put(
        "/sources/le-matin", json={"name": "le-matin", "kind": "rss", "url": "https://x.ma/"}, headers=AUTH
    )
    assert api.patch("/sources/le-matin", json={"enabled": 0}, headers=AUTH).status_code == 422
    assert api.patch("/sources/le-matin", json={"enabled": False}, headers=AUTH).json()["enabled"] is False
    assert api.post("/recrawls", json={"all": 1}, headers=AUTH).status_code == 422
    assert api.post("/agreements/1/merge", json={"other_id": "2"}, headers=AUTH).status_code == 422
    assert api.patch("/agreements/1", json={"signed_on": 0}, headers=AUTH).status_code == 422
    fixed = api.patch("/agreements/1", json={"signed_on": "2024-03-15", "place": "Fès"}, headers=AUTH)
    assert fixed.status_code == 200 and fixed.json()["place"] == "Fès"
    assert api.post("/reparse", json={"since": 0}, headers=AUTH).status_code == 422
    body = {"name": "le-matin", "kind": "rss", "url": "https://x.ma/", "enabled": 1}
    assert api.put("/sources/le-matin", json=body, headers=AUTH).status_code == 422


def test_an_unreadable_body_is_a_documented_400(api):
    answer = api.post("/reparse", content=b"\xff{", headers={**AUTH, "Content-Type": "application/json"})
    assert answer.status_code == 400 and "detail" in answer.json()
    assert "400" in api.get("/openapi.json").json()["paths"]["/reparse"]["post"]["responses"]


def test_operators_are_refused_before_the_body_is_read(db_url, env):
    for settings, status in (({"api_token": TOKEN}, 401), ({}, 403)):
        client = _api(db_url, **settings)
        spec = client.get("/openapi.json").json()
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                if operation.get("security") != [{"OperatorToken": []}]:
                    continue
                url = (
                    path.replace("{name}", "le-matin")
                    .replace("{agreement_id}", "1")
                    .replace("{letter_id}", "1")
                )
                answer = client.request(
                    method, url, content=b"\xff{", headers={"Content-Type": "application/json"}
                )
                assert answer.status_code == status, (method, path, answer.text)


def test_reads_are_public_unless_a_read_token_is_set(db_url, env):
    public = _api(db_url, api_token=TOKEN)
    assert public.get("/agreements").status_code == 200 and public.get("/metrics").status_code == 200
    private = TestClient(
        create_api(Settings(), engine(db_url), StoreSettings(api_token=TOKEN, api_read_token=READ))
    )
    for path in (
        "/agreements",
        "/agreements/1",
        "/articles",
        "/organizations",
        "/changes",
        "/sources",
        "/metrics",
    ):
        assert private.get(path).status_code == 401, path
        assert private.get(path, headers={"Authorization": f"Bearer {READ}"}).status_code == 200, path
        assert private.get(path, headers=AUTH).status_code == 200, path
        assert private.get(path, headers={"Authorization": READ}).status_code == 401, path
    assert private.get("/healthz").status_code == 200
    assert private.post("/reparse", json={}, headers={"Authorization": f"Bearer {READ}"}).status_code == 401


def test_tokens_match_only_exactly():
    assert token_matches(TOKEN, TOKEN)
    assert not token_matches(TOKEN[:-1], TOKEN)
    assert not token_matches(TOKEN + "x", TOKEN)
    assert not token_matches("", TOKEN) and not token_matches(None, TOKEN) and not token_matches(TOKEN, None)
    assert token_matches("jeton-d'opérateur-ڤ-2025", "jeton-d'opérateur-ڤ-2025")


def test_dates_are_iso_text_not_numbers(api):
    for value in ("0.0", "0", "1700000000"):
        assert api.get("/agreements", params={"signed_from": value}).status_code == 422, value
        assert api.patch("/agreements/1", json={"signed_on": value}, headers=AUTH).status_code == 422
        assert api.post("/reparse", json={"since": value}, headers=AUTH).status_code == 422
    assert api.get("/agreements", params={"signed_from": "2024-01-01"}).status_code == 200


def test_text_with_nul_is_a_422_not_a_database_error(api):
    for name in ("party", "theme", "q"):
        assert api.get("/agreements", params={name: "fm6ss\x00"}).status_code == 422, name
    for name in ("lang", "outlet", "q"):
        assert api.get("/articles", params={name: ">\x00e"}).status_code == 422, name
    assert api.get("/organizations", params={"q": "\x00"}).status_code == 422
    assert api.patch("/agreements/1", json={"place": "Rabat\x00"}, headers=AUTH).status_code == 422
    assert api.patch("/agreements/1", json={"themes": ["cancer", "\x00"]}, headers=AUTH).status_code == 422
    body = {"name": "le-matin", "kind": "rss", "url": "https://x.ma/", "outlet": "Le Matin\x00"}
    assert api.put("/sources/le-matin", json=body, headers=AUTH).status_code == 422
    assert api.post("/recrawls", json={"source": "le\x00matin"}, headers=AUTH).status_code == 422


def test_a_source_path_that_names_no_possible_source_is_a_422(api):
    for name in ("%0A", "%00", "Le%20Matin"):
        assert api.patch(f"/sources/{name}", json={"enabled": True}, headers=AUTH).status_code == 422, name
    # and without the token, whatever the path and body, the answer is 401
    answer = api.put("/sources/%0A", content=b"\x00", headers={"Content-Type": "application/json"})
    assert answer.status_code == 401


def test_a_source_must_fit_the_table(api):
    good = {"name": "assabah", "kind": "rss", "url": "https://assabah.ma/feed", "lang": "ar"}
    assert api.put("/sources/assabah", json=good, headers=AUTH).status_code == 200
    for change in (
        {"lang": "arabe-marocain"},  # past the column's 8 characters
        {"interval_minutes": TOO_BIG},
        {"max_concurrency": TOO_BIG},
        {"outlet": "الصباح " * 40},
        {"url": "ftp://assabah.ma/feed"},
    ):
        assert api.put("/sources/assabah", json={**good, **change}, headers=AUTH).status_code == 422, change


def test_a_recrawl_url_too_long_once_canonicalized_is_a_422(api):
    url = "https://assabah.ma/" + "ص" * 400  # 419 characters, 2419 once percent-encoded
    assert api.post("/recrawls", json={"url": url}, headers=AUTH).status_code == 422


def test_a_login_in_a_source_url_is_not_shown_to_readers(api):
    paid = {
        "name": "wire-fr",
        "kind": "rss",
        "url": "https://abonne:s3cret@fil.example/fm6ss.rss",
        "lang": "fr",
    }
    assert api.put("/sources/wire-fr", json=paid, headers=AUTH).json()["url"] == paid["url"]  # the operator's
    free = {"name": "hespress", "kind": "rss", "url": "https://hespress.example/feed?u=a@b", "lang": "ar"}
    assert api.put("/sources/hespress", json=free, headers=AUTH).status_code == 200
    listed = {s["name"]: s["url"] for s in api.get("/sources").json()}
    assert listed == {"wire-fr": "https://***@fil.example/fm6ss.rss", "hespress": free["url"]}
    assert "s3cret" not in api.get("/sources").text
