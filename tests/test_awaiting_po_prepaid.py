"""Product planning reads the product-areas report as a sales funnel: requested, quoted, won.
A request covered by a customer's prepaid hours was never quoted and never won a PO, yet it
was counted as won: the demo's 'reporting' area showed 1 quote and 2 wins (a 200 % win rate).
Won now counts quotes answered with a PO; requests that went ahead on prepaid hours or money
are counted apart, as prepaid, and the report shows them in their own column."""

from __future__ import annotations

import io
from datetime import date

from rich.console import Console
from test_projections_story import A, authorized_request, eur

from q2c_adapters.reports import cell, print_reports, report_table
from q2c_core import AllowanceUnit, Period, QuoteToCash, TaxRate
from q2c_core.projections import AwaitingPurchaseOrder

ON = date(2024, 6, 1)


def reporting_area(app: QuoteToCash) -> None:
    """Area 'reporting': one quote won by a PO; one request covered by prepaid hours without a
    quote; one quoted, then covered by the prepaid hours instead of a PO; one quote declined."""
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    hours = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=40,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    authorized_request(app, acme, "Export", date(2024, 3, 1), area="reporting")
    dashboard = app.open_request(
        acme, "Dashboard", requested_on=date(2024, 3, 2), actor=A, product_area="reporting"
    )
    app.estimate_request(dashboard, hours=8, rate=eur(100), actor=A)
    app.cover_request_by_allowance(dashboard, hours, actor=A)
    app.authorize_work(dashboard, authorized_on=date(2024, 3, 3), actor=A)
    filters = app.open_request(
        acme, "Filters", requested_on=date(2024, 3, 4), actor=A, product_area="reporting"
    )
    app.estimate_request(filters, hours=4, rate=eur(100), actor=A)
    app.send_quote(filters, sent_on=date(2024, 3, 4), actor=A)
    app.cover_request_by_allowance(filters, hours, actor=A)
    charts = app.open_request(
        acme, "Charts", requested_on=date(2024, 3, 5), actor=A, product_area="reporting"
    )
    app.estimate_request(charts, hours=6, rate=eur(100), actor=A)
    app.send_quote(charts, sent_on=date(2024, 3, 5), actor=A)
    app.decline_request(charts, reason="went with a spreadsheet", actor=A)


def test_prepaid_requests_are_not_counted_as_won() -> None:
    app = QuoteToCash.open("memory:")
    reporting_area(app)
    projections = print_reports(app, Console(file=io.StringIO()), as_of=ON)
    book = next(p for p in projections if isinstance(p, AwaitingPurchaseOrder))
    (area,) = book.history_by_area()
    assert area.product_area == "reporting"
    assert (area.requested, area.quoted, area.won, area.prepaid) == (4, 3, 1, 2)
    assert (area.declined, area.cancelled, area.open) == (1, 0, 0)
    # every request is counted once: won, prepaid, declined, cancelled or open
    assert area.won + area.prepaid + area.declined + area.cancelled + area.open == area.requested
    # and the report shows the prepaid ones in their own column, beside the wins
    table = report_table("product-areas", projections, ON)
    (row,) = table.rows
    shown = dict(zip(table.columns, row, strict=True))
    assert [cell(shown[c]) for c in ("requested", "quoted", "won", "prepaid")] == [
        "4",
        "3",
        "1",
        "2",
    ]
    assert table.columns.index("prepaid") == table.columns.index("won") + 1
    app.close()
