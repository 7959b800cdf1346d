"""print_reports: the per-customer summary, commissions and the key reports, from projections."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from rich.console import Console
from test_projections_story import issue, story

from q2c_adapters.reports import (
    KEY_REPORTS,
    REPORTS,
    ReportTable,
    cell,
    json_value,
    print_reports,
    report_table,
    rich_table,
)
from q2c_core import AllowanceUnit, Money, Period, QuoteToCash, TimeEntry
from q2c_core.projections import (
    Commissions,
    CustomerStatement,
    Kpis,
    Projection,
    ReceivablesAging,
    UnbilledRevenue,
)


def test_print_reports_shows_the_summary_and_commissions() -> None:
    app = QuoteToCash.open("memory:")
    story(app)
    out = io.StringIO()
    used = print_reports(app, Console(file=out, width=250), as_of=date(2024, 6, 1))
    text = out.getvalue()
    assert "Customers on 2024-06-01" in text
    # Acme: invoiced 1,573.00, paid 1,210.00, open 363.00, unbilled 800.00
    for figure in ("1573.00 EUR", "1210.00 EUR", "363.00 EUR", "800.00 EUR"):
        assert figure in text
    assert "Commission statements" in text and "50.00 EUR" in text
    assert "Leakage risk" in text and "Receivables aging" in text
    assert any(isinstance(p, Commissions) for p in used)
    app.close()


ON = date(2024, 6, 1)


@pytest.fixture
def reported() -> Iterator[tuple[QuoteToCash, list[Projection]]]:
    """The story recorded, and every report's projections followed up to 1 June 2024."""
    app = QuoteToCash.open("memory:")
    story(app)
    yield app, list(print_reports(app, Console(file=io.StringIO()), as_of=ON))
    app.close()


def test_every_report_builds_from_the_same_projections() -> None:
    app = QuoteToCash.open("memory:")
    story(app)
    projections = print_reports(app, Console(file=io.StringIO()), as_of=date(2024, 6, 1))
    for name in REPORTS:
        table = report_table(name, projections, date(2024, 6, 1))
        assert all(len(row) == len(table.columns) for row in table.rows), name
    summary = report_table("customers", projections, date(2024, 6, 1))
    (acme,) = summary.rows
    hours_left = acme[summary.columns.index("prepaid hours left")]
    assert acme[0] == "Acme" and str(hours_left) == "0.00"  # the 5 prepaid hours are all drawn
    assert set(KEY_REPORTS) <= set(REPORTS)
    app.close()


def test_a_column_is_right_aligned_by_its_first_filled_cell() -> None:
    """The revenue report leaves its scheduled/contracted cells empty on the first rows: the
    amounts below are still right-aligned, the labels left."""
    table = rich_table(
        ReportTable(
            "t",
            ("line", "scheduled"),
            (("recognised", ""), ("forecast", Money.of("1.00", "EUR"))),
        )
    )
    assert [c.justify for c in table.columns] == ["left", "right"]


def test_an_empty_report_says_so_under_a_title_on_one_line() -> None:
    """Nothing unbilled is news too: the table says "nothing to show" rather than printing a
    bare header, and a two-column table keeps its long title on one line."""
    title = "Unbilled revenue by account_manager on 2026-03-31"
    out = io.StringIO()
    Console(file=out, width=120).print(
        rich_table(ReportTable(title, ("account_manager", "amount"), ()))
    )
    lines = out.getvalue().splitlines()
    assert lines[0].strip() == title
    assert lines[-1].strip() == "nothing to show"
    out = io.StringIO()
    filled = ReportTable(title, ("account_manager", "amount"), (("mia", Money.of("1.00", "EUR")),))
    Console(file=out, width=120).print(rich_table(filled))
    assert "nothing to show" not in out.getvalue()


def test_prepaid_prints_an_allowance_period_by_its_first_and_last_day() -> None:
    """The allowance for calendar 2024 is 2024-01-01..2024-12-31, as history and the other
    reports print a period, not its exclusive end (2025-01-01)."""
    app = QuoteToCash.open("memory:")
    story(app)
    projections = print_reports(app, Console(file=io.StringIO()), as_of=date(2024, 6, 1))
    table = report_table("prepaid", projections, date(2024, 6, 1))
    (row,) = table.rows
    period = row[table.columns.index("period")]
    assert period == "2024-01-01..2024-12-31"
    assert period == str(Period(date(2024, 1, 1), date(2025, 1, 1)))
    app.close()


