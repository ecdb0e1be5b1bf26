import json
import logging
import sys
from types import SimpleNamespace

from services.bus.logs import JsonFormatter, _context, _on_prerun


def test_json_lines_carry_the_ids_of_the_running_task():
    task = SimpleNamespace(name="store.ingest_article")
    _on_prerun(task_id="abc", task=task, args=({"run_id": 7, "url": None},))
    try:
        record = logging.LogRecord("fm6ss.test", logging.WARNING, __file__, 1, "fetched %s", ("x",), None)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        _context.set(None)
    assert entry["msg"] == "fetched x" and entry["level"] == "warning"
    assert entry["run_id"] == 7 and entry["task_id"] == "abc" and entry["task"] == "store.ingest_article"


def test_a_url_login_or_token_never_reaches_a_log_line():
    planted = "https://alice:hunter2pw@feed.example/rss?token=tok3n"
    _on_prerun(task_id="abc", task=SimpleNamespace(name="crawler.discover_source"), args=({"url": planted},))
    try:
        try:
            raise ConnectionError(f"could not read {planted}")
        except ConnectionError:
            record = logging.LogRecord(
                "fm6ss.test", logging.WARNING, __file__, 1, "failed %s", (planted,), sys.exc_info()
            )
        line = JsonFormatter().format(record)
    finally:
        _context.set(None)
    assert "hunter2pw" not in line and "tok3n" not in line and "alice" not in line
    entry = json.loads(line)
    assert entry["url"] == "https://***@feed.example/rss?token=***"
    assert entry["msg"] == "failed https://***@feed.example/rss?token=***"
