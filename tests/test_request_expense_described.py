"""An expense re-billed on an invoice says what it was.

Bob's taxi receipt for Acme's export reached billing as an expense with no description (the
expense tool's column was empty), and another with a zero-width space copied from a chat. q2c
recorded both, and the request's invoice billed "Export: " twice, 45.00 EUR each, a charge
the customer cannot match to anything and disputes. A new expense's description must now be
visible text (``InvalidValue`` naming ``expense.description``), nothing recorded; expenses
recorded before the rule still load and bill as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import Expense, InvalidValue, Money, QuoteToCash, TimeEntry

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def authorized_export(app: QuoteToCash) -> UUID:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    app.send_quote(export, sent_on=day(2), actor="billy")
    app.receive_purchase_order(
        export, number="PO-1", amount=eur(1000), received_on=day(3), actor="billy"
    )
    app.authorize_work(export, authorized_on=day(4), actor=A)
    app.log_work(export, TimeEntry("t1", "bob", day(5), Decimal(8), eur(100)), actor="bob")
    return export


@pytest.mark.parametrize("description", ["", "   ", "\u200b"], ids=["empty", "spaces", "zwsp"])
def test_an_expense_that_says_nothing_is_refused_and_the_invoice_bills_only_the_taxi_named(
    app_factory: Callable[[], QuoteToCash], description: str
) -> None:
    app = app_factory()
    export = authorized_export(app)
    with pytest.raises(InvalidValue) as refused:
        app.log_expense(export, Expense("x1", description, eur(45), day(5)), actor="bob")
    assert refused.value.field == "expense.description"
    assert refused.value.aggregate_id == export
    assert app.request(export).expenses == []

    app.log_expense(export, Expense("x2", "Taxi to the data centre", eur(45), day(5)), actor="bob")
    app.complete_request(export, completed_on=day(6), actor=A)
    invoice = app.invoice(app.draft_request_invoice(export, drafted_on=day(7), actor="bea"))
    assert [line.description for line in invoice.lines] == [
        "Export: bob 2024-03-05",
        "Export: Taxi to the data centre",
    ]
    assert invoice.total == eur(845)