def test_the_customers_report_and_the_customer_summary_tell_the_same_unbilled_story(
    reported: tuple[QuoteToCash, list[Projection]],
) -> None:
    """The report's "unbilled" is what can be invoiced now (authorized work and contract
    periods due), its "leakage risk" the work logged without authorization; the application's
    ``unbilled_work`` is the requests' work of both: it equals unbilled + leakage risk less
    the contract items, to the cent."""
    app, projections = reported
    table = report_table("customers", projections, ON)
    (row,) = table.rows
    unbilled, leakage = (row[table.columns.index(c)] for c in ("unbilled", "leakage risk"))
    assert isinstance(unbilled, Money) and isinstance(leakage, Money)
    assert leakage.is_positive()  # the imported hours nobody authorized
    items = next(p for p in projections if isinstance(p, UnbilledRevenue)).items(ON)
    contracts = sum((i.amount.amount for i in items if i.kind.startswith("contract")), Decimal(0))
    (customer,) = app.customers()
    summary = app.customer_summary(customer.id, ON)
    assert summary.unbilled_work.amount == unbilled.amount + leakage.amount - contracts


def test_leakage_names_the_request_by_its_title_with_its_id_beside(
    reported: tuple[QuoteToCash, list[Projection]],
) -> None:
    _, projections = reported
    table = report_table("leakage", projections, ON)
    (row,) = table.rows
    assert row[table.columns.index("request")] == "Hotfix"
    assert len(str(row[table.columns.index("request id")])) == 32


def test_item_reports_give_the_row_that_explain_takes(
    reported: tuple[QuoteToCash, list[Projection]],
) -> None:
    """Every row of the unbilled, review, awaiting-PO and past-due reports names the
    projection row its numbers come from, and that row exists in the projection."""
    _, projections = reported
    by_name = {p.name: p for p in projections}
    checked = 0
    for report in ("unbilled", "review", "awaiting-po", "past-due"):
        table = report_table(report, projections, ON)
        (column,) = [c for c in table.columns if c.startswith("row (")]
        projection = by_name[column[5:-1]]
        for row in table.rows:
            key = row[table.columns.index(column)]
            assert projection.get(str(key)) is not None, (report, key)
            checked += 1
    assert checked >= 4


def test_a_bounced_payment_keeps_its_reference_on_the_statement(
    reported: tuple[QuoteToCash, list[Projection]],
) -> None:
    _, projections = reported
    table = report_table("statements", projections, ON)
    bounced = [r[2] for r in table.rows if "bounced" in str(r[2])]  # (number / reference)
    assert bounced and all(not str(text).startswith("bounced") for text in bounced)


def test_a_row_key_prints_whole_in_a_narrow_table(
    reported: tuple[QuoteToCash, list[Projection]],
) -> None:
    """At 80 columns the text cells wrap; the key to paste into q2c explain never does (nor
    an amount: the table is printed wider, uncropped, as q2c report prints it)."""
    _, projections = reported
    table = report_table("review", projections, ON)
    keys = [str(r[-1]) for r in table.rows]
    out = io.StringIO()
    Console(file=out, width=80).print(rich_table(table), crop=False)
    printed = out.getvalue()
    assert keys and all(key in printed for key in keys)


def test_the_overview_leaves_the_keys_out(
    reported: tuple[QuoteToCash, list[Projection]],
) -> None:
    """The demo's overview is for people: the review report reads without its key column."""
    _, projections = reported
    table = report_table("review", projections, ON)
    out = io.StringIO()
    Console(file=out, width=200).print(rich_table(table, keys=False))
    assert "row (review_meeting)" not in out.getvalue() and "req:" not in out.getvalue()
    assert table.rows[0][1] in out.getvalue()  # the request's title is still there


