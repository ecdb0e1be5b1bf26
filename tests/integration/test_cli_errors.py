"""Every `fm6ss` command against a broker that is down, a database that is down and each bad input: one
`Error:` line naming what to fix, a non-zero exit status, no traceback, and no crawl run left running.

"Down" is a real closed port. The commands run in this process (a process each would take minutes on a
loaded machine); the failures the issue reported run as an operator runs them, in processes of their own.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.bus import runtime
from services.bus.messages import SourceSpec
from services.bus.settings import Settings
from services.cli import cli
from services.cli.common import CliError
from services.cli.crawl import crawl_once
from services.store.crawl.runs import run_out
from services.store.crawl.scheduling import sweep
from services.store.crawl.sources import save_sources
from services.store.db.engine import transaction
from services.store.db.unit_of_work import UnitOfWork
from tests.conftest import ROOT, engine
from tests.servers import REDIS_SERVER

pytestmark = pytest.mark.integration

FM6SS = Path(sys.executable).with_name("fm6ss")
EXAMPLES = ROOT / "examples" / "articles.jsonl"


def closed_port() -> int:
    """A loopback port nothing listens on: taken from the system, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def store(tmp_path: Path, sqlite_template: Path) -> Path:
    """A migrated embedded store with one source, as the commands find it under FM6SS_DATA_DIR."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(sqlite_template, data / "fm6ss.db")
    spec = SourceSpec(name="nowhere-feed", kind="rss", url="https://news.example.invalid/feed.xml")
    with transaction(engine(f"sqlite:///{data / 'fm6ss.db'}")) as session:
        save_sources(UnitOfWork(session), [spec])
    return data


def fm6ss(args: list[str], data: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FM6SS_") or k == "FM6SS_SHARED_DIR"}
    env |= {"FM6SS_DATA_DIR": str(data), **extra}
    return subprocess.run(
        [str(FM6SS), *args], capture_output=True, text=True, env=env, timeout=120, cwd=data.parent
    )


Case = tuple[list[str], dict[str, str], str]  # arguments, variables, what the error line must say


def wrong_answer(args: list[str], code: int, stdout: str, stderr: str, expected: str) -> str | None:
    said = stderr.strip().splitlines()
    errors = [line for line in said + stdout.splitlines() if line.startswith("Error:")]
    if code == 0 or len(said) != 1 or len(errors) != 1 or expected not in said[0] or "Traceback" in stdout:
        return f"fm6ss {' '.join(args)}: exit {code}\n{stderr[-2000:]}"
    return None


def problems(cases: list[Case], data: Path) -> list[str]:
    """Each case run in this process, as `fm6ss` would run it; what is wrong with each answer."""
    runner = CliRunner()
    wrong = []
    root = logging.getLogger()
    for args, extra, expected in cases:
        handlers = root.handlers[:]
        result = runner.invoke(cli, args, env={"FM6SS_DATA_DIR": str(data), **extra})
        root.handlers[:] = handlers  # a worker's or the API's logging would outlive its run here
        logging.captureWarnings(False)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            wrong.append(f"fm6ss {' '.join(args)}: {type(result.exception).__name__}: {result.exception}")
            continue
        wrong.append(wrong_answer(args, result.exit_code, result.stdout, result.stderr, expected) or "")
    return [w for w in wrong if w]


def problems_in_processes(cases: list[Case], data: Path) -> list[str]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda case: fm6ss(case[0], data, case[1]), cases))
    wrong = [
        wrong_answer(args, r.returncode, r.stdout, r.stderr, expected)
        for (args, _, expected), r in zip(cases, done, strict=True)
    ]
    return [w for w in wrong if w]


def no_run_left_running(data: Path) -> None:
    with transaction(engine(f"sqlite:///{data / 'fm6ss.db'}")) as session:
        uow = UnitOfWork(session)
        assert [r.id for r in uow.runs.latest(100) if run_out(uow, r).status == "running"] == []


def test_every_command_that_needs_the_broker_says_it_is_down_in_one_line(store):
    down = {"FM6SS_BROKER_URL": f"redis://127.0.0.1:{closed_port()}/0"}
    said = "cannot reach the broker at redis://127.0.0.1:"
    commands = [
        ["run"],
        ["recrawl", "--all"],
        ["recrawl", "--source", "nowhere-feed"],
        ["recrawl", "--url", "https://news.example.invalid/a"],
        ["import", str(EXAMPLES)],
        ["reparse"],
        ["dead-letters", "retry", "1"],
        ["worker", "--queues", "crawler"],
        ["worker", "--queues", "store"],
        ["beat"],
        ["health"],
        ["status"],
    ]
    assert (
        problems([(args, down, said if args != ["health"] else "broker") for args in commands], store) == []
    )
    no_run_left_running(store)


def test_every_command_that_needs_the_database_says_it_is_down_in_one_line(store, tmp_path):
    down = {"FM6SS_DATABASE_URL": f"postgresql://fm6ss@127.0.0.1:{closed_port()}/fm6ss"}
    commands = [
        ["run"],
        ["recrawl", "--all"],
        ["migrate"],
        ["import", str(EXAMPLES)],
        ["reparse"],
        ["explain", "1"],
        ["explain", "--file", str(EXAMPLES)],
        ["api"],
        ["status"],
        ["status", "--json"],
        ["export", "agreements"],
        ["export", "articles", "--format", "csv"],
        ["agreements", "merge", "1", "2"],
        ["agreements", "split", "1", "--articles", "2"],
        ["agreements", "correct", "1", "--field", "place", "--value", "Rabat"],
        ["sources", "list"],
        ["sources", "sync"],
        ["sources", "add", "wire", "https://example.org/feed.xml"],
        ["sources", "enable", "wire"],
        ["sources", "disable", "wire"],
        ["dead-letters", "list"],
        ["dead-letters", "retry", "1"],
        ["relay", "rewind", "stream", "--from-start"],
    ]
    cases = [
        (args, down, "cannot reach the database postgresql+psycopg://fm6ss@127.0.0.1:") for args in commands
    ]
    # A store worker checks its database before it consumes (its broker is up here).
    worker_env = down | {"FM6SS_BROKER_URL": f"{REDIS_SERVER}/11"}
    cases.append((["worker", "--queues", "store"], worker_env, "cannot reach the database"))
    assert problems(cases, store) == []


def test_each_bad_input_is_one_line_saying_what_to_fix(store, tmp_path):
    cases = [
        (["recrawl", "--url", "notaurl"], {}, "--url: not an http(s) URL: 'notaurl'"),
        (
            ["export", "agreements", "-o", "/nonexistent/dir/x.jsonl"],
            {},
            "the folder /nonexistent/dir does not",
        ),
        (["export", "articles", "-o", str(tmp_path)], {}, f"{tmp_path} is a directory"),
        (["import", str(tmp_path)], {}, f"{tmp_path} is a directory"),
        (["import", str(tmp_path / "missing.jsonl")], {}, "no such file"),
        (["explain", "--file", str(tmp_path)], {}, f"{tmp_path} is a directory"),
        (["status"], {"FM6SS_DATABASE_URL": "mysql://x@y/z"}, "FM6SS_DATABASE_URL: only SQLite"),
        (["import", str(EXAMPLES)], {"FM6SS_BROKER_URL": "notaurl"}, "FM6SS_BROKER_URL: a Redis URL"),
        (["status"], {"FM6SS_TASK_TIME_LIMIT_S": "99999"}, "Error: FM6SS_TASK_TIME_LIMIT_S must stay below"),
        (["status"], {"FM6SS_BATCH_SIZE": "many"}, "bad setting FM6SS_BATCH_SIZE: Input should be"),
        (["sources", "list"], {"FM6SS_CRAWLER_MAX_REDIRECTS": "99"}, "FM6SS_CRAWLER_MAX_REDIRECTS:"),
    ]
    assert problems(cases, store) == []
    no_run_left_running(store)


def test_the_reported_failures_are_one_line_in_an_operators_shell(store, tmp_path):
    broker_down = {"FM6SS_BROKER_URL": f"redis://127.0.0.1:{closed_port()}/0"}
    cases: list[Case] = [
        (["recrawl", "--source", "nowhere-feed"], broker_down, "cannot reach the broker at redis://"),
        (["beat"], broker_down, "cannot reach the broker at redis://"),
        (["recrawl", "--url", "notaurl"], {}, "not an http(s) URL"),
        (["export", "agreements", "-o", "/nonexistent/dir/x.jsonl"], {}, "/nonexistent/dir does not exist"),
        (["import", str(tmp_path)], {}, "is a directory"),
        (["status"], {"FM6SS_DATABASE_URL": "mysql://x@y/z"}, "only SQLite"),
    ]
    assert problems_in_processes(cases, store) == []
    no_run_left_running(store)


def test_a_run_whose_first_message_the_broker_refuses_is_recorded_failed(store, monkeypatch):
    """The broker goes down between the command's check and its first send."""
    monkeypatch.setattr(runtime, "_settings", None)
    monkeypatch.setattr(runtime, "_app", None)
    runtime.configure(Settings(data_dir=store, broker_url=f"redis://127.0.0.1:{closed_port()}/0"))
    db = engine(f"sqlite:///{store / 'fm6ss.db'}")
    with pytest.raises(CliError, match=r"cannot reach the broker at .*; run 1 is recorded as failed"):
        crawl_once(db, trigger="operator")
    with pytest.raises(CliError, match="run 2 is recorded as failed"):
        crawl_once(db, url="https://news.example.invalid/a", trigger="operator")
    with transaction(db) as session:
        uow = UnitOfWork(session)
        runs = {r.id: run_out(uow, r) for r in uow.runs.latest(10)}
        assert {i: r.status for i, r in runs.items()} == {1: "failed", 2: "failed"}
        assert runs[1].counts["sources_failed:not_sent"] == 1
        assert runs[2].failures[0].reason == "not_sent"
        assert runs[2].failures[0].detail.startswith("cannot reach the broker at redis://127.0.0.1:")
        assert (uow.sources.get("nowhere-feed").last_error or "").startswith(
            "not_sent: cannot reach the broker"
        )
        assert sweep(uow, timedelta(0)) == []  # nothing of theirs is sent later


