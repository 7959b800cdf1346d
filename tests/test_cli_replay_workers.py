"""The auditor's replay with --workers: the same verdict from two processes, on a SQLite file;
storage other processes cannot open is refused with the reason."""

from __future__ import annotations

from pathlib import Path

from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


def test_replay_with_two_workers_matches(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    result = runner.invoke(cli, ["replay", "--url", url, "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "replay matches" in result.output
    assert "OK   receivables_aging" in result.output


def test_replay_workers_must_be_one_or_more(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    result = runner.invoke(cli, ["replay", "--url", url, "--workers", "0"])
    assert result.exit_code == 2
    assert "at least 1" in result.output
