"""A live read-model row that no longer reads back (its text damaged on disk or by hand) is
what an auditor runs ``q2c replay`` to find: replay reports it as a difference, naming the
projection and the row, with exit code 1, instead of crashing with a traceback. ``report``,
``rows`` and ``update`` refuse the damaged store in one line naming the row and the
``q2c rebuild`` that repairs it; ``explain`` rebuilds into a scratch store and still explains.

The damage is done as a person would do it: plain SQL on the ``q2c_projection_rows`` table of a
real SQLite file (and of a PostgreSQL schema)."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres
from eventsourcing.persistence import Tracking
from test_projections_story import story, work
from typer.testing import CliRunner, Result

from q2c_adapters.cli import app as cli
from q2c_core import DamagedRow, ProjectionStore, QuoteToCash
from q2c_core.projections.store import PageWrite, decode_row

runner = CliRunner(env={"COLUMNS": "400"})

BAD_DECIMAL = '{"total":{"$d":"12x"}}'


def damage_sqlite(db: Path) -> Callable[[str, str, str], None]:
    def damage(projection: str, key: str, text: str) -> None:
        with sqlite3.connect(db) as conn:
            n = conn.execute(
                "UPDATE q2c_projection_rows SET value = ? WHERE projection = ? AND key = ?",
                (text, projection, key),
            ).rowcount
        conn.close()
        assert n == 1, (projection, key)

    return damage


@pytest.fixture
def books(tmp_path: Path) -> Iterator[tuple[str, dict[str, Any], Callable[[str, str, str], None]]]:
    """The story's books in a real SQLite file, live read models up to date (replay agrees)."""
    db = tmp_path / "books.db"
    url = f"sqlite:///{db}"
    app = QuoteToCash.open(url)
    ids = story(app)
    app.close()
    ok = runner.invoke(cli, ["replay", "--url", url])
    assert ok.exit_code == 0, ok.output
    yield url, ids, damage_sqlite(db)


