"""The auditor runs ``q2c replay`` while the sales desk keeps recording work: the verdict is
about one fixed moment of the log, never a false "rows differ" for events recorded meanwhile.
On a real SQLite file and on PostgreSQL; the other process is simulated deterministically by
recording events right between replay's steps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from test_projections_story import story, work
from typer.testing import CliRunner

import q2c_adapters.cli as cli_module
from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def desk(shared_url: str) -> Iterator[tuple[str, Callable[[], None]]]:
    """A story on a shared store, and the sales desk: each call records one more hour of work
    from another application instance (another process, as far as the store can tell)."""
    app = QuoteToCash.open(shared_url)
    ids = story(app)
    app.close()
    other = QuoteToCash.open(shared_url)
    logged = [0]

    def record_work() -> None:
        logged[0] += 1
        entry = work(f"desk{logged[0]}", date(2024, 4, 3), "1", worker="cy")
        other.log_work(ids["request2"], entry, actor="cy")

    yield shared_url, record_work
    other.close()


def _before(step: Callable[..., Any], record_work: Callable[[], None]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        record_work()
        record_work()
        return step(*args, **kwargs)

    return wrapped


def test_replay_while_work_is_recorded_compares_one_moment(
    desk: tuple[str, Callable[[], None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work recorded while the live store is brought up to date and again while the rebuild
    runs: both sides stop at the same last event, so replay agrees (exit 0); the next replay,
    with nobody writing, takes the new work in and agrees too."""
    url, record_work = desk
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    with monkeypatch.context() as m:
        m.setattr(cli_module, "catch_up", _before(cli_module.catch_up, record_work))
        m.setattr(cli_module, "rebuild", _before(cli_module.rebuild, record_work))
        result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 0, result.output
    assert "DIFF" not in result.output
    assert "replay matches" in result.output
    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 0, result.output
    assert "replay matches" in result.output


def test_replay_as_of_now_while_work_is_recorded(
    desk: tuple[str, Callable[[], None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--as-of far ahead while the desk records work: the same fixed moment on both sides."""
    url, record_work = desk
    with monkeypatch.context() as m:
        m.setattr(cli_module, "rebuild", _before(cli_module.rebuild, record_work))
        result = runner.invoke(cli, ["replay", "--url", url, "--as-of", "2099-01-01"])
    assert result.exit_code == 0, result.output
    assert "DIFF" not in result.output
    assert "compared with the live store" in result.output
