"""Money commands given the wrong kind of value refuse it with a typed error naming the field,
and record nothing: a refund without a reference (text, not blank), a credit note without a
reason, an allocation plan that is not (invoice id, Money) pairs, a deposit that is not whole
minor units."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from test_story_payment import issued

from q2c_core import CreditDisposition, InvalidValue, Money, QuoteToCash, TaxRate

A = "bea"
JAN_20 = date(2026, 1, 20)
JAN_21 = date(2026, 1, 21)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme_with_credit(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme owes 100.00 on an invoice of 10 January and sent 300.00 on the 20th."""
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    invoice = issued(app, cust, "100", date(2026, 1, 10))
    pay = app.receive_payment(cust, eur(300), received_on=JAN_20, reference="r1", actor=A)
    return cust, invoice, pay


def refused_recording_nothing(app: QuoteToCash, command: Callable[[], Any]) -> InvalidValue:
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        command()
    assert app.recorder.max_notification_id() == before
    return refused.value


@pytest.mark.parametrize("reference", [None, 42, "", "  "])
def test_a_refund_names_its_bank_reference(app: QuoteToCash, reference: Any) -> None:
    """Bea refunds 1.00 of Acme's credit but gives no reference (a bare AttributeError once), a
    number (a TypeError), or blank text (recorded, unguarded): the reference is what stops a
    retried refund paying twice, so each is refused (as `q2c refund` refuses a blank
    --reference), and the credit stays 300.00."""
    cust, _, _ = acme_with_credit(app)
    error = refused_recording_nothing(
        app,
        lambda: app.refund_customer_credit(
            cust, eur(1), refunded_on=JAN_21, reference=reference, actor=A
        ),
    )
    assert error.field == "reference"
    assert error.aggregate_id == cust
    assert app.customer_credit(cust) == eur(300)


def test_a_refund_retried_with_a_blank_reference_never_pays_twice(app: QuoteToCash) -> None:
    """Two tries of 100.00 with a reference of spaces paid 200.00 (credit 300 -> 200 -> 100).
    Now both are refused and the 300.00 credit is untouched; with a real reference the retry
    records nothing more."""
    cust, _, _ = acme_with_credit(app)
    for _ in range(2):
        error = refused_recording_nothing(
            app,
            lambda: app.instruct_refund(
                cust, eur(100), refunded_on=JAN_21, reference="  ", actor=A
            ),
        )
        assert (error.field, error.aggregate_id) == ("reference", cust)
    assert app.customer_credit(cust) == eur(300)
    first = app.instruct_refund(cust, eur(100), refunded_on=JAN_21, reference="OUT-1", actor=A)
    again = app.instruct_refund(cust, eur(100), refunded_on=JAN_21, reference="OUT-1", actor=A)
    assert (first.recorded, again.recorded) == (True, False)
    assert again.refund_ids == first.refund_ids
    assert app.customer_credit(cust) == eur(200)


@pytest.mark.parametrize("reason", [None, 7, "", " "])
def test_a_credit_note_says_why(app: QuoteToCash, reason: Any) -> None:
    _, invoice, _ = acme_with_credit(app)
    error = refused_recording_nothing(
        app,
        lambda: app.draft_credit_note(
            invoice,
            line_ids=["L1"],
            disposition=CreditDisposition.WRITTEN_OFF,
            reason=reason,
            drafted_on=JAN_21,
            actor=A,
        ),
    )
    assert (error.field, error.aggregate_id) == ("reason", invoice)


@pytest.mark.parametrize(
    "plan",
    [
        lambda invoice: [(invoice,)],  # the amount left out
        lambda invoice: [invoice],  # an invoice id alone
        lambda invoice: [(invoice, "100.00")],  # an amount as text
        lambda invoice: [(str(invoice), eur(100))],  # the id as text
        lambda invoice: [(invoice, eur(50), "extra")],
        lambda invoice: invoice,  # not a list at all
    ],
)
def test_an_allocation_plan_is_invoice_id_and_money_pairs(
    app: QuoteToCash, plan: Callable[[UUID], Any]
) -> None:
    """allocate_payment(p, [(invoice,)]) raised a bare ValueError (not enough values to unpack)
    and [invoice] a TypeError; each entry is now checked before anything is planned."""
    _, invoice, pay = acme_with_credit(app)
    error = refused_recording_nothing(
        app, lambda: app.allocate_payment(pay, plan(invoice), allocated_on=JAN_20, actor=A)
    )
    assert (error.field, error.aggregate_id) == ("allocations", pay)
    assert app.invoice(invoice).outstanding == eur(100)
    # a well-formed plan allocates
    app.allocate_payment(pay, [(invoice, eur(100))], allocated_on=JAN_20, actor=A)
    assert app.invoice(invoice).is_settled()


@pytest.mark.parametrize("amount", [Money.of("10.005", "EUR"), Money.of("1000.5", "JPY")])
def test_a_deposit_asks_whole_minor_units(app: QuoteToCash, amount: Money) -> None:
    """A deposit of 10.005 EUR was drafted billing 10.01 (1000.5 JPY billed 1,001), an amount
    no payment could match: receive_payment refuses 10.005. Now the deposit is refused too."""
    cust = app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )
    error = refused_recording_nothing(
        app,
        lambda: app.draft_deposit_invoice(
            cust, amount, description="down payment", drafted_on=JAN_20, actor=A
        ),
    )
    assert (error.field, error.aggregate_id) == ("amount", cust)
    assert "whole minor units" in error.rule
    deposit = app.draft_deposit_invoice(
        cust, eur("10.01"), description="down payment", drafted_on=JAN_20, actor=A
    )
    assert app.invoice(deposit).total == eur("12.11")