def money_allowance_story(app: QuoteToCash) -> None:
    """Acme prepays 1,000.00 EUR; Dana works 4, 5 and 2.5 hours at 95.00 on a request it
    covers: 1,092.50 of work, so 92.50 of it (0.973684... of an hour) is overage, invoiced."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="bea")
    allowance = app.grant_allowance(
        acme,
        unit=AllowanceUnit.MONEY,
        quantity="1000",
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor="bea",
    )
    request = app.open_request(acme, "Dashboards", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(request, hours=12, rate=Money.of("95", "EUR"), actor="pete")
    app.cover_request_by_allowance(request, allowance, actor="bea")
    app.authorize_work(request, authorized_on=date(2024, 3, 1), actor="pete")
    for n, hours in enumerate(("4", "5", "2.5")):
        entry = TimeEntry(
            f"t{n}", "dana", date(2024, 3, 4 + n), Decimal(hours), Money.of("95", "EUR")
        )
        app.log_work(request, entry, actor="dana")
    app.complete_request(request, completed_on=date(2024, 3, 8), actor="pete")
    invoice = app.draft_request_invoice(request, drafted_on=date(2024, 3, 8), actor="pete")
    issue(app, invoice, date(2024, 3, 8))


def test_reports_show_hours_to_the_hundredth_and_the_read_model_keeps_them_exact() -> None:
    """The KPI report printed the overage hours a money allowance split off as
    0.9736842105263157894736842105: every report shows hours to 2 decimals, half up (table,
    CSV and JSON alike), whole hours too; the read model keeps the exact fraction."""
    app = QuoteToCash.open("memory:")
    money_allowance_story(app)
    projections = print_reports(app, Console(file=io.StringIO()), as_of=ON)
    kpis = next(p for p in projections if isinstance(p, Kpis))
    (exact,) = kpis.time_entered_vs_invoiced()
    assert exact.invoiced == Decimal("92.50") / Decimal("95.00")  # kept exact
    table = report_table("kpis", projections, ON)
    (row,) = table.rows
    shown = dict(zip(table.columns, row, strict=True))
    assert [cell(shown[c]) for c in ("entered", "billable", "invoiced")] == [
        "11.50",
        "11.50",
        "0.97",
    ]
    assert json_value(shown["invoiced"]) == "0.97"
    review = report_table("review", projections, ON)
    (item,) = review.rows
    hours = [item[review.columns.index(c)] for c in ("est. hours", "actual hours")]
    assert [cell(h) for h in hours] == ["12.00", "11.50"]
    areas = report_table("product-areas", projections, ON)
    assert [cell(v) for v in areas.rows[0][-2:]] == ["12.00", "11.50"]
    month = report_table("utilisation", projections, date(2024, 3, 31))
    assert [cell(v) for v in month.rows[0][2:4]] == ["11.50", "168.00"]
    app.close()


def test_reports_show_money_at_the_currency_s_minor_unit_everywhere() -> None:
    """The prepaid report showed a money allowance as "granted 1000 / drawn 1000.00 /
    remaining 0", and the statement's and aging's zeros were Money('0') beside '124.91': a
    money allowance's quantities are money of its currency, and every amount a report or its
    query holds is written to the minor unit (nothing rounded away: it already was)."""
    app = QuoteToCash.open("memory:")
    money_allowance_story(app)
    projections = print_reports(app, Console(file=io.StringIO()), as_of=ON)
    prepaid = report_table("prepaid", projections, ON)
    (row,) = prepaid.rows
    shown = dict(zip(prepaid.columns, row, strict=True))
    quantities = ("granted", "drawn", "remaining", "overage", "overage billed")
    assert [cell(shown[q]) for q in quantities] == [
        "1000.00 EUR",
        "1000.00 EUR",
        "0.00 EUR",
        "92.50 EUR",
        "92.50 EUR",
    ]
    assert json_value(shown["remaining"]) == {"amount": "0.00", "currency": "EUR"}
    for name in REPORTS:
        for values in report_table(name, projections, ON).rows:
            for value in values:
                if isinstance(value, Money):
                    assert value.amount.as_tuple().exponent == -2, (name, value)
    statements = next(p for p in projections if isinstance(p, CustomerStatement))
    (acme,) = app.customers()
    (balance,) = statements.statement(acme.id, ON).balances
    assert [str(m.amount) for m in (balance.invoiced, balance.paid, balance.credit)] == [
        "92.50",  # the overage invoiced (no tax rate: none added)
        "0.00",
        "0.00",
    ]
    aging = next(p for p in projections if isinstance(p, ReceivablesAging))
    for row_of_aging in [*aging.aging(ON), *aging.totals(ON)]:
        amounts = [*row_of_aging.buckets.values(), row_of_aging.total]
        assert all(m.amount.as_tuple().exponent == -2 for m in amounts), row_of_aging
    app.close()


def test_a_table_leaves_out_forecast_months_with_nothing_forecast_unless_asked() -> None:
    """Acme has no contract: its forecast rows (the rest of June after the report's day, then
    twelve months) are all 0.00, which the revenue table printed row after row. The table for
    people leaves them out and says how many; asked for every row (q2c report --all), it shows
    them; the report itself keeps them for CSV and JSON, whose readers expect the whole
    series."""
    app = QuoteToCash.open("memory:")
    money_allowance_story(app)
    projections = print_reports(app, Console(file=io.StringIO()), as_of=ON)
    revenue = report_table("revenue", projections, ON)
    months = [i for i, row in enumerate(revenue.rows) if str(row[0]).startswith("forecast")]
    assert len(months) == 13 and revenue.empty_rows == frozenset(months)
    assert revenue.rows[months[0]][0] == f"forecast 2024-06 from {ON + timedelta(days=1)}"

    def printed(**options: bool) -> str:
        out = io.StringIO()
        Console(file=out, width=120).print(rich_table(revenue, **options))
        return out.getvalue()

    table = printed()
    assert "forecast 2024-" not in table and "recognised to date" in table
    assert "forecast months with nothing forecast left out: 13" in table
    every = printed(every_row=True)
    assert every.count("forecast 2024-") == 7 and "forecast 2025-06" in every
    assert "left out" not in every
    app.close()
