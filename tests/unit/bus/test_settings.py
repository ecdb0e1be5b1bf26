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


def test_production_refuses_to_run_without_an_operator_token(env):
    env.setenv("FM6SS_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="API_TOKEN"):
        Settings()
    env.setenv("FM6SS_API_TOKEN", "short")
    with pytest.raises(ValidationError, match="at least 16"):
        Settings()


def test_a_read_token_is_optional_and_at_least_16_characters(env):
    assert Settings().api_read_token is None
    env.setenv("FM6SS_API_READ_TOKEN", "court")
    with pytest.raises(ValidationError, match="API_READ_TOKEN must be at least 16"):
        Settings()
    env.setenv("FM6SS_API_READ_TOKEN", "jeton-de-lecture-2025")
    assert Settings().api_read_token == "jeton-de-lecture-2025"


def test_an_empty_variable_is_unset_as_env_example_lists_them(env):
    env.setenv("FM6SS_API_TOKEN", "")
    env.setenv("FM6SS_API_READ_TOKEN", "")
    env.setenv("FM6SS_BROKER_URL", "")
    s = Settings()
    assert s.api_token is None and s.api_read_token is None and s.embedded
