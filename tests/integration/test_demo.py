"""`fm6ss demo` run twice on one data directory: the second run changes nothing (same records, same
sources per record, same export), because the fixture site comes back at the address its pages are
stored under."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import cli
from services.crawler import bootstrap

runner = CliRunner()


@pytest.fixture
def demo_dir(env, tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "demo"
    bootstrap.configure(None)  # the demo configures this process's crawler


def demo(data: Path) -> list[str]:
    result = runner.invoke(cli, ["demo", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if line.startswith("agreement ")]


def export(env: pytest.MonkeyPatch, data: Path) -> str:
    env.setenv("FM6SS_DATA_DIR", str(data))
    result = runner.invoke(cli, ["export", "agreements"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_second_demo_on_the_same_data_changes_nothing(env, demo_dir):
    first = demo(demo_dir)
    assert len(first) == 5 and "; 3 source(s)" in "\n".join(first)
    exported = export(env, demo_dir)
    assert demo(demo_dir) == first
    assert export(env, demo_dir) == exported


def test_a_demo_whose_port_is_taken_says_so_rather_than_crawl_a_second_copy(env, demo_dir):
    demo_dir.mkdir()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        (demo_dir / "site-port").write_text(f"{port}\n")
        result = runner.invoke(cli, ["demo", "--data-dir", str(demo_dir)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: port {port} is busy") and result.stderr.count("\n") == 1


def test_a_demo_on_an_s3_archive_keeps_every_body_in_the_bucket(env, demo_dir, tmp_path, s3_env):
    on_files = demo(tmp_path / "demo-files")
    for name, value in s3_env.items():
        env.setenv(name, value)
    on_s3 = demo(demo_dir)
    assert on_s3 == on_files and len(on_s3) == 5
    assert not list(demo_dir.rglob("*.gz")) and not (demo_dir / "archive").exists()
    from services.bus.archive import open_archive
    from services.bus.settings import Settings

    assert len(list(open_archive(Settings()).keys())) == len(list((tmp_path / "demo-files").rglob("*.gz")))
