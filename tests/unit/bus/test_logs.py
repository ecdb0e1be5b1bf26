import json
import logging
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
