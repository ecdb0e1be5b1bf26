"""The Celery app as the commands that send work use it: the broker checked once, failures said fast.

A worker's app retries a send for a while (a task can wait); an operator at a prompt cannot, so the
commands' app tries once more and gives up within seconds, and a broker that is down is found before
any run is started or any line is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from services.bus import runtime
from services.bus.routing import QUEUES
from services.bus.settings import Settings
from services.cli.common import CliError
from services.cli.errors import broker_down

if TYPE_CHECKING:
    from celery import Celery

CONNECT_TIMEOUT_S = 3


class BrokerDown(CliError):
    """The broker refused or did not answer."""


def sending_app(settings: Settings, queues: Iterable[str] = QUEUES) -> Celery:
    """This process's Celery app, with the broker (if any) reachable now."""
    app = runtime.configure(settings, queues)
    if settings.embedded:
        return app
    app.conf.update(
        broker_connection_timeout=CONNECT_TIMEOUT_S,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
    )
    check_broker(app)
    return app


def check_broker(app: Celery) -> None:
    from kombu.exceptions import OperationalError

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0.5, timeout=CONNECT_TIMEOUT_S
            )
    except (OperationalError, OSError) as exc:
        raise BrokerDown(broker_down(exc)) from exc


def is_broker_failure(error: BaseException) -> bool:
    """A send that failed because the broker is unreachable (not because a task failed in this process)."""
    from kombu.exceptions import OperationalError

    return isinstance(error, OperationalError | ConnectionError)
