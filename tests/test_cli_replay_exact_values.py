"""Replay compares a live row with its rebuild value for value and type, as the snapshot check
does: a live amount stored as a JSON number (1210.0, a float) or with other digits (1210.000)
is not the rebuilt Decimal 1210.00, though Python calls them equal; the reports would then
read a float where money belongs. On a real SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.cli import diff_rows
from q2c_core import QuoteToCash
from q2c_core.projections import ProjectionStore, ReceivablesAging
from q2c_core.projections.store import encode_row

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def world(shared_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    app = QuoteToCash.open(shared_url)
    ids = story(app)
    app.close()
    assert runner.invoke(cli, ["update", "--url", shared_url]).exit_code == 0
    yield shared_url, ids


def _write_live_row(url: str, projection: str, key: str, text: str) -> None:
    """Put a live row's stored text behind the follower's back, in SQL."""
    store = ProjectionStore.open(url)
    recorder: Any = store.recorder
    try:
        if url.startswith("sqlite"):
            with recorder.datastore.transaction(commit=True) as c:
                c.execute(
                    "UPDATE q2c_projection_rows SET value = ? WHERE projection = ? AND key = ?",
                    (text, projection, key),
                )
        else:
            from psycopg.sql import SQL

            with recorder.datastore.transaction(commit=True) as curs:
                curs.execute(
                    SQL("UPDATE {0} SET value = %s WHERE projection = %s AND key = %s").format(
                        recorder.rows_table
                    ),
                    (text, projection, key),
                )
    finally:
        store.close()


def _tampered_total(url: str, ids: dict[str, Any], change: Callable[[str], str]) -> str:
    """The work invoice's aging row with its total's stored text changed; returns its key."""
    store = ProjectionStore.open(url)
    aging = ReceivablesAging(store)
    key = f"inv:{ids['invoice'].hex}"
    row = aging.get(key)
    store.close()
    assert row is not None and row["total"] == Decimal("1210.00")
    text = encode_row(row)
    assert '"total":{"$d":"1210.00"}' in text
    _write_live_row(url, aging.name, key, change(text))
    return key


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("1210.0", "total: 1210.0 (float) → 1210.00"),
        ("1210", "total: 1210 (int) → 1210.00"),
        ('{"$d":"1210.000"}', "total: 1210.000 → 1210.00"),
    ],
)
def test_a_live_amount_of_another_type_or_digits_is_a_difference(
    world: tuple[str, dict[str, Any]], stored: str, shown: str
) -> None:
    url, ids = world
    key = _tampered_total(
        url, ids, lambda text: text.replace('"total":{"$d":"1210.00"}', f'"total":{stored}')
    )
    result = runner.invoke(cli, ["replay", "--url", url])
    assert result.exit_code == 1, result.output
    assert "DIFF receivables_aging: 1 rows differ" in result.output
    assert f"row {key}" in result.output
    assert shown in result.output


def test_rows_equal_in_value_and_type_are_no_difference() -> None:
    """The same values, a list and a tuple alike and keys in another order, are equal; a
    Decimal's digits, a float or an int where a Decimal was, a date's type are not."""
    from datetime import date, datetime

    rebuilt = {"k": {"a": Decimal("1.50"), "b": [1, "x"], "d": date(2024, 1, 1)}}
    assert (
        diff_rows(rebuilt, {"k": {"d": date(2024, 1, 1), "b": (1, "x"), "a": Decimal("1.50")}})
        == []
    )
    for other in (Decimal("1.5"), 1.5, "1.50"):
        assert diff_rows(rebuilt, {"k": {**rebuilt["k"], "a": other}}) != []
    moment = datetime(2024, 1, 1)
    assert diff_rows(rebuilt, {"k": {**rebuilt["k"], "d": moment}}) != []
    assert diff_rows({"k": {"n": Decimal(1)}}, {"k": {"n": 1}}) != []
    assert diff_rows({"k": {"n": True}}, {"k": {"n": 1}}) != []
