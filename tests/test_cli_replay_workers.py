"""The auditor's replay with --workers: the same verdict from two processes, on a SQLite file;
storage other processes cannot open is refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def story_url(tmp_path: Path) -> str:
    """A SQLite file holding the projections' story."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    return url


def test_replay_with_two_workers_matches(story_url: str) -> None:
    result = runner.invoke(cli, ["replay", "--url", story_url, "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "replay matches" in result.output
    assert "OK   receivables_aging" in result.output


def test_replay_workers_must_be_one_or_more(story_url: str) -> None:
    result = runner.invoke(cli, ["replay", "--url", story_url, "--workers", "0"])
    assert result.exit_code == 2
    assert "at least 1" in result.output


def test_replay_as_of_before_the_first_event_agrees_with_two_workers(story_url: str) -> None:
    """Nothing recorded by then: every projection is empty but for its settings row, which the
    worker's rebuild now stores with its position (it stayed in that process's memory, and
    the comparison found five projections' settings missing)."""
    for workers in ("1", "2"):
        args = ["replay", "--url", story_url, "--as-of", "2000-01-01", "--workers", workers]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (workers, result.output)
        assert "agree" in result.output and "DIFF" not in result.output
