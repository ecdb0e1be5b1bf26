import base64

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


SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def test_webhooks_need_their_secret(env):
    env.setenv("FM6SS_WEBHOOK_URLS", "https://a.example/hook, https://b.example/hook")
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        StoreSettings()
    env.setenv("FM6SS_WEBHOOK_SECRET", SECRET)
    assert [h.url for h in StoreSettings().webhooks] == ["https://a.example/hook", "https://b.example/hook"]


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("%", "must be `whsec_` followed by base64"),  # one character, as once accepted
        ("s3cret-but-long-enough-to-pass-a-length-check!", "must be `whsec_` followed by base64"),
        ("whsec_" + base64.b64encode(b"x" * 31).decode(), "holds 31 bytes; it must hold at least 32"),
        ("whsec_not base64!", "must be `whsec_` followed by base64"),
    ],
)
def test_a_weak_or_malformed_webhook_secret_is_refused_by_name(env, secret, reason):
    env.setenv("FM6SS_WEBHOOK_URLS", "https://a.example/hook")
    env.setenv("FM6SS_WEBHOOK_SECRET", secret)
    with pytest.raises(ValidationError, match="FM6SS_WEBHOOK_SECRET") as caught:
        StoreSettings()
    assert reason in str(caught.value) and secret not in str(caught.value)


def test_a_webhook_is_named_by_its_operator_or_by_a_hash_never_by_its_url(env):
    planted = "http://alice:hunter2pw@hooks.example.org/services/T0/B0/XSECRETX?token=tok3n"
    env.setenv("FM6SS_WEBHOOK_SECRET", SECRET)
    env.setenv("FM6SS_WEBHOOK_URLS", f"crm=https://crm.example/in?k=v, {planted}")
    crm, other = StoreSettings().webhooks
    assert (crm.name, crm.url) == ("crm", "https://crm.example/in?k=v")
    assert other.url == planted and other.name.startswith("webhook-")
    assert not any(part in other.name for part in ("alice", "hunter2pw", "XSECRETX", "tok3n", "hooks"))
    env.setenv("FM6SS_WEBHOOK_URLS", "crm=https://crm.example/moved")  # a new URL, the same cursor
    assert StoreSettings().webhooks[0].name == "crm"


def test_bad_webhook_entries_are_refused_without_quoting_their_secrets(env):
    env.setenv("FM6SS_WEBHOOK_SECRET", SECRET)
    env.setenv("FM6SS_WEBHOOK_URLS", "ftp://alice:hunter2pw@h.example/x?token=tok3n")
    with pytest.raises(ValidationError, match=r"entry 1 .* is not an http") as caught:
        StoreSettings()
    assert "hunter2pw" not in str(caught.value) and "tok3n" not in str(caught.value)
    env.setenv("FM6SS_WEBHOOK_URLS", "a=https://h.example/1, a=https://h.example/2")
    with pytest.raises(ValidationError, match="'a' is given twice"):
        StoreSettings()


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
