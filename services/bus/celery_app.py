"""The Celery app factory and `publish`, the one way a service hands work to another.

With no broker configured the app runs eagerly, in-process: the embedded default.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from celery import Celery, Task
from celery.signals import task_failure

from services.bus.failures import reason_of
from services.bus.messages import Message, TaskFailed
from services.bus.routing import PING, QUEUES, RECORD_DEAD_LETTER, TASK_MODULES, queue_of
from services.bus.settings import Settings


def create_app(settings: Settings, queues: Iterable[str] = QUEUES) -> Celery:
    """The app, with the tasks of `queues` (a worker's own; a crawler or store worker never loads the
    parser). Embedded, every task runs in this process, so every queue's tasks are loaded."""
    wanted = QUEUES if settings.embedded else tuple(queues)
    app = Celery("fm6ss", include=[TASK_MODULES[q] for q in wanted], set_as_current=True)
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
    app.task(name=PING, ignore_result=True)(_ping)
    return app


def _ping() -> None:
    """No work at all: what a task costs in the broker and the worker (the benchmark's ceiling)."""


def _route(name: str, *args: Any, **kwargs: Any) -> dict[str, str] | None:
    service = name.split(".", 1)[0]
    return {"queue": service} if service in QUEUES else None


def publish(app: Celery, task_name: str, message: Message, countdown: float | None = None) -> Any:
    """Send `message` to the task `task_name` on its service's queue.

    Eager (embedded) mode runs the task here and returns its result, so a one-process caller can count
    outcomes; with a broker it returns None once the message is queued (after `countdown` seconds).
    """
    return send_payload(app, task_name, message.model_dump(mode="json"), countdown=countdown)


def send_payload(
    app: Celery, task_name: str, payload: dict[str, Any], throw: bool = True, countdown: float | None = None
) -> Any:
    """`publish` for a payload already in JSON form (a dead letter sent again). With `throw=False` an
    eager failure is not raised: it is recorded as a dead letter like any other."""
    if app.conf.task_always_eager:
        # send_task ignores eager mode, so look the task up and run it in this process. Celery sends no
        # task_failure signal for eager tasks, so the dead letter is recorded here.
        app.loader.import_default_modules()
        task = app.tasks[task_name]
        result = task.apply(args=(payload,), throw=False)
        if result.failed():
            error = result.result
            dead_letter(task, error, (payload,))
            if throw:
                raise error
        return result.result if not result.failed() else None
    app.send_task(
        task_name,
        args=(payload,),
        queue=queue_of(task_name),
        countdown=countdown,
        argsrepr=argsrepr(payload),
        kwargsrepr="{}",
    )
    return None


def argsrepr(payload: dict[str, Any]) -> str:
    """What worker logs and monitors show of a message: its short fields, and the size of its lists. Celery
    would otherwise build a safe repr of the whole payload at each send (0.35 ms for an article's report,
    a third of the cost of sending it)."""
    shown = {
        k: (f"<{len(v)} items>" if isinstance(v, list | tuple) else v)
        for k, v in payload.items()
        if isinstance(v, list | tuple) or (isinstance(v, str | int | float | bool) and len(str(v)) <= 200)
    }
    return f"({shown!r},)"


log = logging.getLogger(__name__)


def dead_letter(
    sender: Task | None = None,
    exception: BaseException | None = None,
    args: tuple[Any, ...] | None = None,
    **_: Any,
) -> None:
    """A task that failed for good (retries spent, or an error no retry can fix) becomes a dead letter in
    the store, with its payload and reason, for operators to see and send again."""
    if sender is None or sender.name == RECORD_DEAD_LETTER or sender.name.split(".")[0] not in QUEUES:
        return
    if getattr(exception, "dead_lettered", False):
        return  # recorded already: by the signal and by eager dispatch, or by a failing nested eager task
    with contextlib.suppress(AttributeError):
        exception.dead_lettered = True  # type: ignore[union-attr]
    payload = args[0] if args and isinstance(args[0], dict) else {}
    event = TaskFailed(
        task=sender.name,
        payload=payload,
        error=reason_of(exception) if exception is not None else "unknown failure",
        retries=int(getattr(sender.request, "retries", 0) or 0),
    )
    try:
        publish(sender.app, RECORD_DEAD_LETTER, event)
    except Exception:  # the failure is logged by Celery too; never fail the failure handler
        log.exception("could not record the dead letter of %s", sender.name)


task_failure.connect(dead_letter, weak=False)
