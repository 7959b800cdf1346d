"""The auditor runs ``q2c replay`` while the office's follower keeps the live read models up
to date: the sales desk records work, and the follower (a service, or a ``q2c update`` a
scheduler runs) follows it into the live store while replay is rebuilding. The live store then
holds events past the moment replay fixed when it started, all of them this log's: that is
no difference, and replay must not say "rows differ" (exit 1) for work followed correctly.
On a real SQLite file and on PostgreSQL; the other processes are simulated deterministically
by recording and following right before replay rebuilds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from test_projections_story import story, work
from typer.testing import CliRunner

import q2c_adapters.cli as cli_module
from q2c_adapters.cli import app as cli
from q2c_core import ProjectionStore, QuoteToCash, all_projections, catch_up

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def office(shared_url: str) -> Iterator[tuple[str, Callable[[], None]]]:
    """A story on a shared store, and the office: each call records one more hour of work from
    another application instance and follows it into the live read models, as the office's
    follower does."""
    app = QuoteToCash.open(shared_url)
    ids = story(app)
    app.close()
    desk = QuoteToCash.open(shared_url)
    follower_store = ProjectionStore.open(shared_url)
    logged = [0]

    def record_and_follow() -> None:
        logged[0] += 1
        entry = work(f"desk{logged[0]}", date(2024, 4, 3), "1", worker="cy")
        desk.log_work(ids["request2"], entry, actor="cy")
        catch_up(desk, all_projections(follower_store))

    yield shared_url, record_and_follow
    follower_store.close()
    desk.close()


def _before(step: Callable[..., Any], other: Callable[[], None]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        other()
        return step(*args, **kwargs)

    return wrapped


def test_replay_while_the_follower_follows_new_work_finds_no_difference(
    office: tuple[str, Callable[[], None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work recorded and followed into the live store while replay rebuilds: the live read
    models are right (they followed every event of this log), so replay agrees, exit 0."""
    url, record_and_follow = office
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    with monkeypatch.context() as m:
        m.setattr(cli_module, "rebuild", _before(cli_module.rebuild, record_and_follow))
        result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 0, result.output
    assert "DIFF" not in result.output
    assert "replay matches" in result.output


def test_replay_still_finds_a_live_row_changed_by_hand_while_the_follower_runs(
    office: tuple[str, Callable[[], None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The follower moving on does not hide a real difference: a live row removed by hand
    is still reported, exit 1."""
    url, record_and_follow = office
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    store = ProjectionStore.open(url)
    aging = next(p for p in all_projections(store) if p.name == "receivables_aging")
    key = next(k for k, _ in aging.rows_with_prefix("inv:"))
    store.close()

    def remove_then_follow() -> None:
        record_and_follow()
        # (a hand in the database: the row is gone, its position untouched)
        live = ProjectionStore.open(url)
        datastore: Any = live.recorder.datastore  # type: ignore[attr-defined]
        if "postgres" in url:
            table, mark = f'"{datastore.schema}".q2c_projection_rows', "%s"
        else:
            table, mark = "q2c_projection_rows", "?"
        with datastore.transaction(commit=True) as c:
            c.execute(
                f"DELETE FROM {table} WHERE projection = {mark} AND key = {mark}",
                ("receivables_aging", key),
            )
        live.close()

    with monkeypatch.context() as m:
        m.setattr(cli_module, "rebuild", _before(cli_module.rebuild, remove_then_follow))
        result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1, result.output
    assert f"row {key}" in result.output
