"""A cancelled fixed-price request's hours are billed from its cancellation day on.

Logo at a fixed 1,000.00: Bob logged 3 hours (300.00) on 6 March, and the customer cancelled on
10 March. Its invoice billing those hours was taken with a drafted_on of 7 March: on 7 to 9
March the price was still owed (the request was not cancelled yet), so every report of those
days read 1,000.00 unbilled beside the 300.00 invoiced, 1,300.00 for a 1,000.00 deal. The hours
are owed in place of the price only once it is cancelled: such an invoice is drafted no earlier
than the cancellation day (``RuleViolated`` naming ``drafted_on``, nothing recorded). An hourly
request's hours were billable before its cancellation anyway: its invoice may be dated so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import Expense, Money, QuoteToCash, RuleViolated, TaxRate, TimeEntry

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def cancelled_request(app: QuoteToCash, fixed: bool) -> tuple[UUID, UUID]:
    """Logo, authorized 5 March (a fixed 1,000.00, or 10 hours at 100.00), 3 hours on 6 March,
    cancelled on 10 March."""
    acme = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    logo = app.open_request(acme, "Logo", requested_on=day(1), actor=A)
    if fixed:
        app.estimate_request(logo, fixed_price=eur(1000), actor=A)
    else:
        app.estimate_request(logo, hours=10, rate=eur(100), actor=A)
    app.send_quote(logo, sent_on=day(2), actor=A)
    app.receive_purchase_order(logo, number="PO-1", amount=eur(1000), received_on=day(4), actor=A)
    app.authorize_work(logo, authorized_on=day(5), actor=A)
    app.log_work(logo, TimeEntry("t1", "bob", day(6), Decimal(3), eur(100)), actor="bob")
    app.cancel_request(logo, reason="customer changed plans", cancelled_on=day(10), actor=A)
    return acme, logo


def test_the_hours_of_a_cancelled_fixed_price_are_not_invoiced_before_the_cancellation(
    app: QuoteToCash,
) -> None:
    acme, logo = cancelled_request(app, fixed=True)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.draft_request_invoice(logo, drafted_on=day(7), actor="bea")
    assert refused.value.field == "drafted_on"
    assert "2024-03-10" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    # on the days before the cancellation the price is owed, and nothing is invoiced
    assert app.customer_summary(acme, as_of=day(9)).unbilled_work == eur(1000)
    assert app.customer_summary(acme, as_of=day(9)).invoiced == eur(0)
    invoice = app.invoice(app.draft_request_invoice(logo, drafted_on=day(10), actor="bea"))
    assert invoice.net == eur(300)
    assert app.customer_summary(acme, as_of=day(10)).unbilled_work == eur(0)


def test_an_expense_of_a_cancelled_fixed_price_is_billed_as_it_was_incurred(
    app: QuoteToCash,
) -> None:
    """A fare is owed the same before and after the cancellation: an invoice billing no hours
    may be dated before it."""
    acme = app.register_customer("Beta", "EUR", account_manager="mia", actor=A)
    logo = app.open_request(acme, "Logo", requested_on=day(1), actor=A)
    app.estimate_request(logo, fixed_price=eur(1000), actor=A)
    app.send_quote(logo, sent_on=day(2), actor=A)
    app.receive_purchase_order(logo, number="PO-1", amount=eur(1000), received_on=day(4), actor=A)
    app.authorize_work(logo, authorized_on=day(5), actor=A)
    app.log_expense(logo, Expense("x1", "train", eur(45), day(6)), actor="bob")
    app.cancel_request(logo, reason="customer changed plans", cancelled_on=day(10), actor=A)
    invoice = app.invoice(app.draft_request_invoice(logo, drafted_on=day(7), actor="bea"))
    assert invoice.net == eur(45)


def test_a_cancelled_hourly_request_may_be_invoiced_as_of_a_day_its_hours_were_billable(
    app: QuoteToCash,
) -> None:
    acme, logo = cancelled_request(app, fixed=False)
    invoice = app.invoice(app.draft_request_invoice(logo, drafted_on=day(7), actor="bea"))
    assert invoice.net == eur(300)
    assert app.customer_summary(acme, as_of=day(7)).unbilled_work == eur(0)
