"""The page archive in an S3 bucket (any S3-compatible server: SeaweedFS, MinIO, AWS), through obstore.

obstore was measured against boto3 and minio on SeaweedFS (`bench/s3clients.py`, bench/RESULTS.md): it
imports in 0.03 s (boto3 1.1 s, minio 0.5 s), adds 10 MiB to a process (38 and 20) and writes or reads a
body in 1-2.5 ms (boto3 4-12 ms). Its Rust runtime does not survive a fork, so each process opens its own
client at first use, and a worker's start-up check runs in a process of its own (`check_apart`), never
in the worker's main process that forks the pool.

A put asks first whether the key is there (HEAD): a body already stored costs no upload. Failures split
in two: a key the bucket does not hold is `ArchiveError` (no retry can help); anything else (a refused
connection, a timeout, a 5xx, keys refused mid-run) is `ArchiveUnavailable`, which tasks retry.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from services.bus.archive import (
    ArchiveError,
    ArchiveSetupError,
    ArchiveUnavailable,
    compress,
    is_key,
    key_of,
    key_of_path,
    relative_path,
)

if TYPE_CHECKING:
    from obstore.store import ClientConfig, RetryConfig, S3Config

    from services.bus.settings import Settings


class S3Archive:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint, self.region = endpoint, region
        self._keys = (access_key_id, secret_access_key)
        self._store: tuple[int, Any] | None = None

    @classmethod
    def from_settings(cls, bucket: str, prefix: str, settings: Settings) -> S3Archive:
        secret = settings.s3_secret_access_key
        return cls(
            bucket,
            prefix,
            endpoint=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret is not None else None,
        )

    def describe(self) -> str:
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/") + where

    def store(self) -> Any:
        """This process's client, built at first use (a forked child builds its own)."""
        if self._store is None or self._store[0] != os.getpid():
            from obstore.store import S3Store

            config: S3Config = {}
            if self.region:
                config["region"] = self.region
            if self.endpoint:
                config["endpoint"] = self.endpoint
            key_id, secret = self._keys
            if key_id and secret:
                config["access_key_id"], config["secret_access_key"] = key_id, secret
            else:
                config["skip_signature"] = True  # no keys given: anonymous requests, as the server allows
            # The client's own retries stay short: a task retries a longer outage with its backoff, and
            # a worker blocked for minutes inside one request would hold its task past the time limit.
            options: ClientConfig = {
                "timeout": "10s",
                "connect_timeout": "3s",
                "pool_idle_timeout": "60s",
                "allow_http": bool(self.endpoint and self.endpoint.startswith("http:")),
            }
            retry: RetryConfig = {
                "max_retries": 2,
                "backoff": {
                    "init_backoff": timedelta(seconds=0.2),
                    "max_backoff": timedelta(seconds=2),
                    "base": 2,
                },
                "retry_timeout": timedelta(seconds=5),
            }
            store = S3Store(self.bucket, config=config, client_options=options, retry_config=retry)
            self._store = (os.getpid(), store)
        return self._store[1]

    def _path(self, key: str) -> str:
        return f"{self.prefix}/{relative_path(key)}" if self.prefix else relative_path(key)

    def put(self, body: bytes) -> str:
        key = key_of(body)
        if key not in self:
            self.put_raw(key, compress(body))
        return key

    def put_raw(self, key: str, data: bytes) -> None:
        import obstore

        path = self._path(key)
        try:
            obstore.put(self.store(), path, data)
        except _client_errors() as exc:
            raise ArchiveUnavailable(f"cannot write {path} to {self.describe()}: {_said(exc)}") from None

    def get(self, key: str) -> bytes:
        return gzip.decompress(self.get_raw(key))

    def get_raw(self, key: str) -> bytes:
        import obstore

        path = self._path(key)
        try:
            return bytes(obstore.get(self.store(), path).bytes())
        except FileNotFoundError:
            raise ArchiveError(
                f"archive has no body {key} (looked for {path} in {self.describe()})"
            ) from None
        except _client_errors() as exc:
            raise ArchiveUnavailable(f"cannot read {path} from {self.describe()}: {_said(exc)}") from None

    def __contains__(self, key: object) -> bool:
        import obstore

        if not isinstance(key, str) or not is_key(key):
            return False
        try:
            obstore.head(self.store(), self._path(key))
        except FileNotFoundError:
            return False
        except _client_errors() as exc:
            raise ArchiveUnavailable(f"cannot ask {self.describe()} for {key}: {_said(exc)}") from None
        return True

    def keys(self) -> Iterator[str]:
        import obstore

        start = f"{self.prefix}/" if self.prefix else ""
        try:
            for chunk in obstore.list(self.store(), prefix=self.prefix or None, chunk_size=1000):
                for meta in chunk:
                    key = key_of_path(str(meta["path"])[len(start) :])
                    if key is not None:
                        yield key
        except _client_errors() as exc:
            raise ArchiveUnavailable(f"cannot list {self.describe()}: {_said(exc)}") from None

    def check(self) -> None:
        """Can this process list the bucket (it exists, the keys are accepted, the server answers)? One
        line saying which is wrong if not. Writing is not tried: a worker start leaves nothing behind."""
        import obstore

        try:
            next(iter(obstore.list(self.store(), prefix=self.prefix or None, chunk_size=1)), None)
        except _client_errors() as exc:
            raise ArchiveSetupError(self._setup_error(exc)) from None

    def _setup_error(self, exc: BaseException) -> str:
        text = str(exc)
        where = self.endpoint or "the default AWS endpoint"
        if "NoSuchBucket" in text:
            return (
                f"the archive's bucket {self.bucket!r} does not exist at {where}: "
                "create it, or fix FM6SS_ARCHIVE_URL"
            )
        refused = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403 Forbidden", "401")
        if any(word in text for word in refused):
            return (
                f"the archive's server at {where} refused the credentials for bucket {self.bucket!r}: fix "
                "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY "
                "(or FM6SS_S3_ACCESS_KEY_ID / FM6SS_S3_SECRET_ACCESS_KEY)"
            )
        if "error sending request" in text or "timed out" in text.lower() or "connect" in text.lower():
            return (
                f"cannot reach the archive's server at {where}: start it, or fix AWS_ENDPOINT_URL "
                "(or FM6SS_S3_ENDPOINT_URL)"
            )
        return f"the archive at {self.describe()} failed: {_said(exc)}"


def _client_errors() -> tuple[type[BaseException], ...]:
    """What the client raises for a failed request (its own errors, and OSError for not found, refused
    keys and timeouts); anything else is a bug here and keeps its traceback."""
    from obstore.exceptions import BaseError

    return (BaseError, OSError)


def _said(exc: BaseException) -> str:
    """A client error's first line (obstore adds a debug dump below it), kept short."""
    from services.bus.redact import masked_text

    lines = str(exc).strip().splitlines()
    return masked_text(lines[0] if lines else type(exc).__name__)[:300]


def check_apart(timeout_s: float = 60.0) -> None:
    """The start-up check of this process's archive, run in a child interpreter of its own, so that the
    caller (a worker about to fork its pool) never starts the client's runtime, which a fork breaks."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "services.bus.s3archive"],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ArchiveSetupError(f"the archive's server did not answer within {timeout_s:.0f} s") from None
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        raise ArchiveSetupError(lines[-1] if lines else f"the archive check failed ({done.returncode})")


def _main() -> int:
    # Run as __main__, this module's classes are not those `archive` imports: go through `archive`.
    from services.bus.archive import check_archive
    from services.bus.settings import Settings

    try:
        check_archive(Settings())
    except ArchiveSetupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main())
