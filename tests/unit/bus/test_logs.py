import json
import logging

from services.bus.logs import JsonFormatter, bind


def test_json_lines_carry_the_bound_ids():
    token = bind(run_id=7, task_id="abc", url=None)
    try:
        record = logging.LogRecord("fm6ss.test", logging.WARNING, __file__, 1, "fetched %s", ("x",), None)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        from services.bus.logs import _context

        _context.reset(token)
    assert entry["msg"] == "fetched x" and entry["level"] == "warning"
    assert entry["run_id"] == 7 and entry["task_id"] == "abc" and "url" not in entry
