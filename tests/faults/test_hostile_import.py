"""A hostile import file through real workers: every line the store could not keep is refused at import
with its line number and field, every valid line (line separators inside its strings included) is stored,
and nothing ends as a dead letter or leaks SQL or article text into a log line.

`fm6ss import` in deployed mode queues the lines for one parser and one store worker (PostgreSQL, a private
redis-server). Before the checks, each of the bad lines was "imported" and then failed in the store
(`DataError … character varying(…)`, `ValueError: Invalid IPv6 URL`) as a dead letter whose reason and
the worker's log carried the SQL statement with the article's text; and U+2028 or U+0085 inside a JSON
string split its line, which was refused, and shifted every later line number.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa

from services.store.db.engine import make_engine
from tests.e2e.conftest import FM6SS, ROOT, Stack, wait_until
from tests.faults.conftest import RedisServer, idle

pytestmark = pytest.mark.faults

# Words that appear in the articles only: a log line or a dead letter carrying one leaks article text.
MARKERS = ("Zéphyrine", "Quillard", "زمردية", "Brackenmoor")
FR = (
    "Rabat, 3 mars 2025 - La Fondation Mohammed VI des Sciences et de la Santé a signé une convention "
    "de partenariat avec les Laboratoires Zéphyrine pour former des infirmiers en oncologie. Le texte a "
    "été paraphé par le directeur général et par Mme Quillard, présidente des laboratoires. "
)
AR = (
    "الدار البيضاء - وقعت مؤسسة محمد السادس للعلوم والصحة اتفاقية شراكة مع مختبرات زمردية من أجل تكوين "
    "الأطر الصحية في مجال طب الأطفال وتطوير البحث السريري بالمغرب، وذلك بحضور ممثلي المؤسستين. "
)
EN = (
    "Marrakech, 12 June 2025 - The Mohammed VI Foundation for Science and Health signed a memorandum of "
    "understanding with Brackenmoor Hospitals to train emergency physicians and share telemedicine tools. "
)


def _line(url: str, text: str, **hints: Any) -> str:
    return json.dumps({"url": url, "text": text, **hints}, ensure_ascii=False)


def hostile_file(path: Path) -> tuple[list[str], dict[int, str]]:
    """The file, the URLs of the lines that must be stored, and the field each refused line names."""
    lines = [
        _line("https://lematin.ma/fm6ss-zephyrine", FR * 2, title="Convention FM6SS", published="2025-03-03"),
        _line("https://lematin.ma/" + "a" * 2001, FR * 2 + "1"),
        _line("https://lematin.ma/outlet", FR * 2 + "2", outlet="Le Matin " * 34),
        _line("https://lematin.ma/lang", FR * 2 + "3", lang="fr-MA-latn-x-maroc"),
        _line("https://lematin.ma/title", FR * 2 + "4", title="Zéphyrine " * 200),
        _line("https://lematin.ma/nul", FR * 2 + "5", title="Convention\u0000FM6SS"),
        _line("http://[::1/x", FR * 2 + "6"),
        _line("https://lematin.ma/date", FR * 2 + "7", published="2025-13-01"),
        # U+2028 and U+0085 are text inside a JSON string: the line stays one line
        _line("https://hespress.com/fm6ss-ar", AR * 2 + "\u2028" + AR, title="اتفاقية\u0085شراكة", lang="ar"),
        "{not json",
        _line("https://moroccoworldnews.com/fm6ss", EN * 2, title="Foundation\u2028signs MoU", lang="en"),
        "",
        _line("https://lematin.ma/longest", FR * 2 + "8", title="T" * 1000, outlet="O" * 200, lang="fr-MA"),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stored = [json.loads(lines[i])["url"] for i in (0, 8, 10, 12)]
    refused = {2: "url", 3: "outlet", 4: "lang", 5: "title", 6: "title", 7: "url", 8: "published", 10: ""}
    return stored, refused


def rows(db_url: str) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(db_url)
    queries = {
        "articles": "SELECT url, title, lang FROM article",
        "dead_letters": "SELECT task, error FROM dead_letter",
    }
    try:
        with engine.connect() as conn:
            return {k: [dict(r._mapping) for r in conn.execute(sa.text(q))] for k, q in queries.items()}
    finally:
        engine.dispose()


def quiet(client: redis.Redis) -> bool:
    """Nothing queued or held, twice, 3 s apart (a retry or a batch sent on is queued in between)."""
    if not idle(client):
        return False
    time.sleep(3)
    return idle(client)


def test_hostile_import_lines_are_refused_at_import(pg_url: str, broker: RedisServer, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_") or k == "FM6SS_SHARED_DIR"}
    env.update(
        {
            "FM6SS_DATA_DIR": str(tmp_path / "data"),
            "FM6SS_DATABASE_URL": pg_url,
            "FM6SS_BROKER_URL": broker.url,
            "FM6SS_TASK_MAX_RETRIES": "1",
            "FM6SS_LOG_LEVEL": "INFO",
        }
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    stack = Stack(env=env, logs=logs)
    client = broker.client()
    stored, refused = hostile_file(tmp_path / "hostile.jsonl")
    try:
        for queue in ("parser", "store"):
            stack.start(f"worker-{queue}", "worker", "--queues", queue)
        wait_until(
            lambda: all(" ready." in stack.tail(f"worker-{q}", 200) for q in ("parser", "store")),
            90,
            "the parser and store workers",
        )
        done = subprocess.run(
            [FM6SS, "import", str(tmp_path / "hostile.jsonl"), "--no-progress"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        )
        wait_until(lambda: quiet(client), 90, "the imported lines to be parsed and stored")
        worker_logs = {q: stack.tail(f"worker-{q}", 100_000) for q in ("parser", "store")}
    finally:
        for name in list(stack.procs):
            stack.stop(name)
    err = done.stderr.decode()
    found = rows(pg_url)
    print("FIGURES", {"stderr": err.splitlines(), "articles": len(found["articles"])})

    assert done.returncode == 1, err  # some lines were refused
    reported = [line for line in err.splitlines() if line.startswith("line ")]
    assert len(reported) == len(refused), reported
    for number, field in refused.items():
        assert any(line.startswith(f"line {number}: skipped: {field}") for line in reported), (
            number,
            reported,
        )
    assert "line 10: skipped: not JSON" in err
    assert any(line.endswith("or as an ISO datetime") for line in reported)  # one line each, not wrapped
    assert f"imported {len(stored)} line(s)" in err and ": failed:" not in err
    assert sorted(a["url"] for a in found["articles"]) == sorted(stored)
    titles = {a["url"]: a["title"] for a in found["articles"]}
    assert titles["https://hespress.com/fm6ss-ar"] == "اتفاقية\u0085شراكة"
    assert titles["https://moroccoworldnews.com/fm6ss"] == "Foundation\u2028signs MoU"
    assert found["dead_letters"] == []
    for queue, text in worker_logs.items():
        for leak in ("[SQL", "INSERT INTO", "Invalid IPv6", *MARKERS):
            assert leak not in text, (queue, leak)
    for leak in ("[SQL", *MARKERS):
        assert leak not in err, leak
