"""The page archive: every fetched or imported body, compressed and content-addressed.

Messages carry only the key, so the whole corpus can be re-parsed without the network. The archive is
a local folder (the default) or an S3 bucket (`services/bus/s3archive.py`, loaded only when used), named
by FM6SS_ARCHIVE_URL; both keep a body as `ab/cd/<sha256>.gz`, gzip at the same level.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from services.bus.settings import Settings

_KEY = re.compile(r"^[0-9a-f]{64}$")
# gzip level 4: on the 181 real news pages of the extraction benchmark (174 KB on average) 1.7 ms a page
# and 20.7 % of the size, where level 6 takes 3.1 ms for 19.8 %.
LEVEL = 4


class ArchiveError(LookupError):
    """The archive has no body under this key (or the key is not one): no retry brings it back."""


class ArchiveUnavailable(Exception):
    """The archive could not be reached or answered with a failure: a retry may succeed."""


class ArchiveSetupError(Exception):
    """The archive cannot be used as configured (no such bucket, keys refused, server unreachable)."""


class Archive(Protocol):
    def put(self, body: bytes) -> str: ...

    def get(self, key: str) -> bytes: ...

    def __contains__(self, key: object) -> bool: ...

    # What `fm6ss archive copy` and `check` need: the stored keys, and a body as stored (gzip).
    def keys(self) -> Iterator[str]: ...

    def get_raw(self, key: str) -> bytes: ...

    def put_raw(self, key: str, data: bytes) -> None: ...

    def describe(self) -> str: ...


def key_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def is_key(key: str) -> bool:
    return bool(_KEY.match(key))


def _check_key(key: str) -> str:
    if not _KEY.match(key):
        raise ArchiveError(f"not an archive key (64 hex digits expected): {key!r}")
    return key


def compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=LEVEL, mtime=0)


def relative_path(key: str) -> str:
    """Where a body lives under the archive's root: `ab/cd/<key>.gz`, in a folder or a bucket alike."""
    _check_key(key)
    return f"{key[:2]}/{key[2:4]}/{key}.gz"


def key_of_path(path: str) -> str | None:
    """The key a stored name holds, or None for anything else (a temp file, a stray object)."""
    name = path.rsplit("/", 1)[-1]
    key = name[:-3] if name.endswith(".gz") else ""
    return key if _KEY.match(key) and path.endswith(relative_path(key)) else None


def verified(key: str, data: bytes) -> bytes:
    """The body a stored blob holds, checked against its key (a copy must not spread a damaged body)."""
    try:
        body = gzip.decompress(data)
    except (OSError, EOFError) as exc:
        raise ArchiveError(f"body {key} is not readable gzip: {exc}") from None
    if key_of(body) != key:
        raise ArchiveError(f"body {key} does not match its key (sha256 {key_of(body)})")
    return body


class FileArchive:
    """gzip files under `root/ab/cd/<sha256>.gz`; writes are atomic (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / relative_path(key)

    def put(self, body: bytes) -> str:
        key = key_of(body)
        if not self._path(key).exists():
            self.put_raw(key, compress(body))
        return key

    def put_raw(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except FileNotFoundError:  # the directory's first body (trying first saves a mkdir the other times)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as raw:
                raw.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return gzip.decompress(self.get_raw(key))

    def get_raw(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ArchiveError(f"archive has no body {key} (looked in {path})") from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(_KEY.match(key)) and self._path(key).exists()

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*.gz")):
            key = key_of_path(path.relative_to(self.root).as_posix())
            if key is not None:
                yield key

    def describe(self) -> str:
        return f"file://{self.root.resolve()}"


class MemoryArchive:
    """In-memory archive for unit tests and one-shot runs."""

    def __init__(self) -> None:
        self._bodies: dict[str, bytes] = {}

    def put(self, body: bytes) -> str:
        key = key_of(body)
        if key not in self._bodies:
            self._bodies[key] = compress(body)
        return key

    def put_raw(self, key: str, data: bytes) -> None:
        self._bodies[_check_key(key)] = data

    def get(self, key: str) -> bytes:
        return gzip.decompress(self.get_raw(key))

    def get_raw(self, key: str) -> bytes:
        try:
            return self._bodies[_check_key(key)]
        except KeyError:
            raise ArchiveError(f"archive has no body {key}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._bodies

    def keys(self) -> Iterator[str]:
        yield from sorted(self._bodies)

    def describe(self) -> str:
        return "memory"


def open_archive(settings: Settings) -> Archive:
    """The archive FM6SS_ARCHIVE_URL names (default: the data folder's `archive`)."""
    return (
        archive_at(settings.archive_url, settings)
        if settings.archive_url
        else FileArchive(settings.archive_dir)
    )


def archive_at(url: str, settings: Settings) -> Archive:
    """The archive at `url` (file:///PATH, a path, or s3://BUCKET/PREFIX with the settings' S3 server)."""
    from services.bus.settings import archive_location

    location = archive_location(url)
    if isinstance(location, Path):
        return FileArchive(location)
    from services.bus.s3archive import S3Archive  # the S3 client loads only when an S3 archive is used

    return S3Archive.from_settings(location[0], location[1], settings)


def check_archive(settings: Settings, *, apart: bool = False) -> None:
    """Stop at start, with one line (`ArchiveSetupError`), when an S3 archive cannot be used: no such
    bucket, keys refused, server unreachable. `apart`: in a child process (a worker that forks after)."""
    if not settings.archive_url or isinstance(settings.archive_location, Path):
        return
    from services.bus import s3archive

    if apart:
        s3archive.check_apart()
        return
    archive = open_archive(settings)
    assert isinstance(archive, s3archive.S3Archive)
    archive.check()


_opened: tuple[int, str | None, Archive] | None = None


def process_archive(settings: Settings) -> Archive:
    """One archive a process, opened at first use (a forked worker child opens its own)."""
    global _opened
    if _opened is None or _opened[0] != os.getpid() or _opened[1] != _identity(settings):
        _opened = (os.getpid(), _identity(settings), open_archive(settings))
    return _opened[2]


def _identity(settings: Settings) -> str:
    return settings.archive_url or str(settings.archive_dir)