def test_import_stops_at_the_first_line_the_broker_does_not_take(store, env):
    lines = store / "lines.jsonl"
    lines.write_text(EXAMPLES.read_text(encoding="utf-8") * 10, encoding="utf-8")
    env.setenv("FM6SS_DATA_DIR", str(store))
    env.setenv("FM6SS_BROKER_URL", f"redis://127.0.0.1:{closed_port()}/0")
    result = CliRunner().invoke(cli, ["import", str(lines), "--no-progress"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: cannot reach the broker")
    # The broker goes down after the check: the first line it refuses stops the import.
    env.setattr("services.cli.broker.check_broker", lambda app: None)
    result = CliRunner().invoke(cli, ["import", str(lines), "--no-progress"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: cannot reach the broker")
    assert result.stderr.rstrip().endswith("; stopped at line 1: 0 line(s) queued before it")


def test_status_reads_as_words_and_as_json_for_scripts(store, env):
    env.setenv("FM6SS_DATA_DIR", str(store))
    runner = CliRunner()
    recrawl = runner.invoke(cli, ["recrawl", "--url", "https://news.example.invalid/a"])
    assert recrawl.exit_code == 1 and "Error: run 1 read nothing" in recrawl.stderr  # dns_error, offline
    text = runner.invoke(cli, ["status"])
    assert text.exit_code == 0, text.stderr
    assert "run 1 (operator), failed" in text.stdout
    assert "scope       page https://news.example.invalid/a, forced" in text.stdout
    assert "{" not in text.stdout and "b'" not in text.stdout
    as_json = json.loads(runner.invoke(cli, ["status", "--json"]).stdout)
    assert as_json["runs"][0]["scope"] == {"url": "https://news.example.invalid/a"}
    assert as_json["runs"][0]["status"] == "failed" and as_json["mode"] == "embedded"
    assert as_json["counts"]["agreements"] == 0 and as_json["queues"] is None


def test_a_run_that_reads_nothing_offline_exits_non_zero_and_points_to_the_demo(env, tmp_path):
    """`make run` without internet: every source fails with dns_error (`.invalid` never resolves)."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        "  - {name: nowhere-rss, kind: rss, url: 'https://news.example.invalid/feed.xml'}\n"
        "  - {name: nowhere-sitemap, kind: sitemap, url: 'https://news.example.invalid/sitemap.xml'}\n"
    )
    result = CliRunner().invoke(cli, ["run", "--sources-file", str(sources)])
    assert result.exit_code == 1
    assert "sources     2 read, 2 failed (2 dns_error)" in result.stdout
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error == [
        "Error: run 1 read nothing: every source failed (2 dns_error); no internet? `make demo` crawls a "
        "local fixture news site offline"
    ]
