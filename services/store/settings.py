"""The store's own settings: the HTTP API (address, tokens) and the push consumers of the change feed.

Read from the same FM6SS_* variables as before (deploy/env.example lists them); the shared ones (database,
broker, Redis, time limits) stay in services.bus.settings. Validated when built, so a bad value stops the
process that needs it at its start.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class StoreSettings(BaseSettings):
    """Every variable is listed in deploy/env.example."""

    # An empty variable (as deploy/env.example lists them) means unset, not "".
    model_config = SettingsConfigDict(env_prefix="FM6SS_", extra="ignore", frozen=True, env_ignore_empty=True)

    # Shared (services.bus.settings); read here too: production refuses to serve without an operator token.
    environment: Literal["development", "test", "production"] = "development"
    changes_stream: str = "fm6ss:changes"
    changes_stream_maxlen: int = Field(default=100_000, ge=1000)
    webhook_urls: str = Field(default="", description="comma-separated URLs that receive change batches")
    webhook_secret: str | None = Field(default=None, description="HMAC-SHA256 key for the signature header")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_token: str | None = Field(default=None, description="operator token for write endpoints")
    api_read_token: str | None = Field(
        default=None,
        description="unset: read endpoints are public; set: they need it (or the operator token)",
    )
    api_max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="a larger request body answers 413 before it is read"
    )

    @model_validator(mode="after")
    def _check(self) -> StoreSettings:
        if self.environment == "production" and not self.api_token:
            raise ValueError("FM6SS_API_TOKEN is required when FM6SS_ENVIRONMENT=production")
        if self.webhook_urls.strip() and not self.webhook_secret:
            raise ValueError("FM6SS_WEBHOOK_SECRET is required when FM6SS_WEBHOOK_URLS is set")
        if self.api_token is not None and len(self.api_token) < 16:
            raise ValueError("FM6SS_API_TOKEN must be at least 16 characters")
        if self.api_read_token is not None and len(self.api_read_token) < 16:
            raise ValueError("FM6SS_API_READ_TOKEN must be at least 16 characters")
        return self

    @property
    def webhooks(self) -> list[str]:
        return [u.strip() for u in self.webhook_urls.split(",") if u.strip()]
