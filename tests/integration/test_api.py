"""The HTTP API over real databases: filters, cursor pagination, detail, change feed, errors."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from services.bus.settings import Settings
from services.store.api.main import create_api
from tests.conftest import engine
from tests.integration.test_ingest import AZ, CANCER, FM6SS, MSPS, RARE, candidate, event, ingest


@pytest.fixture
def client(db_url: str, env) -> TestClient:
    ingest(
        db_url,
        event(
            "https://a.ma/az",
            CANCER * 3,
            candidate(
                FM6SS,
                AZ,
                signed_on=date(2024, 3, 15),
                precision="day",
                themes=("cancer", "centres-of-excellence"),
                place="Rabat",
            ),
            published=date(2024, 3, 16),
        ),
    )
    ingest(
        db_url,
        event(
            "https://b.ma/msps",
            RARE * 3,
            candidate(
                FM6SS,
                MSPS,
                signed_on=date(2025, 4, 11),
                precision="day",
                kind="convention",
                themes=("rare-diseases",),
            ),
            published=date(2025, 4, 12),
        ),
    )
    ingest(db_url, event("https://c.ma/other", "Un article sans rapport avec la fondation. " * 5))
    return TestClient(create_api(Settings(), engine(db_url)))


def test_list_filters_and_paginates(client):
    page = client.get("/agreements", params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get("/agreements", params={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert rest["items"][0]["id"] != page["items"][0]["id"]
    assert [
        a["kind"] for a in client.get("/agreements", params={"party": "astrazeneca"}).json()["items"]
    ] == ["accord"]
    assert len(client.get("/agreements", params={"theme": "rare-diseases"}).json()["items"]) == 1
    assert len(client.get("/agreements", params={"signed_from": "2025-01-01"}).json()["items"]) == 1
    assert len(client.get("/agreements", params={"q": "protection sociale"}).json()["items"]) == 1
    assert client.get("/agreements", params={"q": "rabat"}).json()["items"][0]["place"] == "Rabat"


def test_detail_has_parties_sources_and_evidence(client):
    first = client.get("/agreements", params={"order": "oldest"}).json()["items"][0]
    detail = client.get(f"/agreements/{first['id']}").json()
    assert {p["key"] for p in detail["parties"]} == {"fm6ss", "astrazeneca"}
    assert detail["sources"][0]["url"] == "https://a.ma/az"
    assert {e["field"] for e in detail["evidence"]} >= {"kind", "signed_on", "theme", "place"}
    assert client.get("/agreements/999999").status_code == 404


def test_articles_organizations_and_changes(client):
    articles = client.get("/articles", params={"relevant": False}).json()["items"]
    assert [a["url"] for a in articles] == ["https://c.ma/other"]
    orgs = client.get("/organizations", params={"q": "astra"}).json()["items"]
    assert [o["key"] for o in orgs] == ["astrazeneca"]
    changes = client.get("/changes").json()
    seqs = [c["seq"] for c in changes["items"]]
    assert seqs == sorted(seqs) and changes["next_after"] == seqs[-1]
    assert {c["entity"] for c in changes["items"]} == {"article", "agreement"}
    assert client.get("/changes", params={"after": seqs[-1]}).json()["items"] == []


def test_bad_input_is_a_clear_422(client):
    assert client.get("/agreements", params={"cursor": "!!!"}).status_code == 422
    assert client.get("/agreements", params={"limit": 0}).status_code == 422
    assert client.get("/changes", params={"after": -1}).status_code == 422
    assert client.get("/agreements", params={"signed_from": "yesterday"}).status_code == 422


def test_health_and_openapi(client):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    spec = client.get("/openapi.json").json()
    assert {
        "/agreements",
        "/agreements/{agreement_id}",
        "/articles",
        "/organizations",
        "/changes",
        "/healthz",
    } <= set(spec["paths"])


TOKEN = "operator-token-for-tests-0123"


@pytest.fixture
def operator(db_url: str, env) -> TestClient:
    env.setenv("FM6SS_API_TOKEN", TOKEN)
    ingest(
        db_url,
        event(
            "https://a.ma/az",
            CANCER * 3,
            candidate(FM6SS, AZ, themes=("cancer",)),
            published=date(2024, 3, 16),
        ),
    )
    ingest(
        db_url,
        event(
            "https://b.ma/az",
            RARE * 3,
            candidate(FM6SS, AZ, kind="protocole", themes=("rare-diseases",)),
            published=date(2025, 3, 16),
        ),
    )
    return TestClient(create_api(Settings(), engine(db_url)))


def test_operator_endpoints_need_the_token(operator):
    first, second = (a["id"] for a in operator.get("/agreements", params={"order": "oldest"}).json()["items"])
    assert operator.patch(f"/agreements/{first}", json={"place": "Rabat"}).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    assert operator.patch(f"/agreements/{first}", json={"place": "Rabat"}, headers=wrong).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    fixed = operator.patch(f"/agreements/{first}", json={"place": "Rabat"}, headers=auth)
    assert fixed.status_code == 200 and fixed.json()["place"] == "Rabat"
    assert operator.patch(f"/agreements/{first}", json={"parties": []}, headers=auth).status_code == 422
    merged = operator.post(f"/agreements/{first}/merge", json={"other_id": second}, headers=auth)
    assert merged.status_code == 200 and len(merged.json()["sources"]) == 2
    gone = operator.get(f"/agreements/{second}", follow_redirects=False)  # answers where it went
    assert gone.status_code == 308 and gone.headers["location"] == f"/agreements/{first}"
    article = operator.get("/articles", params={"order": "oldest"}).json()["items"][1]["id"]
    split = operator.post(f"/agreements/{first}/split", json={"article_ids": [article]}, headers=auth)
    assert split.status_code == 200
    assert operator.get(f"/agreements/{split.json()['id']}").json()["sources"][0]["url"] == "https://b.ma/az"
    again = operator.post(f"/agreements/{first}/split", json={"article_ids": [article]}, headers=auth)
    assert again.status_code == 409


def test_a_merge_keeps_both_corrections_and_refuses_two_that_disagree(operator):
    first, second = (a["id"] for a in operator.get("/agreements", params={"order": "oldest"}).json()["items"])
    auth = {"Authorization": f"Bearer {TOKEN}"}
    operator.patch(f"/agreements/{first}", json={"place": "Rabat"}, headers=auth)
    operator.patch(f"/agreements/{second}", json={"place": "Salé", "kind": "memorandum"}, headers=auth)
    refused = operator.post(f"/agreements/{first}/merge", json={"other_id": second}, headers=auth)
    assert refused.status_code == 409 and "place" in refused.json()["detail"]
    operator.patch(f"/agreements/{second}", json={"place": None}, headers=auth)
    merged = operator.post(f"/agreements/{first}/merge", json={"other_id": second}, headers=auth)
    assert merged.status_code == 200
    assert (merged.json()["place"], merged.json()["kind"]) == ("Rabat", "memorandum")
    feed = operator.get("/changes", params={"limit": 100}).json()["items"]
    assert {"merged_into": first} in [c["payload"] for c in feed if c["entity_id"] == second]


def test_operator_endpoints_are_off_without_a_configured_token(client):
    assert client.patch("/agreements/1", json={"place": "Rabat"}).status_code == 403


def test_metrics_in_prometheus_format(client):
    text = client.get("/metrics").text
    assert 'fm6ss_rows{table="agreements"} 2.0' in text
    assert "fm6ss_dead_letters 0.0" in text
