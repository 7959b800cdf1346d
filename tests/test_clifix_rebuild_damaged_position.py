"""Acme's read models live beside its events, in a SQLite file (or a PostgreSQL schema). An
operator "fixing" a stuck aging report by hand wrote over the receivables' position in the
tracking table: NULL, a negative number, text, a blob, a fraction.

``q2c update`` and ``q2c report`` then refuse, naming the projection and the command that
repairs it: ``q2c rebuild --projection receivables_aging``. That command used to fail itself:
with text in the position it ended in a bare ``TypeError`` traceback; with NULL the position
stayed NULL and it said "the live store moved on while rebuilding" (nobody had moved it), so
the advice it gave could never be followed.

Now ``q2c rebuild`` replaces the damaged projection's rows and its position with the rebuild's,
says what it repaired, and leaves the other projections as they were; ``q2c update`` then
follows on and ``q2c replay`` finds no difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import storage_url
from test_follow_damaged_position import overwrite_position
from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_core import QuoteToCash
from q2c_core.projections import Projection, ProjectionStore, ReceivablesAging, UnbilledRevenue

runner = CliRunner(env={"COLUMNS": "400"})

SQLITE_DAMAGE = ["NULL", "-5", "'12abc'", "''", "X'00'", "3.5"]
POSTGRES_DAMAGE = ["NULL", "-5"]


@pytest.fixture(
    params=[("sqlite", d) for d in SQLITE_DAMAGE] + [("postgres", d) for d in POSTGRES_DAMAGE],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def damaged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(application URL, what the position was overwritten with), SQLite file or PostgreSQL."""
    backend, value = request.param
    with storage_url(backend, tmp_path) as url:
        yield url, value


def test_rebuild_repairs_a_position_written_over_by_hand(damaged: tuple[str, str]) -> None:
    url, value = damaged
    app = QuoteToCash.open(url)
    story(app)
    head = app.recorder.max_notification_id()
    app.close()
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    store = ProjectionStore.open(url)
    aging, unbilled = ReceivablesAging(store), UnbilledRevenue(store)
    rows_before = aging.rows()
    unbilled_rows = unbilled.rows()
    store.close()
    assert rows_before
    overwrite_position(url, aging.tracking_name, value)

    # the refusal names the command that repairs it
    refused = runner.invoke(cli, ["update", "--url", url])
    assert refused.exit_code == 2, refused.output
    assert "--projection receivables_aging" in refused.output

    repaired = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "receivables_aging"])
    assert repaired.exit_code == 0, repaired.output
    assert repaired.exception is None or isinstance(repaired.exception, SystemExit)
    said = " ".join(repaired.output.split())
    assert "receivables_aging: its position in the log was damaged" in said, said
    count = sum(1 for key in rows_before if key != Projection.CONFIG_KEY)
    assert f"rebuilt, {count} rows at notification {head}" in said, said

    store = ProjectionStore.open(url)
    try:
        assert store.checked_position(aging.tracking_name, aging.name) == head
        assert ReceivablesAging(store).rows() == rows_before
        # the other projection was not touched
        assert store.position(unbilled.tracking_name) == head
        assert UnbilledRevenue(store).rows() == unbilled_rows
    finally:
        store.close()
    again = runner.invoke(cli, ["update", "--url", url])
    assert again.exit_code == 0, again.output
    assert "applied 0 events" in again.output
    replay = runner.invoke(cli, ["replay", "--url", url])
    assert replay.exit_code == 0, replay.output


def test_replay_says_a_damaged_position_is_damaged_not_a_notification(tmp_path: Path) -> None:
    """Before the repair, ``q2c replay`` reports the damaged position as a difference: it used
    to print a NULL position as "#0" (a position no store holds) and text as "#abc"."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    app.close()
    assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
    overwrite_position(url, "q2c.projection.receivables_aging", "NULL")
    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "position is #0" not in said, said
    assert (
        "DIFF receivables_aging: the live read model's position is damaged (its position in "
        "the log is empty (NULL))" in said
    ), said
