"""The archive's contract, the same for a folder, memory and a real S3 server (SeaweedFS), and what only
the S3 archive does: no upload for a body already there, one-line start-up errors, retryable outages."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from services.bus.archive import (
    Archive,
    ArchiveError,
    ArchiveSetupError,
    ArchiveUnavailable,
    FileArchive,
    MemoryArchive,
    archive_at,
    check_archive,
    key_of,
    open_archive,
    verified,
)
from services.bus.s3archive import S3Archive
from services.bus.settings import Settings
from tests.conftest import S3_BUCKET
from tests.seaweed import ACCESS_KEY, SECRET_KEY, Seaweed
from tests.servers import closed_port

pytestmark = pytest.mark.integration

BODIES = [
    "<p>Signature d'une convention à Rabat, مذكرة تفاهم</p>".encode(),
    b"<html><body>An agreement signed in Casablanca</body></html>",
    "<p>اتفاقية شراكة بين المؤسسة والجامعة</p>".encode() * 50,
]


def settings_of(env: dict[str, str], **more: object) -> Settings:
    return Settings(
        archive_url=env["FM6SS_ARCHIVE_URL"],
        s3_endpoint_url=env["AWS_ENDPOINT_URL"],
        s3_region=env["AWS_REGION"],
        s3_access_key_id=env["AWS_ACCESS_KEY_ID"],
        s3_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        **more,
    )


@pytest.fixture(params=["file", "memory", "s3"])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Archive:
    if request.param == "file":
        return FileArchive(tmp_path / "archive")
    if request.param == "memory":
        return MemoryArchive()
    return open_archive(settings_of(request.getfixturevalue("s3_env")))


def test_put_get_contains_keys(archive: Archive) -> None:
    assert list(archive.keys()) == []
    keys = [archive.put(body) for body in BODIES]
    assert keys == [key_of(body) for body in BODIES]
    assert [archive.put(body) for body in BODIES] == keys  # the same key again
    assert [archive.get(key) for key in keys] == BODIES
    assert all(key in archive for key in keys)
    assert "0" * 64 not in archive and "not a key" not in archive and 42 not in archive
    assert sorted(archive.keys()) == sorted(keys)


def test_stored_form_is_gzip_at_the_archive_level(archive: Archive) -> None:
    key = archive.put(BODIES[2])
    raw = archive.get_raw(key)
    assert gzip.decompress(raw) == BODIES[2] and len(raw) < len(BODIES[2]) / 5
    assert verified(key, raw) == BODIES[2]
    with pytest.raises(ArchiveError, match="does not match its key"):
        verified("0" * 64, raw)


def test_missing_and_bad_keys_are_archive_errors(archive: Archive) -> None:
    with pytest.raises(ArchiveError, match="has no body"):
        archive.get("a" * 64)
    with pytest.raises(ArchiveError, match="not an archive key"):
        archive.get("../../etc/passwd")


def test_raw_copy_between_backends(archive: Archive, tmp_path: Path) -> None:
    source = FileArchive(tmp_path / "source")
    keys = [source.put(body) for body in BODIES]
    for key in keys:
        archive.put_raw(key, source.get_raw(key))
    assert [archive.get(key) for key in keys] == BODIES


def test_s3_layout_is_the_folders(s3_env: dict[str, str], seaweed: Seaweed) -> None:
    import obstore

    archive = open_archive(settings_of(s3_env))
    assert isinstance(archive, S3Archive)
    key = archive.put(BODIES[0])
    prefix = s3_env["FM6SS_ARCHIVE_URL"].split("/", 3)[3]
    meta = obstore.head(archive.store(), f"{prefix}/{key[:2]}/{key[2:4]}/{key}.gz")
    assert meta["size"] == len(archive.get_raw(key))
    assert archive.describe() == f"{s3_env['FM6SS_ARCHIVE_URL']} at {seaweed.endpoint}"


def test_s3_put_of_a_stored_body_uploads_nothing(s3_env: dict[str, str]) -> None:
    import obstore

    archive = open_archive(settings_of(s3_env))
    assert isinstance(archive, S3Archive)
    key = archive.put(BODIES[1])
    path = archive._path(key)
    first = obstore.head(archive.store(), path)["last_modified"]
    time.sleep(1.1)  # a second upload would be stamped at least a second later
    puts: list[str] = []
    real_put = archive.put_raw
    archive.put_raw = lambda k, data: (puts.append(k), real_put(k, data))  # type: ignore[method-assign]
    assert archive.put(BODIES[1]) == key
    assert puts == []
    assert obstore.head(archive.store(), path)["last_modified"] == first


def test_s3_archive_url_from_the_environment(env: pytest.MonkeyPatch, s3_env: dict[str, str]) -> None:
    for name, value in s3_env.items():
        env.setenv(name, value)
    settings = Settings()
    assert settings.s3_access_key_id == ACCESS_KEY
    archive = open_archive(settings)
    key = archive.put(BODIES[0])
    assert archive.get(key) == BODIES[0]
    check_archive(settings)
    check_archive(settings, apart=True)  # in a child interpreter, as a worker does


def test_setup_errors_say_which(s3_env: dict[str, str], seaweed: Seaweed) -> None:
    missing = settings_of(s3_env | {"FM6SS_ARCHIVE_URL": "s3://no-such-bucket-here/x"})
    with pytest.raises(ArchiveSetupError, match="bucket 'no-such-bucket-here' does not exist"):
        check_archive(missing)
    wrong = settings_of(s3_env | {"AWS_SECRET_ACCESS_KEY": "not-the-secret-at-all"})
    with pytest.raises(ArchiveSetupError, match="refused the credentials"):
        check_archive(wrong)
    unknown = settings_of(s3_env | {"AWS_ACCESS_KEY_ID": "nobody-knows-me"})
    with pytest.raises(ArchiveSetupError, match="refused the credentials"):
        check_archive(unknown)
    with closed_port() as port:
        nowhere = settings_of(s3_env | {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"})
        with pytest.raises(
            ArchiveSetupError, match=r"cannot reach the archive's server at http://127\.0\.0\.1:"
        ):
            check_archive(nowhere)
        for settings in (missing, wrong, unknown, nowhere):  # one line each
            with pytest.raises(ArchiveSetupError) as caught:
                check_archive(settings)
            assert "\n" not in str(caught.value) and SECRET_KEY not in str(caught.value)


def test_an_unreachable_server_is_unavailable_not_missing(s3_env: dict[str, str]) -> None:
    with closed_port() as port:
        archive = archive_at(
            f"s3://{S3_BUCKET}/x", settings_of(s3_env | {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"})
        )
        with pytest.raises(ArchiveUnavailable, match="cannot ask"):
            archive.put(BODIES[0])
        with pytest.raises(ArchiveUnavailable, match="cannot read"):
            archive.get(key_of(BODIES[0]))
        with pytest.raises(ArchiveUnavailable, match="cannot list"):
            list(archive.keys())
    assert not isinstance(ArchiveUnavailable("x"), ArchiveError)
