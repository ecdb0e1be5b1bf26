"""A message that always fails ends as a dead letter with its reason, visible and retryable by hand."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.bus import runtime
from services.bus.celery_app import publish
from services.bus.messages import ParsePage
from services.bus.routing import PARSE_PAGE
from services.bus.settings import Settings
from services.cli import cli
from services.store.api.main import create_api
from services.store.db.engine import migrate
from tests.conftest import engine

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
