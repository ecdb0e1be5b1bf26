"""`fm6ss explain` and GET /articles/{id}/explain: relevance, candidates and resolution, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.bus.settings import Settings
from services.cli import cli
from services.cli.api import explainer
from services.store.api.main import create_api
from tests.conftest import engine

runner = CliRunner()

FR = {
    "url": "https://presse.example.ma/fr/pasteur",
    "published": "2024-03-16",
    "text": "Rabat, 15 mars 2024 - La Fondation Mohammed VI des Sciences et de la Santé (FM6SS) et "
    "l'Institut Pasteur du Maroc ont signé vendredi une convention de partenariat portant sur la recherche "
    "en vaccinologie. La convention a été signée par le Pr. Amina Alaoui, directrice de l'Institut, et "
    "M. Karim Bennani, directeur général de la Fondation, en présence du ministre de la Santé.",
}
AR = {
    "url": "https://presse.example.ma/ar/pasteur",
    "published": "2024-03-16",
    "text": "الرباط - وقعت مؤسسة محمد السادس للعلوم والصحة ومعهد باستور المغرب، يوم الجمعة 15 مارس 2024 "
    "بالرباط، اتفاقية شراكة في مجال البحث العلمي حول اللقاحات. ووقع الاتفاقية عن المؤسسة مديرها العام "
    "وعن المعهد مديرته.",
}
EN = {
    "url": "https://news.example.com/en/az",
    "published": "2025-06-04",
    "text": "Casablanca, June 3, 2025 - The Mohammed VI Foundation of Sciences and Health (FM6SS) and "
    "AstraZeneca signed a memorandum of understanding to improve the care of patients with rare "
    "diseases. The memorandum was signed by John Smith, country president of AstraZeneca, and the "
    "director general of the Foundation.",
}
VENUE = {
    "url": "https://presse.example.ma/fr/colloque",
    "published": "2024-05-02",
    "text": "Casablanca - Un colloque sur la santé numérique s'est tenu à l'amphithéâtre de la Fondation "
    "Mohammed VI des Sciences et de la Santé. Les intervenants ont débattu de l'intelligence artificielle "
    "au service du diagnostic et de la formation des soignants pendant toute la journée.",
}


def write(path: Path, *lines: dict) -> Path:
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, env: pytest.MonkeyPatch) -> None:
    """The embedded SQLite store, or a fresh PostgreSQL schema."""
    if request.param == "postgresql":
        env.setenv("FM6SS_DATABASE_URL", request.getfixturevalue("pg_url"))


def run(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_explain_file_weighs_each_line_against_the_store_and_stores_nothing(store, tmp_path):
    run("import", str(write(tmp_path / "fr.jsonl", FR)), "--no-progress")
    before = run("export", "articles"), run("export", "agreements")
    out = run("explain", "--file", str(write(tmp_path / "in.jsonl", AR, EN, VENUE)), "--json")
    ar, en, venue = (json.loads(x) for x in out.splitlines())
    assert (run("export", "articles"), run("export", "agreements")) == before

    # Arabic: relevant through its signing sentence, and it joins the French report's record.
    assert ar["relevance"]["relevant"] and ar["relevance"]["deciding_sentences"] == [0]
    assert {m["key"] for m in ar["relevance"]["mentions"] if m["party"]} == {"fm6ss", "ma-institut-pasteur"}
    [c] = ar["candidates"]
    assert (c["signed_on"], c["signed_on_precision"], c["place"]) == ("2024-03-15", "day", "Rabat")
    assert c["resolution"]["how"] == "same_parties" and c["resolution"]["agreement_id"] == 1
    [record] = c["resolution"]["considered"]
    assert record["chosen"] and record["date_score"] == 2.0
    assert record["score"] == record["date_score"] + record["content_score"] + 0.5

    # English: a partner no record names yet makes a new record; its sources give the sentences.
    [c] = en["candidates"]
    assert c["party_set"] == "astrazeneca" and c["kind"] == "memorandum"
    assert c["resolution"] == {
        "agreement_id": None,
        "how": "new",
        "reason": c["resolution"]["reason"],
        "considered": [],
    }
    assert any(s["field"] == "signed_on" and "June 3, 2025" in s["sentence"] for s in c["sources"])

    # The foundation as a venue only: rejected, and the text says why.
    assert not venue["relevance"]["relevant"] and venue["candidates"] == []
    assert "no sentence reports a signing" in venue["relevance"]["reason"]
    assert [m["party"] for m in venue["relevance"]["mentions"]] == [False]

    text = run("explain", "--file", str(tmp_path / "in.jsonl"))
    assert "RESOLUTION (same_parties): record #1" in text and "RESOLUTION (new)" in text
    assert "not relevant: no sentence reports a signing" in text


def test_explain_a_stored_article_by_url_says_which_record_it_feeds(store, tmp_path):
    run("import", str(write(tmp_path / "in.jsonl", FR, EN)), "--no-progress")
    out = json.loads(run("explain", EN["url"], "--json"))
    assert out["stored"]["feeds"] == [2] and out["stored"]["relevant"]
    [c] = out["candidates"]
    assert c["resolution"]["agreement_id"] == 2 and c["resolution"]["how"] == "previous"
    assert json.loads(run("explain", str(out["stored"]["article_id"]), "--json")) == out
    # explain rolled back the detach it weighs with: the article still feeds its record
    assert json.loads(run("explain", EN["url"], "--json"))["stored"]["feeds"] == [2]
    result = runner.invoke(cli, ["explain", "https://nowhere.example.org/x"])
    assert result.exit_code == 1 and "no stored article" in result.stderr


def test_the_api_explains_a_stored_article_and_404s_an_unknown_one(env, tmp_path):
    run("import", str(write(tmp_path / "in.jsonl", FR, VENUE)), "--no-progress")
    settings = Settings()
    client = TestClient(create_api(settings, engine(settings.sqlalchemy_url), explainer=explainer(settings)))
    fr = client.get("/articles/1/explain")
    assert fr.status_code == 200, fr.text
    body = fr.json()
    assert body["stored"]["feeds"] == [1]
    [c] = body["candidates"]
    names = {p["name"] for p in c["signatories"]}
    assert names == {"Amina Alaoui", "Karim Bennani"}
    assert c["resolution"]["agreement_id"] == 1
    venue = client.get("/articles/2/explain").json()
    assert not venue["relevance"]["relevant"] and venue["stored"]["feeds"] == []
    missing = client.get("/articles/999/explain")
    assert missing.status_code == 404 and missing.json() == {"detail": "no article 999"}
    bare = TestClient(create_api(settings, engine(settings.sqlalchemy_url)))
    assert bare.get("/articles/1/explain").status_code == 503
    assert "/articles/{article_id}/explain" in client.get("/openapi.json").json()["paths"]


def test_explain_says_when_a_page_is_unreadable_or_a_copy(env, tmp_path):
    run("import", str(write(tmp_path / "fr.jsonl", FR)), "--no-progress")
    short = {"url": "https://presse.example.ma/fr/breve", "text": "Une brève sans contenu."}
    copy = {**FR, "url": "https://autre.example.ma/reprise"}
    out = run("explain", "--file", str(write(tmp_path / "in.jsonl", short, copy)), "--json")
    rejected, copied = (json.loads(x) for x in out.splitlines())
    assert rejected["rejected"].startswith("no readable article text")
    assert rejected["relevance"]["reason"].startswith("page rejected: no readable article text")
    [c] = copied["candidates"]
    assert c["resolution"]["how"] == "copy" and "a copy of article 1" in c["resolution"]["reason"]
    result = runner.invoke(cli, ["explain", FR["url"], "--file", str(tmp_path / "in.jsonl")])
    assert result.exit_code == 1 and "either" in result.stderr
