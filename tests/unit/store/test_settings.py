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


OPERATOR = "jeton-operateur-2025"


@pytest.mark.parametrize(
    ("host", "publish", "public"),
    [
        ("127.0.0.1", None, False),
        ("localhost", None, False),
        ("::1", None, False),
        ("0.0.0.0", None, True),
        ("::", None, True),
        ("192.168.1.20", None, True),
        ("veille.example", None, True),
        ("0.0.0.0", "127.0.0.1", False),  # compose: bound inside the container, published on loopback
        ("127.0.0.1", "0.0.0.0", True),
    ],
)
def test_production_needs_a_read_token_when_the_api_is_reachable_beyond_loopback(env, host, publish, public):
    env.setenv("FM6SS_ENVIRONMENT", "production")
    env.setenv("FM6SS_API_TOKEN", OPERATOR)
    env.setenv("FM6SS_API_HOST", host)
    if publish:
        env.setenv("FM6SS_API_PUBLISH_HOST", publish)
    if public:
        with pytest.raises(ValidationError, match="FM6SS_API_READ_TOKEN is required when FM6SS_ENVIRONMENT"):
            StoreSettings()
        env.setenv("FM6SS_API_READ_TOKEN", "jeton-de-lecture-2025")
    assert StoreSettings().api_token == OPERATOR
    env.setenv("FM6SS_ENVIRONMENT", "development")  # outside production a public bind is the operator's call
    env.delenv("FM6SS_API_READ_TOKEN", raising=False)
    assert StoreSettings().api_read_token is None


def test_production_refuses_webhooks_without_their_secret(env):
    env.setenv("FM6SS_ENVIRONMENT", "production")
    env.setenv("FM6SS_API_TOKEN", OPERATOR)
    env.setenv("FM6SS_WEBHOOK_URLS", "https://recepteur.example/fm6ss")
    with pytest.raises(ValidationError, match="FM6SS_WEBHOOK_SECRET is required"):
        StoreSettings()
