"""What a cancelled request's invoice bills, and what unbilled_work counts, told one way.

The export was cancelled after Bob's 3 authorized hours (300.00); 2 hours (200.00) his PSA sent
for the day before the PO were recorded unauthorized. ``unbilled_work`` counts both (500.00:
unauthorized work is counted as leakage to follow up), the request's invoice bills the 300.00
owed and leaves the 200.00 out, and those stay counted, and listed as leakage, until an invoice
drafted by hand bills them. (The docstring of ``draft_request_invoice`` said it billed the
request "as unbilled_work lists it".)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
from q2c_core.projections import UnbilledRevenue, catch_up

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def test_the_unauthorized_hours_of_a_cancelled_request_are_leakage_until_billed_by_hand(
    app: QuoteToCash,
) -> None:
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=day(2), actor=A)
    app.import_work(
        export, TimeEntry("x1", "bob", day(3), Decimal(2), eur(100)), source="psa", actor="i"
    )
    app.receive_purchase_order(export, number="PO-1", amount=eur(1000), received_on=day(4), actor=A)
    app.authorize_work(export, authorized_on=day(5), actor=A)
    app.log_work(export, TimeEntry("t1", "bob", day(6), Decimal(3), eur(100)), actor="bob")
    app.cancel_request(export, reason="customer changed plans", cancelled_on=day(10), actor=A)
    assert app.unbilled_work(export) == eur(500)

    invoice = app.invoice(app.draft_request_invoice(export, drafted_on=day(10), actor="bea"))
    assert invoice.net == eur(300)
    assert app.unbilled_work(export) == eur(200)
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    [leak] = unbilled.leakage_risk(day(10))
    assert (leak.item_id, leak.amount) == ("x1", eur(200))

    # agreed with the customer: billed by hand, and nothing is left
    line = InvoiceLine(
        "L1",
        "Export: bob 2024-03-03 (agreed)",
        Decimal(2),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=export, time_entry_ids=("x1",), hours=Decimal(2)),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )
    app.draft_invoice(acme, [line], drafted_on=day(11), actor="bea")
    assert app.unbilled_work(export) == eur(0)
    catch_up(app, [unbilled])
    assert unbilled.leakage_risk(day(11)) == []
