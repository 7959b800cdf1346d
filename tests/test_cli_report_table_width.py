"""Piped into a file or another program, ``q2c report`` prints at 80 columns: an amount, a
number or a date is never cut ("3906.…") nor a column dropped to make the table fit; only text
(names, titles, references) wraps, at its spaces. A table wider than the screen is printed
wider, whole."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from rich.console import Console
from test_projections_story import story
from typer.testing import CliRunner

from q2c_adapters.cli import app as cli
from q2c_adapters.reports import REPORTS, ReportTable, cell, report_table, rich_table
from q2c_core import Money, QuoteToCash
from q2c_core.projections import all_projections, rebuild

ON = date(2024, 6, 1)
piped = CliRunner(env={"COLUMNS": "80"})  # what a pipe gets


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, ReportTable]]]:
    """The story on a SQLite file, and every report of it on 1 June 2024 as values."""
    url = f"sqlite:///{tmp_path_factory.mktemp('width') / 'q2c.db'}"
    app = QuoteToCash.open(url)
    story(app)
    projections = all_projections()
    rebuild(app, projections)
    tables = {name: report_table(name, projections, ON) for name in REPORTS}
    app.close()
    yield url, tables


def _fixed(value: object) -> bool:
    return isinstance(value, Money | Decimal | int | date | datetime) and not isinstance(
        value, bool
    )


def _printed_whole(printed: str, table: ReportTable) -> list[str]:
    """What of the table's values is not in the printed text as it should be: an amount,
    number or date not whole on one line, a word of text missing."""
    missing = []
    for row in table.rows:
        for value in row:
            text = cell(value)
            if _fixed(value):
                if text not in printed:
                    missing.append(text)
            else:
                missing.extend(w for w in text.split() if w not in printed)
    return missing


@pytest.mark.parametrize("name", list(REPORTS))
def test_a_piped_report_shows_every_amount_and_date_whole(
    books: tuple[str, dict[str, ReportTable]], name: str
) -> None:
    """Every report, piped: each amount, number and date printed whole, each word of text,
    the keys whole, nothing cut with an ellipsis."""
    url, tables = books
    result = piped.invoke(cli, ["report", name, "--url", url, "--on", ON.isoformat(), "--all"])
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert _printed_whole(result.stdout, tables[name]) == []
    for column in tables[name].columns:  # every column is there, its header's words too
        assert all(word in result.stdout for word in column.split()), column


def test_the_customer_summary_at_80_columns_keeps_its_amounts(
    books: tuple[str, dict[str, ReportTable]],
) -> None:
    """The overview (keys left out) printed at 80 columns: wider than the screen, the amounts
    stay whole on their row and the customer's name wraps instead."""
    _, tables = books
    table = tables["customers"]
    out = io.StringIO()
    Console(file=out, width=80).print(rich_table(table, keys=False), crop=False)
    printed = out.getvalue()
    (acme,) = table.rows
    line = next(line for line in printed.splitlines() if cell(acme[1]) in line)
    for value in acme:
        if _fixed(value):
            assert cell(value) in line
    assert "…" not in printed
