"""The Celery app factory and `publish`, the one way a service hands work to another.

With no broker configured the app runs eagerly, in-process: the embedded default.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from services.bus.messages import Message
from services.bus.routing import QUEUES, TASK_MODULES, queue_of
from services.bus.settings import Settings


def create_app(settings: Settings) -> Celery:
    app = Celery("fm6ss", include=list(TASK_MODULES), set_as_current=True)
    app.conf.update(
        broker_url=settings.broker_url or "memory://",
        result_backend=settings.result_backend,
        task_always_eager=settings.embedded,
        task_eager_propagates=True,
        task_store_eager_result=False,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit_s,
        task_time_limit=settings.task_time_limit_s,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        result_backend_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        task_default_queue="store",
        task_create_missing_queues=True,
        task_routes=_route,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        enable_utc=True,
    )
    return app


def _route(name: str, *args: Any, **kwargs: Any) -> dict[str, str] | None:
    service = name.split(".", 1)[0]
    return {"queue": service} if service in QUEUES else None


def publish(app: Celery, task_name: str, message: Message) -> Any:
    """Send `message` to the task `task_name` on its service's queue.

    Eager (embedded) mode runs the task here and returns its result, so a one-process caller can count
    outcomes; with a broker it returns None once the message is queued.
    """
    payload = message.model_dump(mode="json")
    if app.conf.task_always_eager:
        # send_task ignores eager mode, so look the task up and run it in this process.
        app.loader.import_default_modules()
        return app.tasks[task_name].apply(args=(payload,), throw=True).get()
    app.send_task(task_name, args=(payload,), queue=queue_of(task_name))
    return None
