import pytest
from pydantic import ValidationError

from services.bus.settings import Settings, normalize_database_url


def test_defaults_are_embedded_sqlite_under_the_data_dir(env, tmp_path):
    s = Settings()
    assert s.embedded
    assert s.sqlalchemy_url == f"sqlite:///{(tmp_path / 'data' / 'fm6ss.db').resolve()}"
    assert s.archive_dir == tmp_path / "data" / "archive"


def test_postgres_urls_use_psycopg3():
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_time_limits_must_stay_below_the_visibility_timeout(env):
    env.setenv("FM6SS_VISIBILITY_TIMEOUT_S", "300")
    with pytest.raises(ValidationError, match="VISIBILITY_TIMEOUT"):
        Settings()


def test_an_empty_variable_is_unset_as_env_example_lists_them(env):
    env.setenv("FM6SS_BROKER_URL", "")
    assert Settings().embedded
