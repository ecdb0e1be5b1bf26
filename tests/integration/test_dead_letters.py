"""A message that always fails ends as a dead letter with its reason, visible and retryable by hand."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError
from typer.testing import CliRunner

from services.bus import runtime
from services.bus.celery_app import publish
from services.bus.logs import JsonFormatter
from services.bus.messages import ParsePage
from services.bus.routing import INGEST_ARTICLE, PARSE_PAGE
from services.bus.settings import Settings
from services.cli import cli
from services.store.api.main import create_api
from services.store.db.engine import migrate
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.integration.test_ingest import AZ, FM6SS, candidate, event

TOKEN = "operator-token-for-tests-0123"


def test_a_failing_message_becomes_a_dead_letter_and_can_be_retried(env):
    env.setenv("FM6SS_API_TOKEN", TOKEN)
    settings = Settings()
    app = runtime.configure(settings)
    migrate(settings.sqlalchemy_url)
    missing = ParsePage(url="https://x.example.org/a", archive_key="ab" * 32)
    try:
        publish(app, PARSE_PAGE, missing)
    except LookupError as exc:
        assert "archive has no body" in str(exc)
    else:
        raise AssertionError("a missing archive body must fail the task")
    client = TestClient(create_api(settings, engine(settings.sqlalchemy_url)))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/dead-letters").status_code == 401
    letters = client.get("/dead-letters", headers=auth).json()["items"]
    assert len(letters) == 1
    assert letters[0]["task"] == PARSE_PAGE and "archive has no body" in letters[0]["error"]
    assert letters[0]["payload"]["archive_key"] == "ab" * 32

    listed = CliRunner().invoke(cli, ["dead-letters", "list"])
    assert listed.exit_code == 0 and "parser.parse_page" in listed.stdout
    assert client.post(f"/dead-letters/{letters[0]['id']}/retry", headers=auth).status_code == 202
    after = client.get("/dead-letters", params={"order": "oldest"}, headers=auth).json()["items"]
    assert len(after) == 2 and after[0]["retried_at"] is not None and after[1]["retried_at"] is None
    assert client.post("/dead-letters/999/retry", headers=auth).status_code == 404


@pytest.mark.integration
def test_a_database_refusal_leaves_no_sql_and_no_article_text_in_the_letter_or_the_logs(env, pg_url, caplog):
    """PostgreSQL refuses a value longer than its column: the dead letter's reason and the log lines say
    so in one line, without the statement and its parameters (the article's text)."""
    env.setenv("FM6SS_DATABASE_URL", pg_url)
    settings = Settings()
    app = runtime.configure(settings)
    marker = "Texte-confidentiel-de-l-article-4242"
    text = f"{marker} : la Fondation Mohammed VI et AstraZeneca ont signé une convention. " * 3
    too_long = event(
        "https://lematin.ma/convention", text, candidate(FM6SS, AZ, place="Casablanca, " * 30)
    )  # 360 characters for agreement.place, a varchar(200)
    with caplog.at_level(logging.INFO), pytest.raises(DataError):
        publish(app, INGEST_ARTICLE, too_long)
    letters = TestClient(create_api(settings, engine(pg_url), StoreSettings(api_token=TOKEN))).get(
        "/dead-letters", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    (letter,) = letters.json()["items"]
    assert letter["error"] == "DataError: value too long for type character varying(200)"
    logged = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "character varying(200)" in logged  # the failure is logged...
    for leak in (
        "[SQL",
        "INSERT INTO",
        "UPDATE agreement SET",
        "[parameters",
        marker,
        "Casablanca, Casablanca",
    ):
        assert leak not in logged, leak  # ...without its statement or the article
