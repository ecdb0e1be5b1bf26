"""Settings shared by every service: one validated class, read from FM6SS_* variables.

A service's own settings are its own class (services/crawler/settings.py, services/store/settings.py);
nothing else reads the environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every variable is listed in deploy/env.example."""

    # An empty variable (as deploy/env.example lists them) means unset, not "".
    model_config = SettingsConfigDict(
        env_prefix="FM6SS_", extra="ignore", frozen=True, env_ignore_empty=True, populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Field(default=Path("./data"), description="SQLite database and page archive")
    database_url: str | None = Field(default=None, description="defaults to SQLite under data_dir")
    broker_url: str | None = Field(default=None, description="no broker: embedded, in-process mode")
    result_backend: str | None = None
    visibility_timeout_s: int = 3600
    task_soft_time_limit_s: int = 300
    task_time_limit_s: int = 360
    task_max_retries: int = 5
    batch_size: int = Field(
        default=20,
        ge=1,
        le=100,
        description=(
            "pages a fetch or parse task takes at once (one host a batch); a parse batch's articles go to"
            " the store as one message"
        ),
    )
    redis_url: str | None = Field(
        default=None, description="change stream, locks; defaults to a redis broker"
    )
    log_level: str = "INFO"
    archive_url: str | None = Field(
        default=None,
        description="where page bodies live: file:///PATH or s3://BUCKET/PREFIX; default data_dir/archive",
    )
    # The S3 archive's server and keys: FM6SS_S3_* first, else the standard AWS variables.
    s3_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("FM6SS_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL")
    )
    s3_region: str | None = Field(
        default=None, validation_alias=AliasChoices("FM6SS_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION")
    )
    s3_access_key_id: str | None = Field(
        default=None, validation_alias=AliasChoices("FM6SS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID")
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("FM6SS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY")
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str | None) -> str | None:
        if url is not None and _scheme(url).split("+")[0] not in ("sqlite", "postgres", "postgresql"):
            raise ValueError(
                "only SQLite (sqlite:///PATH) and PostgreSQL (postgresql://USER@HOST/DB) are supported, "
                f"not {_shown(url)}"
            )
        return url

    @field_validator("broker_url", "redis_url")
    @classmethod
    def _redis(cls, url: str | None) -> str | None:
        if url is not None and _scheme(url) not in ("redis", "rediss", "unix"):
            raise ValueError(f"a Redis URL is expected (redis://HOST:PORT/DB), not {_shown(url)}")
        return url

    @field_validator("archive_url")
    @classmethod
    def _archive(cls, url: str | None) -> str | None:
        if url is not None:
            archive_location(url)  # raises ValueError saying what is wrong
        return url

    @field_validator("s3_endpoint_url")
    @classmethod
    def _endpoint(cls, url: str | None) -> str | None:
        if url is not None and _scheme(url) not in ("http", "https"):
            raise ValueError(f"an http(s) URL is expected for the S3 endpoint, not {_shown(url)}")
        return url

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.task_time_limit_s >= self.visibility_timeout_s:
            raise ValueError(
                "FM6SS_TASK_TIME_LIMIT_S must stay below FM6SS_VISIBILITY_TIMEOUT_S, "
                "or the broker redelivers a task that is still running"
            )
        if self.task_soft_time_limit_s >= self.task_time_limit_s:
            raise ValueError("FM6SS_TASK_SOFT_TIME_LIMIT_S must be below FM6SS_TASK_TIME_LIMIT_S")
        return self

    @property
    def embedded(self) -> bool:
        return not self.broker_url

    @property
    def redis(self) -> str | None:
        if self.redis_url:
            return self.redis_url
        return self.broker_url if self.broker_url and self.broker_url.startswith("redis") else None

    @property
    def archive_dir(self) -> Path:
        """The local archive's folder (the default archive, or the one FM6SS_ARCHIVE_URL names)."""
        location = self.archive_location
        return location if isinstance(location, Path) else self.data_dir / "archive"

    @property
    def archive_location(self) -> Path | tuple[str, str]:
        """A folder, or an S3 (bucket, prefix)."""
        return archive_location(self.archive_url) if self.archive_url else self.data_dir / "archive"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'fm6ss.db').resolve()}"


def archive_location(url: str) -> Path | tuple[str, str]:
    """`file:///PATH` (or a plain path) as a folder; `s3://BUCKET/PREFIX` as (bucket, prefix)."""
    scheme = _scheme(url)
    if scheme == "s3":
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError("an S3 archive URL names its bucket: s3://BUCKET/PREFIX")
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise ValueError(f"not an S3 bucket name (3-63 of a-z, 0-9, '.', '-'): {bucket!r}")
        return bucket, prefix.strip("/")
    if scheme == "file":
        path = url[len("file://") :]
        if not path.startswith("/"):
            raise ValueError(f"a file archive URL is absolute, file:///PATH, not {url!r}")
        return Path(path)
    if scheme:
        raise ValueError(f"an archive URL is file:///PATH or s3://BUCKET/PREFIX, not {_shown(url)}")
    if not url.strip():
        raise ValueError("an archive URL is file:///PATH or s3://BUCKET/PREFIX, not an empty value")
    return Path(url)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _shown(url: str) -> str:
    """What an error says of a URL: its scheme only (the rest may hold a password)."""
    return f"{_scheme(url)}://..." if _scheme(url) else "a value without a scheme (SCHEME://...)"


def normalize_database_url(url: str) -> str:
    """Accept plain postgres:// URLs and route them to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
