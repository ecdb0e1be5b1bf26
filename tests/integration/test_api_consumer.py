"""What a downstream consumer of the HTTP API relies on, over both databases: filters on any alias, literal
search, unknown parameters refused, newest first with `order=`, merged ids redirected, change payloads in
the shape of the records, compact lists, ETags, the article detail and the rejected pages."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from services.bus.messages import OrgRef
from services.bus.settings import Settings
from services.store.api.main import create_api
from services.store.db.engine import transaction
from services.store.db.unit_of_work import UnitOfWork
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.integration.test_ingest import CANCER, FM6SS, MSPS, RARE, candidate, event, ingest

TOKEN = "operator-token-for-tests-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AZ = OrgRef(
    key="astrazeneca",
    name="AstraZeneca",
    kind="company",
    aliases=("Astra Zeneca", "أسترازينيكا", "AstraZeneca Maroc"),
)
FM6SS_ALIASES = OrgRef(
    **{
        **FM6SS.model_dump(),
        "aliases": ("FM6SS", "Fondation Mohammed VI", "مؤسسة محمد السادس للعلوم والصحة"),
    }
)
OFF_TOPIC = "Le match de football de samedi a attiré un public nombreux au stade de la ville. "


@pytest.fixture
def api(db_url: str, env) -> TestClient:
    ingest(
        db_url,
        event(
            "https://a.ma/az",
            CANCER * 3,
            candidate(FM6SS_ALIASES, AZ, signed_on=date(2024, 3, 15), precision="day", place="Rabat"),
            published=date(2024, 3, 16),
        ),
    )
    ingest(
        db_url,
        event(
            "https://b.ma/msps",
            RARE * 3,
            candidate(FM6SS_ALIASES, MSPS, kind="convention", themes=("rare-diseases",), place="Fès"),
            published=date(2025, 4, 12),
        ),
    )
    ingest(db_url, event("https://c.ma/other", OFF_TOPIC * 5))
    store = StoreSettings(api_token=TOKEN, api_read_token=None)
    return TestClient(create_api(Settings(), engine(db_url), store))


def ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def test_party_matches_any_alias_in_any_script(api):
    az = ids(api.get("/agreements", params={"party": "astrazeneca"}))
    assert len(az) == 1
    for alias in ("Astra Zeneca", "أسترازينيكا", "astra zeneca maroc", "ASTRAZENECA"):
        assert ids(api.get("/agreements", params={"party": alias})) == az, alias
    assert ids(api.get("/agreements", params={"party": "Novartis"})) == []
    assert len(ids(api.get("/agreements", params={"party": "مؤسسة محمد السادس"}))) == 2
    orgs = api.get("/organizations", params={"q": "أسترازينيكا"}).json()["items"]
    assert [o["key"] for o in orgs] == ["astrazeneca"]


def test_search_is_literal(api):
    """`%`, `_` and the escape character are matched as themselves, not as LIKE wildcards."""
    for path in ("/organizations", "/articles", "/agreements"):
        for q in ("%", "_", "\\", "%%", "a_b"):
            assert ids(api.get(path, params={"q": q})) == [], (path, q)
    assert ids(api.get("/agreements", params={"theme": "rare%"})) == []
    assert ids(api.get("/agreements", params={"theme": "rare_diseases"})) == []
    assert ids(api.get("/agreements", params={"theme": "rare-diseases"})) != []
    assert ids(api.get("/articles", params={"q": "match de football"})) != []


def test_unknown_query_parameters_are_a_422_naming_them(api):
    for path in ("/agreements", "/articles", "/organizations", "/changes", "/crawl-runs", "/agreements/1"):
        answer = api.get(path, params={"colour": "blue"})
        assert answer.status_code == 422, path
        assert answer.json()["detail"][0]["loc"] == ["query", "colour"], path
        assert "colour" in answer.json()["detail"][0]["msg"]


def test_agreement_filters(api):
    convention = ids(api.get("/agreements", params={"kind": "convention"}))
    assert len(convention) == 1
    assert ids(api.get("/agreements", params={"kind": "memorandum"})) == []
    assert ids(api.get("/agreements", params={"place": "fès"})) == convention
    assert len(ids(api.get("/agreements", params={"place": "RABAT"}))) == 1
    assert len(ids(api.get("/agreements", params={"lang": "fr"}))) == 2
    assert ids(api.get("/agreements", params={"lang": "ar"})) == []
    assert len(ids(api.get("/agreements", params={"outlet": "Test"}))) == 2
    assert ids(api.get("/agreements", params={"outlet": "Autre"})) == []
    assert len(ids(api.get("/agreements", params={"updated_since": "2000-01-01T00:00:00Z"}))) == 2
    assert ids(api.get("/agreements", params={"updated_since": "2999-01-01T00:00:00"})) == []
    assert len(ids(api.get("/articles", params={"updated_since": "2000-01-01T00:00:00+01:00"}))) == 3
    assert ids(api.get("/articles", params={"updated_since": "2999-01-01"})) == []
    assert api.get("/articles", params={"updated_since": "demain"}).status_code == 422


def test_lists_are_newest_first_and_page_in_either_order(api, db_url):
    with transaction(engine(db_url)) as session:
        runs = UnitOfWork(session).runs
        made = [runs.start("operator", {"all": True}, False).id for _ in range(5)]
    for path, everything in (
        ("/crawl-runs", made),
        ("/articles", ids(api.get("/articles", params={"order": "oldest"}))),
        ("/agreements", ids(api.get("/agreements", params={"order": "oldest"}))),
        ("/organizations", ids(api.get("/organizations", params={"order": "oldest"}))),
    ):
        assert everything == sorted(everything) and len(everything) >= 2, path
        assert ids(api.get(path)) == everything[::-1], path
        for order, expected in (("newest", everything[::-1]), ("oldest", everything)):
            seen: list[int] = []
            params: dict[str, str | int] = {"order": order, "limit": 2}
            while True:
                page = api.get(path, params=params).json()
                seen += [item["id"] for item in page["items"]]
                if not page["next_cursor"]:
                    break
                params["cursor"] = page["next_cursor"]
            assert seen == expected, (path, order)
        first = api.get(path, params={"limit": 1}).json()["next_cursor"]
        mixed = api.get(path, params={"limit": 1, "cursor": first, "order": "oldest"})
        assert mixed.status_code == 422 and mixed.json()["detail"][0]["loc"] == ["query", "cursor"]
    assert api.get("/agreements", params={"order": "sideways"}).status_code == 422


def test_a_merged_agreement_answers_308_to_the_one_it_went_into(api):
    first, second = sorted(ids(api.get("/agreements")))
    merged = api.post(f"/agreements/{first}/merge", json={"other_id": second}, headers=AUTH)
    assert merged.status_code == 200
    gone = api.get(f"/agreements/{second}", follow_redirects=False)
    assert gone.status_code == 308 and gone.headers["location"] == f"/agreements/{first}"
    assert gone.json()["merged_into"] == first
    assert api.get(f"/agreements/{second}").json()["id"] == first  # followed
    patched = api.patch(
        f"/agreements/{second}", json={"place": "Casablanca"}, headers=AUTH, follow_redirects=False
    )
    assert patched.status_code == 308 and patched.headers["location"] == f"/agreements/{first}"
    assert api.patch(f"/agreements/{second}", json={"place": "Casablanca"}, headers=AUTH).json()["place"] == (
        "Casablanca"
    )
    split = api.post(
        f"/agreements/{second}/split", json={"article_ids": [1]}, headers=AUTH, follow_redirects=False
    )
    assert split.status_code == 308 and split.headers["location"] == f"/agreements/{first}/split"
    assert api.get("/agreements/999999", follow_redirects=False).status_code == 404


def test_change_payloads_have_the_shape_of_the_records(api):
    changes = api.get("/changes").json()["items"]
    agreements = [c for c in changes if c["entity"] == "agreement"]
    assert agreements
    for change in agreements:
        record = api.get(f"/agreements/{change['entity_id']}").json()
        del record["evidence"]
        assert set(change["payload"]) == set(record)
        assert change["payload"]["parties"] == record["parties"]
        assert change["payload"]["version"] == change["version"]
    articles = [c for c in changes if c["entity"] == "article"]
    listed = {a["id"]: a for a in api.get("/articles").json()["items"]}
    for change in articles:
        assert change["payload"] == listed[change["entity_id"]]


def test_an_article_shows_its_text_decision_and_earlier_rejections(api, db_url):
    with transaction(engine(db_url)) as session:
        pages = UnitOfWork(session).pages
        pages.add_rejections(
            [
                (
                    "https://a.ma/az",
                    "off_topic: names neither FM6SS nor any of its institutions",
                    "1" * 64,
                    None,
                ),
                ("https://d.ma/menu", "not an article page: 900 tags (more than 800)", "2" * 64, None),
            ]
        )
    ingest(db_url, event("https://e.ma/copy", CANCER * 3, candidate(FM6SS_ALIASES, AZ)))
    listed = {a["url"]: a for a in api.get("/articles").json()["items"]}
    relevant = api.get(f"/articles/{listed['https://a.ma/az']['id']}").json()
    assert relevant["decision"] == "relevant" and relevant["text"] == CANCER * 3
    assert relevant["agreements"] == listed["https://a.ma/az"]["agreements"] != []
    assert [r["reason"] for r in relevant["rejections"]] == [
        "off_topic: names neither FM6SS nor any of its institutions"
    ]
    assert relevant["explain"] == f"/articles/{relevant['id']}/explain"
    assert {"title", "lang", "outlet", "published", "first_seen", "parser_version"} <= set(relevant)
    other = api.get(f"/articles/{listed['https://c.ma/other']['id']}").json()
    assert other["decision"] == "irrelevant" and other["rejections"] == []
    copy = api.get(f"/articles/{listed['https://e.ma/copy']['id']}").json()
    assert copy["decision"] == "copy" and copy["duplicate_of"] == "https://a.ma/az"
    assert api.get("/articles/999999").status_code == 404

    rejected = api.get("/rejections").json()["items"]
    assert [r["url"] for r in rejected] == ["https://d.ma/menu", "https://a.ma/az"]  # newest first
    assert [r["url"] for r in api.get("/rejections", params={"reason": "off_topic"}).json()["items"]] == [
        "https://a.ma/az"
    ]
    assert api.get("/rejections", params={"reason": "%"}).json()["items"] == []


def test_lists_do_not_repeat_aliases_unless_asked(api):
    page = api.get("/agreements")
    assert page.status_code == 200
    assert "مؤسسة محمد السادس" not in page.text and "Astra Zeneca" not in page.text
    assert all("aliases" not in p for a in page.json()["items"] for p in a["parties"])
    assert page.json()["organizations"] is None
    full = api.get("/agreements", params={"include": "organizations"}).json()
    keys = [o["key"] for o in full["organizations"]]
    assert sorted(keys) == sorted({p["key"] for a in full["items"] for p in a["parties"]})
    assert len(keys) == len(set(keys)) == 3  # FM6SS once, though it is a party of both
    fm6ss = next(o for o in full["organizations"] if o["key"] == "fm6ss")
    assert "مؤسسة محمد السادس للعلوم والصحة" in fm6ss["aliases"]
    detail = api.get(f"/agreements/{full['items'][0]['id']}").json()
    assert all("aliases" in p for p in detail["parties"])  # one record: the parties in full
    assert api.get("/agreements", params={"include": "everything"}).status_code == 422


def test_reads_carry_weak_etags_and_answer_304_while_unchanged(api, db_url):
    for path in ("/agreements", "/agreements/1", "/articles", "/changes", "/crawl-runs", "/organizations"):
        first = api.get(path)
        tag = first.headers["etag"]
        assert first.status_code == 200 and tag.startswith('W/"'), path
        again = api.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag, path
        strong = tag.removeprefix("W/")  # weak comparison: the same tag without W/ matches too
        assert api.get(path, headers={"If-None-Match": f'"other", {strong}'}).status_code == 304, path
        assert api.get(path, headers={"If-None-Match": '"other"'}).status_code == 200, path
    tag = api.get("/agreements").headers["etag"]
    ingest(db_url, event("https://f.ma/new", RARE * 2, candidate(FM6SS_ALIASES, AZ, kind="memorandum")))
    changed = api.get("/agreements", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert "etag" not in api.get("/agreements/999999").headers  # only successful reads are tagged
    assert api.patch("/agreements/1", json={"place": "Rabat"}, headers=AUTH).headers.get("etag") is None
