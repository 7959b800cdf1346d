"""`q2c report --format csv` is for spreadsheets and BI tools: an amount is a number they can
sum, its currency in a column of its own. It wrote `363.00 EUR` in one cell, which a
spreadsheet reads as text (and `-121.00 EUR` may even be taken for a formula).

Every report is built from the demo's month (maintenance, enhancements, prepaid hours, an
unauthorized entry, one payment for two invoices): each amount sits in a column the report
declares for amounts, its row's currency in the `currency` column; a report with no rows has
the same header."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from q2c_adapters.reports import (
    MONEY_COLUMNS,
    REPORTS,
    ReportTable,
    csv_rows,
    csv_table,
    report_table,
)
from q2c_core import Money, QuoteToCash
from q2c_core.projections import ProjectionStore, all_projections, rebuild

DEMO = Path(__file__).resolve().parents[1] / "examples" / "month_at_an_it_vendor.py"
ON = date(2026, 3, 31)


@pytest.fixture(scope="module")
def month() -> list[object]:
    """The projections of the demo's month, rebuilt from its events."""
    spec = importlib.util.spec_from_file_location("demo_month", DEMO)
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    app = QuoteToCash.open("memory:")
    demo.run_month(app)
    projections = all_projections(ProjectionStore.memory())
    rebuild(app, projections)
    return list(projections)


def test_every_amount_of_every_report_is_in_a_column_declared_for_amounts(month) -> None:  # type: ignore[no-untyped-def]
    seen = 0
    for name in REPORTS:
        table = report_table(name, month, ON)
        assert set(MONEY_COLUMNS[name]) <= set(table.columns), name
        for row in table.rows:
            for column, value in zip(table.columns, row, strict=True):
                if isinstance(value, Money):
                    seen += 1
                    assert column in MONEY_COLUMNS[name], (name, column)
    assert seen > 50  # the month has amounts in most reports


def test_csv_amounts_are_numbers_beside_their_currency(month) -> None:  # type: ignore[no-untyped-def]
    for name in REPORTS:
        table = report_table(name, month, ON)
        header, rows = csv_table(name, table)
        assert len(rows) == len(table.rows)
        for row, values in zip(rows, table.rows, strict=True):
            assert len(row) == len(header)
            for column in MONEY_COLUMNS[name]:
                value = values[table.columns.index(column)]
                written = row[header.index(column)]
                if isinstance(value, Money):
                    assert Decimal(written) == value.amount, (name, column, written)
                    assert row[header.index("currency")] == value.currency


def test_the_customers_report_reads_as_a_spreadsheet_would_sum_it(month) -> None:  # type: ignore[no-untyped-def]
    """Northwind's open 124.91 (its Rotterdam days) is a number, EUR beside the customer."""
    header, rows = csv_table("customers", report_table("customers", month, ON))
    assert header[:3] == ["customer", "currency", "invoiced"]
    northwind = next(r for r in rows if r[0] == "Northwind Traders")
    assert northwind[1] == "EUR"
    assert northwind[header.index("open")] == "124.91"


def test_a_report_with_no_rows_has_the_same_header() -> None:
    empty = all_projections(ProjectionStore.memory())
    for name in REPORTS:
        table = report_table(name, empty, ON)
        header, rows = csv_table(name, table)
        if MONEY_COLUMNS[name] and "currency" not in table.columns:
            assert header.index("currency") == table.columns.index(MONEY_COLUMNS[name][0])
        assert len(header) == len(table.columns) + (
            1 if MONEY_COLUMNS[name] and "currency" not in table.columns else 0
        )
        if not table.rows:
            assert rows == []


def test_a_row_mixing_currencies_is_refused_not_written_under_one() -> None:
    table = ReportTable(
        "Mixed",
        ("customer", "paid", "open"),
        (("Acme", Money.of("1", "EUR"), Money.of("2", "USD")),),
    )
    with pytest.raises(ValueError, match="one row holds amounts in"):
        csv_rows(table, ("paid", "open"))
