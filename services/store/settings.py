"""The store's own settings: the HTTP API (address, tokens) and the push consumers of the change feed.

Read from the same FM6SS_* variables as before (deploy/env.example lists them); the shared ones (database,
broker, Redis, time limits) stay in services.bus.settings. Validated when built, so a bad value stops the
process that needs it at its start.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.bus.redact import masked_url, url_digest

MIN_SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"
_HOOK_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}", re.IGNORECASE)


@dataclass(frozen=True)
class Webhook:
    """One receiver of the change feed: its name (the operator's, or a hash of the URL) names its cursor;
    the URL itself is never shown."""

    name: str
    url: str


def parse_webhooks(value: str) -> list[Webhook]:
    """`[NAME=]URL, ...`; raises ValueError naming the entry (masked), never quoting a secret."""
    hooks: list[Webhook] = []
    for i, entry in enumerate((e.strip() for e in value.split(",")), start=1):
        if not entry:
            continue
        name, _, rest = entry.partition("=")
        if _HOOK_NAME.fullmatch(name) and rest.startswith(("http://", "https://")):
            url = rest.strip()
        else:
            name, url = f"webhook-{url_digest(entry)}", entry
        try:
            parts = urlsplit(url)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"FM6SS_WEBHOOK_URLS entry {i} ({masked_url(url)}) is not an http(s) URL")
        if any(h.name == name for h in hooks):
            raise ValueError(f"FM6SS_WEBHOOK_URLS: the name {name!r} is given twice")
        hooks.append(Webhook(name, url))
    return hooks


def secret_bytes(value: str) -> bytes:
    """The key a Standard Webhooks secret (`whsec_` + base64) stands for; ValueError if it is not one."""
    body = value.removeprefix(SECRET_PREFIX)
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not value.startswith(SECRET_PREFIX) or not raw:
        raise ValueError(
            "FM6SS_WEBHOOK_SECRET must be `whsec_` followed by base64 (the Standard Webhooks form); "
            "`fm6ss relay new-secret` prints one"
        )
    if len(raw) < MIN_SECRET_BYTES:
        raise ValueError(
            f"FM6SS_WEBHOOK_SECRET holds {len(raw)} bytes; it must hold at least {MIN_SECRET_BYTES} "
            "random bytes (`fm6ss relay new-secret` prints one)"
        )
    return raw


class StoreSettings(BaseSettings):
    """Every variable is listed in deploy/env.example."""

    # An empty variable (as deploy/env.example lists them) means unset, not "".
    # Errors never echo a value: the secrets and webhook URLs are settings too.
    model_config = SettingsConfigDict(
        env_prefix="FM6SS_", extra="ignore", frozen=True, env_ignore_empty=True, hide_input_in_errors=True
    )

    # Shared (services.bus.settings); read here too: production refuses to serve without an operator token.
    environment: Literal["development", "test", "production"] = "development"
    changes_stream: str = "fm6ss:changes"
    changes_stream_maxlen: int = Field(default=100_000, ge=1000)
    webhook_urls: str = Field(
        default="", description="comma-separated `[NAME=]URL` entries that receive change batches"
    )
    webhook_secret: str | None = Field(
        default=None, description="Standard Webhooks signing secret: `whsec_` + base64 of >= 32 bytes"
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_publish_host: str | None = Field(
        default=None,
        description=(
            "where a port mapping publishes the API (compose): production judges exposure by it, not by"
            " the address bound inside the container"
        ),
    )
    api_token: str | None = Field(default=None, description="operator token for write endpoints")
    api_read_token: str | None = Field(
        default=None,
        description="unset: read endpoints are public; set: they need it (or the operator token)",
    )
    console_session_hours: int = Field(
        default=12, ge=1, le=720, description="how long a console login lasts before the form asks again"
    )
    api_max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="a larger request body answers 413 before it is read"
    )

    @field_validator("webhook_urls")
    @classmethod
    def _hooks(cls, value: str) -> str:
        parse_webhooks(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None:
            secret_bytes(value)
        return value

    @model_validator(mode="after")
    def _check(self) -> StoreSettings:
        if self.environment == "production":
            self._check_production()
        if self.webhook_urls.strip() and not self.webhook_secret:
            raise ValueError("FM6SS_WEBHOOK_SECRET is required when FM6SS_WEBHOOK_URLS is set")
        if self.api_token is not None and len(self.api_token) < 16:
            raise ValueError("FM6SS_API_TOKEN must be at least 16 characters")
        if self.api_read_token is not None and len(self.api_read_token) < 16:
            raise ValueError("FM6SS_API_READ_TOKEN must be at least 16 characters")
        return self

    def _check_production(self) -> None:
        """What production refuses to run without (a webhook secret is required in every mode, below): a
        process of a deployment that lacks one fails at its start with one line naming the setting."""
        if not self.api_token:
            raise ValueError("FM6SS_API_TOKEN is required when FM6SS_ENVIRONMENT=production")
        if not self.api_read_token and not is_loopback(self.exposed_host):
            raise ValueError(
                "FM6SS_API_READ_TOKEN is required when FM6SS_ENVIRONMENT=production and the API is"
                f" reachable beyond loopback (at {self.exposed_host!r}): set it, or publish on 127.0.0.1"
            )

    @property
    def exposed_host(self) -> str:
        """The address others reach the API at: the published one behind a port mapping, else the bound."""
        return self.api_publish_host or self.api_host

    @property
    def webhooks(self) -> list[Webhook]:
        return parse_webhooks(self.webhook_urls)


def is_loopback(host: str) -> bool:
    """Only this machine can reach the address: `localhost` or a loopback IP (0.0.0.0 and "" are every
    interface, a name may resolve anywhere)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
