"""A hand-made invoice bills a request's hours, expenses or fixed price only in their currency.

Acme's export is estimated and rated in euros: Bob's 4 hours at 100.00 EUR (400.00 EUR), a
45.00 EUR train fare, or a fixed price of 1,000.00 EUR. A dollar invoice drafted by hand with a
line naming them (400.00 USD for t1) was taken: the request read t1 billed and nothing unbilled,
so the customer was asked 400 dollars for 400 euros of work and the euros were never billed
(as an overage line in another currency than its allowance's was, until it was refused). Such a
line is now refused, ``CurrencyMismatch`` naming ``lines.<id>.unit_price``, nothing recorded;
the same line in euros bills the work once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    CurrencyMismatch,
    Expense,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
)

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def authorized_export(app: QuoteToCash, *, fixed_price: bool) -> tuple[UUID, UUID]:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    if fixed_price:
        app.estimate_request(export, fixed_price=Money.of(1000, "EUR"), actor=A)
    else:
        app.estimate_request(export, hours=10, rate=Money.of(100, "EUR"), actor=A)
    app.send_quote(export, sent_on=day(2), actor=A)
    app.receive_purchase_order(
        export, number="PO-1", amount=Money.of(1000, "EUR"), received_on=day(3), actor=A
    )
    app.authorize_work(export, authorized_on=day(4), actor=A)
    app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal(4), Money.of(100, "EUR")), actor=A)
    app.log_expense(export, Expense("x1", "train", Money.of(45, "EUR"), day(5)), actor=A)
    return acme, export


def line(export: UUID, price: Money, billing: str) -> InvoiceLine:
    if billing == "hours":
        source = LineSource(
            SourceKind.WORK, request_id=export, time_entry_ids=("t1",), hours=Decimal(4)
        )
        quantity = Decimal(4)
    elif billing == "expense":
        source = LineSource(SourceKind.EXPENSE, request_id=export, expense_id="x1")
        quantity = Decimal(1)
    else:
        source = LineSource(SourceKind.WORK, request_id=export, fixed_price=True)
        quantity = Decimal(1)
    return InvoiceLine(
        "L1", "Export", quantity, price, TaxRate.standard(0), source, RevenueKind.ENHANCEMENT
    )


@pytest.mark.parametrize(
    ("billing", "amount", "left"),
    [
        ("hours", "100", "45.00"),
        ("expense", "45", "400.00"),
        ("fixed price", "1000", "45.00"),
    ],
)
def test_a_dollar_invoice_cannot_bill_euro_work(
    app: QuoteToCash, billing: str, amount: str, left: str
) -> None:
    acme, export = authorized_export(app, fixed_price=billing == "fixed price")
    if billing == "fixed price":
        app.complete_request(export, completed_on=day(6), actor=A)
    unbilled = app.unbilled_work(export)
    before = app.recorder.max_notification_id()

    with pytest.raises(CurrencyMismatch) as refused:
        app.draft_invoice(
            acme,
            [line(export, Money.of(amount, "USD"), billing)],
            drafted_on=day(6),
            actor=A,
            currency="USD",
        )

    assert refused.value.field == "lines.L1.unit_price"
    assert app.recorder.max_notification_id() == before  # nothing recorded
    assert app.request(export).billed == {}
    assert app.unbilled_work(export) == unbilled

    # in euros, the same line bills it once
    euros = app.draft_invoice(
        acme, [line(export, Money.of(amount, "EUR"), billing)], drafted_on=day(6), actor=A
    )
    assert list(app.request(export).billed.values()) == [euros.hex]
    assert app.unbilled_work(export) == Money.of(left, "EUR")