def no_traceback(result: Result) -> None:
    """The command ended on purpose (typer.Exit / SystemExit), not on an exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"crashed with {type(result.exception).__name__}: {result.exception}"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [(BAD_DECIMAL, "'12x' is not a decimal number"), ("garbage", "not JSON")],
)
def test_replay_reports_a_damaged_live_row_naming_the_projection_and_the_row(
    books: tuple[str, dict[str, Any], Callable[[str, str, str], None]], text: str, reason: str
) -> None:
    """The aging row of Acme's 1210.00 invoice is damaged in the live store: replay prints it
    as a difference (unreadable, with why, → the row rebuilt from events) and exits 1; the
    other read models are still compared. ``q2c rebuild`` repairs it, and replay agrees again."""
    url, ids, damage = books
    key = f"inv:{ids['invoice'].hex}"
    damage("receivables_aging", key, text)
    result = runner.invoke(cli, ["replay", "--url", url])
    no_traceback(result)
    assert result.exit_code == 1, result.output
    assert "DIFF receivables_aging: 1 rows differ" in result.output
    assert f"  row {key}\n" in result.output
    line = next(x for x in result.output.splitlines() if "(unreadable: " in x)
    assert line.startswith("    (row): (unreadable: ")
    assert reason in line
    assert '→ {"' in line and '"due": "2024-04-07"' in line  # the row rebuilt from events
    assert "OK   unbilled_revenue" in result.output  # the others are compared as usual
    assert "1 rows differ" in result.output.splitlines()[-1]
    assert f"receivables_aging row {key}" in result.output
    assert "q2c rebuild" in result.output

    repaired = runner.invoke(cli, ["rebuild", "--url", url, "--projection", "receivables_aging"])
    assert repaired.exit_code == 0, repaired.output
    again = runner.invoke(cli, ["replay", "--url", url])
    assert again.exit_code == 0, again.output


def test_replay_reports_a_damaged_row_that_new_events_should_change(
    books: tuple[str, dict[str, Any], Callable[[str, str, str], None]], tmp_path: Path
) -> None:
    """Cy logs another hour on the reports request after its unbilled row was damaged:
    bringing the live store up to date cannot read the row it must change. Replay says so,
    naming the row, compares what it has and exits 1, without a traceback."""
    url, ids, damage = books
    key = f"req:{ids['request2'].hex}"
    damage("unbilled_revenue", key, "garbage")
    app = QuoteToCash.open(url)
    app.log_work(ids["request2"], work("cy9", date(2024, 4, 4), "1", "cy"), actor="cy")
    app.close()
    result = runner.invoke(cli, ["replay", "--url", url])
    no_traceback(result)
    assert result.exit_code == 1, result.output
    assert f"unbilled_revenue row {key}" in result.output
    assert "(unreadable: not JSON" in result.output
    assert "q2c rebuild" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["report", "aging"],
        ["report", "kpis"],
        ["report", "aging", "--format", "json"],
        ["rows", "receivables_aging"],
        ["rows", "kpis"],
    ],
)
def test_reading_a_damaged_store_is_one_line_naming_the_row_and_the_rebuild(
    books: tuple[str, dict[str, Any], Callable[[str, str, str], None]], command: list[str]
) -> None:
    """``report`` and ``rows`` on the damaged store: one line on standard error naming the
    projection, the row and why, and the ``q2c rebuild`` that repairs it; exit 2."""
    url, ids, damage = books
    key = f"inv:{ids['invoice'].hex}"
    damage("receivables_aging", key, BAD_DECIMAL)
    # (the kpis read model has a row of its own to damage)
    if command[1] == "kpis":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            (kpi_key,) = conn.execute(
                "SELECT key FROM q2c_projection_rows WHERE projection = 'kpis' "
                "AND key != '__config__' ORDER BY key LIMIT 1"
            ).fetchone()
        conn.close()
        damage("kpis", kpi_key, "garbage")
        key = kpi_key
    result = runner.invoke(cli, [*command, "--url", url])
    no_traceback(result)
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("error: ")]
    projection = "kpis" if command[1] == "kpis" else "receivables_aging"
    assert f"error: {projection} row {key}: " in line
    assert "cannot be read back" in line
    assert f"q2c rebuild --url {url} --projection {projection}" in line


def test_update_refuses_to_extend_a_damaged_row(
    books: tuple[str, dict[str, Any], Callable[[str, str, str], None]],
) -> None:
    """A new hour on the reports request must change its damaged unbilled row: ``update``
    stops in one line naming it (exit 2) and leaves the committed read models as they were;
    after ``q2c rebuild`` it goes on."""
    url, ids, damage = books
    key = f"req:{ids['request2'].hex}"
    damage("unbilled_revenue", key, BAD_DECIMAL)
    app = QuoteToCash.open(url)
    app.log_work(ids["request2"], work("cy9", date(2024, 4, 4), "1", "cy"), actor="cy")
    app.close()
    result = runner.invoke(cli, ["update", "--url", url])
    no_traceback(result)
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("error: ")]
    assert f"error: unbilled_revenue row {key}: " in line
    assert f"q2c rebuild --url {url} --projection unbilled_revenue" in line
    assert runner.invoke(cli, ["rebuild", "--url", url]).exit_code == 0
    after = runner.invoke(cli, ["update", "--url", url])
    assert after.exit_code == 0, after.output
    assert runner.invoke(cli, ["replay", "--url", url]).exit_code == 0


def test_explain_rebuilds_from_events_and_does_not_read_the_damaged_store(
    books: tuple[str, dict[str, Any], Callable[[str, str, str], None]],
) -> None:
    """``explain`` replays into a scratch store: the damaged live row does not stop it."""
    url, ids, damage = books
    key = f"inv:{ids['invoice'].hex}"
    damage("receivables_aging", key, BAD_DECIMAL)
    result = runner.invoke(cli, ["explain", "receivables_aging", key, "--url", url])
    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "1210.00" in result.output


def test_a_damaged_row_read_back_names_the_projection_the_row_and_why() -> None:
    """``decode_row`` raises ``DamagedRow`` (a q2c error) for text that is not a row: bad
    JSON, a tag whose value is not one (``$d``, ``$date``, ``$dt``, ``$u``), JSON that is not
    an object; ``ProjectionStore.load`` names the projection and the row."""
    for text, why in [
        ("garbage", "not JSON"),
        ('{"total":{"$d":"12x"}}', "'12x' is not a decimal number"),
        ('{"total":{"$d":null}}', "None is not a decimal number"),
        ('{"on":{"$date":"2024-13-01"}}', "'2024-13-01' is not a date"),
        ('{"at":{"$dt":5}}', "5 is not a date and time"),
        ('{"id":{"$u":"xyz"}}', "'xyz' is not a UUID"),
        ("[1, 2]", "not a JSON object"),
    ]:
        with pytest.raises(DamagedRow) as refused:
            decode_row(text)
        assert why in str(refused.value), (text, str(refused.value))
        assert "cannot be read back" in str(refused.value)
    assert decode_row('{"total":{"$d":"12.00"}}') == {"total": Decimal("12.00")}

    store = ProjectionStore.memory()
    store.commit(
        [
            PageWrite(
                "aging", {"inv:1": '{"a":1}', "inv:2": "garbage"}, frozenset(), Tracking("t", 1)
            )
        ]
    )
    with pytest.raises(DamagedRow) as refused:
        store.load("aging")
    error = refused.value
    assert (error.projection, error.key) == ("aging", "inv:2")
    assert str(error).startswith("aging row inv:2: cannot be read back (not JSON")
    assert error.field == "aging row inv:2"
    # (it travels whole between processes, as every q2c error)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is DamagedRow and str(copy) == str(error) and copy.key == "inv:2"
    rows, damaged = store.load_readable("aging")
    assert rows == {"inv:1": {"a": 1}}
    assert [(d.projection, d.key) for d in damaged] == [("aging", "inv:2")]


def test_replay_and_report_on_postgresql_report_the_damaged_row(tmp_path: Path) -> None:
    """The same on PostgreSQL: replay exits 1 naming the row, report exits 2 in one line."""
    require_postgres()
    import psycopg

    schema = new_pg_schema()
    url = pg_url(schema)
    try:
        app = QuoteToCash.open(url)
        ids = story(app)
        app.close()
        assert runner.invoke(cli, ["update", "--url", url]).exit_code == 0
        key = f"inv:{ids['invoice'].hex}"
        with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
            n = conn.execute(
                f'UPDATE "{schema}".q2c_projection_rows SET value = %s '
                "WHERE projection = %s AND key = %s",
                (BAD_DECIMAL, "receivables_aging", key),
            ).rowcount
        assert n == 1
        result = runner.invoke(cli, ["replay", "--url", url])
        no_traceback(result)
        assert result.exit_code == 1, result.output
        assert f"  row {key}\n" in result.output
        assert "(unreadable: '12x' is not a decimal number" in result.output
        assert f"receivables_aging row {key}" in result.output
        report = runner.invoke(cli, ["report", "aging", "--url", url])
        no_traceback(report)
        assert report.exit_code == 2, report.output
        (line,) = [x for x in report.output.splitlines() if x.startswith("error: ")]
        assert f"error: receivables_aging row {key}: cannot be read back" in line
        assert "--projection receivables_aging" in line
    finally:
        drop_pg_schema(schema)
