"""`fm6ss import --warc` on the embedded store: a WARC stores the agreements that importing its pages
as JSON lines stores, read from a file or streamed from a URL."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from services.cli import cli
from tests.fixtures.warc_pages import LISTED_HOST, OFF_TOPIC_LISTED, SIGNINGS, write_jsonl, write_warc

runner = CliRunner()


def exported(kind: str) -> list[dict[str, Any]]:
    result = runner.invoke(cli, ["export", kind, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def agreements() -> list[tuple[Any, ...]]:
    """What an agreement says, without the store's ids and times."""
    return sorted(
        (
            a["kind"],
            a["signed_on"],
            tuple(sorted(p["name"] for p in a["parties"])),
            tuple(sorted(s["url"] for s in a["sources"])),
        )
        for a in exported("agreements")
    )


def articles() -> list[tuple[str, bool]]:
    return sorted((a["url"], a["relevant"]) for a in exported("articles"))


def import_in(env: pytest.MonkeyPatch, data: Path, *args: str) -> str:
    env.setenv("FM6SS_DATA_DIR", str(data))
    result = runner.invoke(cli, ["import", *args, "--no-progress"])
    assert result.exit_code == 0, result.output
    return result.output


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """tmp_path/www over HTTP on loopback."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_warc_stores_what_its_pages_as_json_lines_store(env, tmp_path: Path):
    warc = write_warc(tmp_path / "month.warc.gz")
    said = import_in(env, tmp_path / "from-warc", "--warc", str(warc), "--hosts", LISTED_HOST)
    assert "9 response(s), 4 page(s) sent to the parser (2 for their host, 2 by the family prefilter)" in said
    from_warc = agreements(), articles()

    lines = write_jsonl(tmp_path / "pages.jsonl", (*SIGNINGS, OFF_TOPIC_LISTED))
    import_in(env, tmp_path / "from-jsonl", str(lines))
    assert (agreements(), articles()) == from_warc

    signed, pages = from_warc
    assert len(signed) == 3 and {s for *_, sources in signed for s in sources} == {p.url for p in SIGNINGS}
    # the listed outlet's weather news is kept as an article, as an import keeps every line
    assert pages == sorted([(p.url, True) for p in SIGNINGS] + [(OFF_TOPIC_LISTED.url, False)])


def test_a_warc_streamed_from_a_url_and_imported_again_changes_nothing(env, tmp_path: Path, served: str):
    write_warc(tmp_path / "www" / "a.warc.gz")
    import_in(env, tmp_path / "data", "--warc", f"{served}/a.warc.gz")
    first = agreements()
    assert len(first) == 3
    import_in(env, tmp_path / "data", "--warc", f"{served}/a.warc.gz")
    assert agreements() == first


def test_a_missing_file_or_url_is_named_and_the_other_files_are_read(env, tmp_path: Path, served: str):
    warc = write_warc(tmp_path / "a.warc.gz")
    env.setenv("FM6SS_DATA_DIR", str(tmp_path / "data"))
    missing = runner.invoke(cli, ["import", "--warc", str(warc), str(tmp_path / "nope.warc.gz")])
    assert missing.exit_code == 1 and f"no such WARC file: {tmp_path / 'nope.warc.gz'}" in missing.output
    junk = tmp_path / "notes.warc"
    junk.write_bytes(b"GET / HTTP/1.1\r\n\r\n")
    args = ["import", "--warc", f"{served}/gone.warc.gz", str(junk), str(warc), "--no-progress"]
    bad = runner.invoke(cli, args)
    assert bad.exit_code == 1
    assert f"{served}/gone.warc.gz: failed: cannot read {served}/gone.warc.gz: HTTP 404" in bad.output
    assert f"{junk}: failed: not a WARC file: Unknown archive format" in bad.output
    assert "read 1 WARC file(s)" in bad.output and "2 failed" in bad.output
    assert len(agreements()) == 3  # the good file after the bad one was read


def test_json_lines_take_one_file_and_no_hosts(env, tmp_path: Path):
    two = runner.invoke(cli, ["import", "a.jsonl", "b.jsonl"])
    assert two.exit_code == 1 and "give one JSON lines file (got 2)" in two.output
    hosts = runner.invoke(cli, ["import", "a.jsonl", "--hosts", "x.ma"])
    assert hosts.exit_code == 1 and "--hosts goes with --warc" in hosts.output


def test_with_a_visibility_timeout_below_a_warc_tasks_limit_nothing_is_sent(env, tmp_path: Path):
    """The broker would give a file still being read to a second worker: refused before anything is sent."""
    env.setenv("FM6SS_BROKER_URL", "redis://127.0.0.1:9/0")  # never reached: refused before
    env.setenv("FM6SS_VISIBILITY_TIMEOUT_S", "1800")
    result = runner.invoke(cli, ["import", "--warc", str(write_warc(tmp_path / "a.warc.gz"))])
    assert result.exit_code == 1
    assert "FM6SS_VISIBILITY_TIMEOUT_S is 1800: a WARC task may run 3300 s" in result.output
