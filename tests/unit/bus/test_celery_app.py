import subprocess
import sys

from services.bus.celery_app import create_app, publish
from services.bus.messages import PageRejected
from services.bus.routing import QUEUES, queue_of
from services.bus.settings import Settings


def test_reliability_settings(env):
    env.setenv("FM6SS_BROKER_URL", "redis://127.0.0.1:6379/0")
    app = create_app(Settings())
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_time_limit < conf.broker_transport_options["visibility_timeout"]
    assert not conf.task_always_eager
    assert {queue_of(n) for n in ("parser.parse_page", "store.ingest_article")} <= set(QUEUES)


def test_publish_runs_the_task_in_process_when_no_broker_is_set(env):
    app = create_app(Settings())
    seen = []

    @app.task(name="store.echo_for_test")
    def record(payload):
        seen.append(payload)
        return {"ok": payload["reason"]}

    result = publish(app, "store.echo_for_test", PageRejected(url="https://x.ma/a", reason="empty"))
    assert result == {"ok": "empty"}
    assert seen[0]["schema_version"] == 1


WORKER_IMPORTS = """
import sys
from services.bus.celery_app import create_app
from services.bus.settings import Settings
app = create_app(Settings(broker_url="redis://127.0.0.1:6379/0"), queues={queues!r})
app.loader.import_default_modules()
print(sorted(n for n in app.tasks if not n.startswith("celery.")))
print(sorted(m for m in ("services.parser", "trafilatura", "sqlalchemy") if m in sys.modules))
"""


def _worker_loads(queues: list[str]) -> tuple[str, str]:
    code = WORKER_IMPORTS.format(queues=queues)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    tasks, modules = out.stdout.splitlines()
    return tasks, modules


def test_a_crawler_worker_loads_its_tasks_and_not_the_parser():
    tasks, modules = _worker_loads(["crawler"])
    assert "crawler.fetch_pages" in tasks and "parser.parse_pages" not in tasks
    assert "store.ingest_articles" not in tasks
    assert modules == "[]"


def test_a_store_worker_does_not_load_the_parser():
    tasks, modules = _worker_loads(["store"])
    assert "store.ingest_articles" in tasks and "parser.parse_pages" not in tasks
    assert "services.parser" not in modules and "trafilatura" not in modules


def test_embedded_mode_loads_every_queue_s_tasks(env):
    app = create_app(Settings(), queues=["crawler"])
    app.loader.import_default_modules()
    assert {"crawler.fetch_pages", "parser.parse_pages", "store.ingest_articles"} <= set(app.tasks)
