"""The command's own help: `--version`, arguments named in capitals as the help texts name them."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from services.cli import cli

runner = CliRunner()


def test_version():
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"fm6ss {version('fm6ss-watch')}\n"


def test_arguments_are_shown_in_capitals():
    merge = runner.invoke(cli, ["agreements", "merge", "--help"]).stdout
    assert "KEEP" in merge and "OTHER" in merge and "{keep}" not in merge
    assert "[URL]" in runner.invoke(cli, ["explain", "--help"]).stdout
    for args in (["sources", "add", "--help"], ["dead-letters", "retry", "--help"], ["import", "--help"]):
        usage = runner.invoke(cli, args).stdout.splitlines()[0]  # "Usage: fm6ss ... [OPTIONS] NAME URL"
        assert not any(c.islower() for c in usage.split("[OPTIONS]", 1)[1]), usage
