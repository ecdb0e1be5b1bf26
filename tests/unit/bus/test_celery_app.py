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
