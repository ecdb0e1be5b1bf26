import pytest
from pydantic import ValidationError

from services.store.settings import StoreSettings


def test_production_refuses_to_run_without_an_operator_token(env):
    env.setenv("FM6SS_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="API_TOKEN"):
        StoreSettings()
    env.setenv("FM6SS_API_TOKEN", "short")
    with pytest.raises(ValidationError, match="at least 16"):
        StoreSettings()


def test_a_read_token_is_optional_and_at_least_16_characters(env):
    assert StoreSettings().api_read_token is None
    env.setenv("FM6SS_API_READ_TOKEN", "court")
    with pytest.raises(ValidationError, match="API_READ_TOKEN must be at least 16"):
        StoreSettings()
    env.setenv("FM6SS_API_READ_TOKEN", "jeton-de-lecture-2025")
    assert StoreSettings().api_read_token == "jeton-de-lecture-2025"


def test_an_empty_variable_is_unset_as_env_example_lists_them(env):
    env.setenv("FM6SS_API_TOKEN", "")
    env.setenv("FM6SS_API_READ_TOKEN", "")
    s = StoreSettings()
    assert s.api_token is None and s.api_read_token is None


def test_webhooks_need_their_secret(env):
    env.setenv("FM6SS_WEBHOOK_URLS", "https://a.example/hook, https://b.example/hook")
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        StoreSettings()
    env.setenv("FM6SS_WEBHOOK_SECRET", "s3cret")
    assert StoreSettings().webhooks == ["https://a.example/hook", "https://b.example/hook"]
