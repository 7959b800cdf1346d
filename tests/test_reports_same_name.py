"""Two customers of one name are told apart, and listed in one order, in every customer report.

An ERP registers two companies called "Acme B.V." (its keys C-1 and C-2 tell them apart); one
is invoiced 121.00, the other 1,089.00, and each has work to bill. The customers, aging,
unbilled-by-customer and statements reports each give a ``customer id`` column beside the name
(the whole id, 32 hex digits, as ``q2c explain`` and the shell take it, last as the
other reports' keys), so a reader sees whose
121.00 it is, and list the customers by name, then id: the same order in every report, on
every run.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_adapters.reports import ReportTable, report_table
from q2c_core import (
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
)
from q2c_core.projections import all_projections, catch_up

ON = date(2024, 7, 1)
CUSTOMER_REPORTS = ("customers", "aging", "unbilled-by-customer", "statements")


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def invoiced(app: QuoteToCash, customer: UUID, net: str) -> None:
    """An invoice of ``net`` plus 21 % tax, issued on 2 May (past due by July)."""
    day = date(2024, 5, 2)
    line = InvoiceLine(
        line_id="L1",
        description="Consulting",
        quantity=Decimal(1),
        unit_price=eur(net),
        tax=TaxRate.standard(21),
        source=LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=RevenueKind.OTHER,
    )
    invoice = app.draft_invoice(customer, [line], drafted_on=day, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=day, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=day, actor="mia")
    app.issue_invoice(invoice, issued_on=day, actor="bea")


def work_to_bill(app: QuoteToCash, customer: UUID, hours: int) -> None:
    """Work a PO covers, logged and not invoiced yet: ``hours`` at 100.00."""
    day = date(2024, 6, 3)
    request = app.open_request(customer, "Dashboard", requested_on=day, actor="pete")
    app.estimate_request(request, hours=hours, rate=eur("100"), actor="pete")
    app.send_quote(request, sent_on=day, actor="pete")
    app.receive_purchase_order(
        request, number=f"PO-{hours}", amount=eur(f"{hours * 100}"), received_on=day, actor="bea"
    )
    app.authorize_work(request, authorized_on=day, actor="pete")
    entry = TimeEntry("u1", "omar", day, Decimal(hours), eur("100"))
    app.log_work(request, entry, actor="omar")


def column(table: ReportTable, name: str) -> list[Any]:
    return [row[table.columns.index(name)] for row in table.rows]


def customer_order(table: ReportTable) -> list[str]:
    """The customer ids in the order the report first lists them (its totals row aside)."""
    ids = [i for i in column(table, "customer id") if i]
    return list(dict.fromkeys(ids))


def reports(app: QuoteToCash) -> dict[str, ReportTable]:
    projections = all_projections()
    catch_up(app, projections)
    return {name: report_table(name, projections, ON) for name in CUSTOMER_REPORTS}


def test_two_customers_of_one_name_are_told_apart_in_every_customer_report() -> None:
    app = QuoteToCash.open("memory:")
    ids = {}
    for reference, net, hours in (("C-1", "100.00", 2), ("C-2", "900.00", 7)):
        customer = app.register_customer(
            "Acme B.V.", "EUR", account_manager="mia", actor="erp", reference=reference
        )
        invoiced(app, customer, net)
        work_to_bill(app, customer, hours)
        ids[reference] = customer.hex
    tables = reports(app)
    c1, c2 = ids["C-1"], ids["C-2"]

    customers = tables["customers"]
    by_id = dict(zip(column(customers, "customer id"), customers.rows, strict=True))
    invoiced_at = customers.columns.index("invoiced")
    unbilled_at = customers.columns.index("unbilled")
    assert by_id[c1][invoiced_at] == eur("121.00") and by_id[c1][unbilled_at] == eur("200.00")
    assert by_id[c2][invoiced_at] == eur("1089.00") and by_id[c2][unbilled_at] == eur("700.00")

    aging = tables["aging"]
    totals = dict(zip(column(aging, "customer id"), column(aging, "total"), strict=True))
    assert totals == {c1: eur("121.00"), c2: eur("1089.00"), "": eur("1210.00")}

    by_customer = tables["unbilled-by-customer"]
    assert by_customer.columns == ("customer", "amount", "customer id")
    assert set(by_customer.rows) == {
        ("Acme B.V.", eur("200.00"), c1),
        ("Acme B.V.", eur("700.00"), c2),
    }

    statements = tables["statements"]
    invoices = [
        (row[statements.columns.index("customer id")], row[statements.columns.index("amount")])
        for row in statements.rows
        if row[statements.columns.index("type")] == "invoice"
    ]
    assert sorted(invoices) == sorted([(c1, eur("121.00")), (c2, eur("1089.00"))])

    # one order, by name then id, in every report
    expected = sorted([c1, c2])
    assert {name: customer_order(t) for name, t in tables.items()} == {
        name: expected for name in CUSTOMER_REPORTS
    }
    # the name first, the id last (a key, as the other reports' ids), in each report
    for table in tables.values():
        assert (table.columns[0], table.columns[-1]) == ("customer", "customer id")


NAMES = st.sampled_from(["Acme B.V.", "Acme", "Zeta GmbH", "Beta SA"])


@settings(max_examples=10, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=5))
def test_every_customer_report_lists_customers_by_name_then_id(names: list[str]) -> None:
    """Whatever the names (several shared) and the order they were registered in, each report
    lists the customers by name, then id, and every report in the same order."""
    app = QuoteToCash.open("memory:")
    registered = {}
    for n, name in enumerate(names):
        customer = app.register_customer(
            name, "EUR", account_manager="mia", actor="erp", reference=f"K-{n}"
        )
        invoiced(app, customer, f"{n + 1}00.00")
        work_to_bill(app, customer, n + 1)
        registered[customer.hex] = name
    expected = sorted(registered, key=lambda i: (registered[i], i))
    for name, table in reports(app).items():
        assert customer_order(table) == expected, name
        for row in table.rows:
            at = table.columns.index("customer id")
            if row[at]:
                assert row[0] == registered[row[at]], name
