"""`fm6ss archive copy` and `check`, and the S3 archive from the commands an operator runs (each in a
process of its own, as the environment reaches it): an import keeps nothing in the local archive folder,
a copy is resumable and checks every body, a worker whose archive is unusable stops at start."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.bus.archive import archive_at, key_of
from services.bus.settings import Settings
from tests.conftest import ROOT
from tests.seaweed import Seaweed
from tests.servers import REDIS_SERVER, closed_port

pytestmark = pytest.mark.integration

FM6SS = str(Path(sys.executable).with_name("fm6ss"))
EXAMPLES = ROOT / "examples" / "articles.jsonl"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FM6SS, *args], env=env, capture_output=True, text=True, timeout=180, check=False)


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FM6SS_", "AWS_"))}
    return env | {"FM6SS_DATA_DIR": str(tmp_path / "data"), "FM6SS_LOG_LEVEL": "WARNING"}


def s3_archive(env: dict[str, str]):  # type: ignore[no-untyped-def]
    return archive_at(
        env["FM6SS_ARCHIVE_URL"],
        Settings(
            s3_endpoint_url=env["AWS_ENDPOINT_URL"],
            s3_region=env["AWS_REGION"],
            s3_access_key_id=env["AWS_ACCESS_KEY_ID"],
            s3_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        ),
    )


def test_import_copy_check_with_an_s3_archive(
    base_env: dict[str, str], s3_env: dict[str, str], tmp_path: Path
):
    env = base_env | s3_env
    done = run(env, "import", str(EXAMPLES), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "data" / "archive").exists()  # nothing local: every body is in the bucket
    s3 = s3_archive(env)
    stored = sorted(s3.keys())
    assert len(stored) == len([line for line in EXAMPLES.read_text().splitlines() if line.strip()])

    checked = run(env, "archive", "check", "--verify", "--no-progress")
    assert checked.returncode == 0, checked.stderr
    assert f"{len(stored)} body(ies) referenced by the store; 0 missing" in checked.stderr

    local = tmp_path / "copy"
    copied = run(env, "archive", "copy", "--to", f"file://{local}", "--no-progress")
    assert copied.returncode == 0, copied.stderr
    assert f"copied {len(stored)} body(ies)" in copied.stderr
    assert sorted(p.name.removesuffix(".gz") for p in local.rglob("*.gz")) == stored
    again = run(env, "archive", "copy", "--to", f"file://{local}", "--no-progress")
    assert f"copied 0 body(ies) to file://{local}; {len(stored)} already there" in again.stderr

    # a body lost from the bucket: check names it; copying back from the folder restores it
    import obstore

    obstore.delete(s3.store(), s3._path(stored[0]))
    lost = run(env, "archive", "check", "--no-progress")
    assert lost.returncode == 1
    assert lost.stdout.startswith(f"missing {stored[0]} https://")
    assert "1 missing" in lost.stderr
    back = run(env, "archive", "copy", "--from", f"file://{local}", "--to", env["FM6SS_ARCHIVE_URL"])
    assert back.returncode == 0, back.stderr
    assert f"copied 1 body(ies) to {env['FM6SS_ARCHIVE_URL']}" in back.stderr
    assert run(env, "archive", "check").returncode == 0


def test_copy_refuses_a_damaged_body_and_resumes(
    base_env: dict[str, str], s3_env: dict[str, str], tmp_path: Path
):
    source = archive_at(str(tmp_path / "src"), Settings())
    bodies = [f"<p>convention n° {i}, اتفاقية {i}</p>".encode() for i in range(5)]
    keys = [source.put(body) for body in bodies]
    damaged = tmp_path / "src" / keys[0][:2] / keys[0][2:4] / f"{keys[0]}.gz"
    damaged.write_bytes(gzip.compress(b"not the body this key names"))
    env = base_env | s3_env
    target = s3_archive(env)
    target.put(bodies[1])  # already there: not uploaded again
    done = run(
        env, "archive", "copy", "--from", f"file://{tmp_path / 'src'}", "--to", env["FM6SS_ARCHIVE_URL"]
    )
    assert done.returncode == 1
    assert f"skipped: body {keys[0]} does not match its key" in done.stderr
    assert "copied 3 body(ies)" in done.stderr and "1 already there; 1 damaged" in done.stderr
    assert sorted(target.keys()) == sorted(keys[1:])
    assert all(target.get(key_of(b)) == b for b in bodies[1:])


def test_copy_and_check_refuse_bad_archives(base_env: dict[str, str], s3_env: dict[str, str]):
    env = base_env | s3_env
    same = run(env, "archive", "copy", "--to", env["FM6SS_ARCHIVE_URL"])
    assert same.returncode == 1 and "Error: --from and --to are the same archive" in same.stderr
    nothing = run(env, "archive", "copy", "--from", "file:///nonexistent/archive", "--to", "file:///tmp/x")
    assert (
        nothing.returncode == 1
        and "Error: --from: no archive folder at /nonexistent/archive" in nothing.stderr
    )
    bad = run(env, "archive", "copy", "--to", "ftp://elsewhere/x")
    assert bad.returncode == 1
    assert "Error: --to: an archive URL is file:///PATH or s3://BUCKET/PREFIX" in bad.stderr
    missing = run(env | {"FM6SS_ARCHIVE_URL": "s3://absent-bucket/p"}, "archive", "check")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"Error: the archive's bucket 'absent-bucket' does not exist at {env['AWS_ENDPOINT_URL']}: "
        "create it, or fix FM6SS_ARCHIVE_URL"
    ]
    setting = run(env | {"FM6SS_ARCHIVE_URL": "s3://"}, "archive", "check")
    assert setting.returncode == 1
    assert "Error: bad setting FM6SS_ARCHIVE_URL: an S3 archive URL names its bucket" in setting.stderr


def test_a_worker_stops_at_start_when_its_archive_is_unusable(
    base_env: dict[str, str], s3_env: dict[str, str], seaweed: Seaweed
):
    env = base_env | s3_env | {"FM6SS_BROKER_URL": f"{REDIS_SERVER}/14"}
    with closed_port() as port:
        cases = [
            (
                "crawler",
                "bucket 'no-bucket-here' does not exist",
                {"FM6SS_ARCHIVE_URL": "s3://no-bucket-here/p"},
            ),
            ("crawler", "refused the credentials", {"AWS_SECRET_ACCESS_KEY": "wrong-secret-key-000"}),
            (
                "crawler",
                "cannot reach the archive's server at http://127.0.0.1:",
                {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"},
            ),
            ("parser", "refused the credentials", {"AWS_ACCESS_KEY_ID": "somebody-else"}),
        ]
        for queues, said, change in cases:
            done = run(env | change, "worker", "--queues", queues)
            assert done.returncode == 1, done.stderr
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: ") and said in lines[0], lines
