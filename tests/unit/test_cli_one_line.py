"""Which failures `fm6ss` turns into one `Error:` line, and which stay tracebacks (bugs)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.bus.settings import Settings
from services.cli.common import CliError, setting_error
from services.cli.errors import broker_label, one_line


def test_known_failures_become_one_line_and_bugs_do_not():
    assert one_line(CliError("no source named 'x'")) == "no source named 'x'"
    assert one_line(IsADirectoryError(21, "Is a directory", "/srv/in")) == "/srv/in: Is a directory"
    assert one_line(PermissionError(13, "Permission denied", "/root/x")) == "/root/x: Permission denied"
    assert one_line(ValueError("a bug")) is None
    assert one_line(KeyError("a bug")) is None


def test_a_broker_password_is_not_shown():
    assert broker_label("redis://:s3cret@redis:6379/0") == "redis://***@redis:6379/0"
    assert broker_label("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_settings_errors_name_the_variable_and_not_its_value(env):
    env.setenv("FM6SS_DATABASE_URL", "mysql://user:s3cret@db/x")
    with pytest.raises(ValidationError) as caught:
        Settings()
    said = str(setting_error(caught.value))
    assert said.startswith("bad setting FM6SS_DATABASE_URL: only SQLite (sqlite:///PATH) and PostgreSQL")
    assert "s3cret" not in said and "mysql://..." in said


@pytest.mark.parametrize("url", ["notaurl", "amqp://guest@rabbit//"])
def test_the_broker_must_be_redis(env, url):
    env.setenv("FM6SS_BROKER_URL", url)
    with pytest.raises(ValidationError, match="a Redis URL is expected"):
        Settings()


@pytest.mark.parametrize("url", ["sqlite:///x.db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"])
def test_sqlite_and_postgresql_urls_are_accepted(env, url):
    assert Settings(database_url=url).database_url == url
