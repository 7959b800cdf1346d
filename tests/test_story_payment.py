"""The story of a payment: received without card numbers, allocated across several invoices,
reversed by events, the remainder kept as customer credit, a bounce re-opening the invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    BillingFrequency,
    CardNumberRefused,
    CreditDisposition,
    CurrencyMismatch,
    InvalidTransition,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    OverAllocation,
    Period,
    QuoteToCash,
    RuleViolated,
    SourceKind,
    TaxRate,
)

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def issued(app: QuoteToCash, cust: UUID, net: str, on: date) -> UUID:
    line = InvoiceLine(
        "L1",
        "maintenance",
        Decimal(1),
        eur(net),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(cust, [line], drafted_on=on, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


@pytest.fixture
def three_invoices(app: QuoteToCash) -> tuple[UUID, list[UUID]]:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    invoices = [
        issued(app, cust, "300", date(2024, 3, 1)),
        issued(app, cust, "200", date(2024, 1, 1)),  # due first
        issued(app, cust, "500", date(2024, 2, 1)),
    ]
    return cust, invoices


def test_one_payment_pays_several_invoices_oldest_due_first(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    cust, (march, january, february) = three_invoices
    payment = app.receive_payment(
        cust, eur(900), received_on=date(2024, 4, 1), reference="INV-1..3", actor=A
    )
    assert app.customer_credit(cust) == eur(900)
    ids = app.allocate_payment(payment, allocated_on=date(2024, 4, 1), actor=A)
    assert len(ids) == 3
    p = app.payment(payment)
    assert [(a.invoice_id, a.amount) for a in p.allocations] == [
        (january, eur(200)),
        (february, eur(500)),
        (march, eur(200)),
    ]
    assert p.unallocated == eur(0)
    assert app.invoice(january).is_settled() and app.invoice(february).is_settled()
    assert app.invoice(march).outstanding == eur(100)
    summary = app.customer_summary(cust)
    assert (summary.invoiced, summary.paid, summary.open, summary.credit) == (
        eur(1000),
        eur(900),
        eur(100),
        eur(0),
    )


def test_explicit_allocation_and_remainder_as_credit(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    cust, (march, january, _) = three_invoices
    payment = app.receive_payment(
        cust, eur("650.00"), received_on=date(2024, 4, 1), reference="transfer 8812", actor=A
    )
    app.allocate_payment(
        payment, [(march, eur(300)), (january, eur(150))], allocated_on=date(2024, 4, 1), actor=A
    )
    assert app.payment(payment).unallocated == eur(200)
    assert app.customer_credit(cust) == eur(200)
    assert app.invoice(january).outstanding == eur(50)
    # credit is used later, oldest first
    app.allocate_payment(payment, allocated_on=date(2024, 4, 2), actor=A)
    assert app.invoice(january).is_settled()
    assert app.customer_credit(cust) == eur(0)


def test_money_allocated_on_a_day_pays_only_invoices_issued_by_then(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    """A payment received in advance waits as credit: allocated oldest first on 15 February,
    it pays January's and February's invoices, not March's, which did not exist yet; a credit
    note cannot be dated before the invoice it credits either."""
    cust, (march, january, february) = three_invoices
    payment = app.receive_payment(
        cust, eur(900), received_on=date(2024, 1, 1), reference="advance", actor=A
    )
    app.allocate_payment(payment, allocated_on=date(2024, 2, 15), actor=A)
    assert app.invoice(january).is_settled() and app.invoice(february).is_settled()
    assert app.invoice(march).outstanding == eur(300)
    assert app.customer_credit(cust) == eur(200)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.allocate_payment(payment, [(march, eur(200))], allocated_on=date(2024, 2, 20), actor=A)
    assert (refused.value.field, refused.value.aggregate_id) == ("allocated_on", march)
    with pytest.raises(RuleViolated) as refused:
        app.draft_credit_note(
            march,
            line_ids=["L1"],
            disposition=CreditDisposition.WRITTEN_OFF,
            reason="goodwill",
            drafted_on=date(2024, 2, 28),
            actor=A,
        )
    assert refused.value.field == "drafted_on"
    assert app.recorder.max_notification_id() == before
    app.allocate_payment(payment, allocated_on=date(2024, 3, 1), actor=A)
    assert app.invoice(march).outstanding == eur(100)


def test_over_allocation_is_refused(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    cust, (march, january, _) = three_invoices
    payment = app.receive_payment(
        cust, eur(250), received_on=date(2024, 4, 1), reference="x", actor=A
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        app.allocate_payment(payment, [(january, eur(201))], allocated_on=date(2024, 4, 1), actor=A)
    assert refused.value.aggregate_id == january
    with pytest.raises(OverAllocation) as refused:
        app.allocate_payment(
            payment,
            [(march, eur(200)), (january, eur(100))],
            allocated_on=date(2024, 4, 1),
            actor=A,
        )
    assert refused.value.aggregate_id == payment
    assert app.recorder.max_notification_id() == before
    assert app.invoice(march).paid == eur(0)  # nothing half-done


def test_reversal_is_an_event_not_a_deletion(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    cust, (_, january, _) = three_invoices
    payment = app.receive_payment(
        cust, eur(200), received_on=date(2024, 4, 1), reference="x", actor=A
    )
    (allocation,) = app.allocate_payment(
        payment, [(january, eur(200))], allocated_on=date(2024, 4, 1), actor=A
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:  # a reversal before the allocation's day
        app.reverse_allocation(
            payment, allocation, reason="typo", actor=A, reversed_on=date(2024, 3, 31)
        )
    assert refused.value.field == "reversed_on" and refused.value.aggregate_id == payment
    assert app.recorder.max_notification_id() == before  # nothing recorded
    app.reverse_allocation(
        payment, allocation, reason="wrong invoice", actor=A, reversed_on=date(2024, 4, 2)
    )
    p = app.payment(payment)
    (kept,) = p.allocations
    assert kept.allocation_id == allocation and kept.reversed_reason == "wrong invoice"
    assert kept.reversed_on == date(2024, 4, 2)
    assert p.unallocated == eur(200)
    assert app.invoice(january).outstanding == eur(200)
    events = [type(e).__name__ for e in app.repository.event_store.get(payment)]
    assert events == ["PaymentReceived", "PaymentAllocated", "AllocationReversed"]
    with pytest.raises(InvalidTransition):
        app.reverse_allocation(payment, allocation, reason="again", actor=A)


def test_bounced_payment_reverses_allocations_and_reopens_invoices(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    cust, invoices = three_invoices
    payment = app.receive_payment(
        cust, eur(1200), received_on=date(2024, 4, 1), reference="x", actor=A
    )
    app.allocate_payment(payment, allocated_on=date(2024, 4, 1), actor=A)
    assert app.customer_summary(cust).open == eur(0)
    assert app.customer_credit(cust) == eur(200)
    app.bounce_payment(payment, bounced_on=date(2024, 4, 5), reason="insufficient funds", actor=A)
    p = app.payment(payment)
    assert p.is_bounced and p.live_allocations() == [] and len(p.allocations) == 3
    assert {a.reversed_on for a in p.allocations} == {p.bounced_on}  # reversed by the bounce
    assert p.unallocated == eur(0)
    assert app.customer_credit(cust) == eur(0)
    assert [app.invoice(i).outstanding for i in invoices] == [eur(300), eur(200), eur(500)]
    assert app.customer_summary(cust, date(2024, 5, 1)).past_due == eur(1000)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition):
        app.allocate_payment(payment, allocated_on=date(2024, 4, 6), actor=A)
    with pytest.raises(InvalidTransition):
        app.bounce_payment(payment, bounced_on=date(2024, 4, 6), reason="again", actor=A)
    assert app.recorder.max_notification_id() == before


def test_a_bounce_reopens_an_invoice_the_payment_paid_in_two_allocations(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    """The payment paid March's invoice in two parts: the bounce reverses both on one invoice (it
    gave up as a conflict with itself, loading the invoice once per allocation)."""
    cust, (march, *_) = three_invoices
    payment = app.receive_payment(
        cust, eur(300), received_on=date(2024, 4, 1), reference="x", actor=A
    )
    for part in (eur(100), eur(200)):
        app.allocate_payment(payment, [(march, part)], allocated_on=date(2024, 4, 1), actor=A)
    assert app.invoice(march).outstanding == eur(0)
    app.bounce_payment(payment, bounced_on=date(2024, 4, 5), reason="recalled", actor=A)
    assert app.payment(payment).live_allocations() == []
    assert app.invoice(march).outstanding == eur(300)


@pytest.mark.parametrize("field", ["reference", "note"])
def test_card_numbers_are_never_stored(app: QuoteToCash, field: str) -> None:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    before = app.recorder.max_notification_id()
    kwargs = {"reference": "ok", "note": ""}
    kwargs[field] = "paid by card 4111 1111 1111 1111"
    with pytest.raises(CardNumberRefused) as refused:
        app.receive_payment(cust, eur(10), received_on=date(2024, 4, 1), actor=A, **kwargs)
    assert refused.value.field == field
    assert app.recorder.max_notification_id() == before
    assert app.payments(cust) == []


def test_payment_in_another_currency_is_not_mixed(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    cust, (_, january, _) = three_invoices
    payment = app.receive_payment(
        cust, Money.of(100, "USD"), received_on=date(2024, 4, 1), reference="x", actor=A
    )
    assert app.allocate_payment(payment, allocated_on=date(2024, 4, 1), actor=A) == []
    with pytest.raises(CurrencyMismatch):
        app.allocate_payment(
            payment, [(january, Money.of(100, "USD"))], allocated_on=date(2024, 4, 1), actor=A
        )
    assert app.customer_credit(cust) == eur(0)
    # the dollars are not lost from view: the customer has business in two currencies, and
    # its credit and summary are given per currency, never added together
    assert app.customer_currencies(cust) == ["EUR", "USD"]
    assert app.customer_credit(cust, "USD") == Money.of(100, "USD")
    dollars = app.customer_summary(cust, currency="USD")
    assert (dollars.currency, dollars.credit, dollars.open) == (
        "USD",
        Money.of(100, "USD"),
        Money.of(0, "USD"),
    )
    assert app.customer_summary(cust).credit == eur(0)
    # a contract signed in pounds counts before any invoice of it
    app.sign_contract(
        cust,
        number="MC-GBP",
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor=A,
        currency="GBP",
    )
    assert app.customer_currencies(cust) == ["EUR", "GBP", "USD"]


def test_invoice_of_another_customer_is_refused(
    app: QuoteToCash, three_invoices: tuple[UUID, list[UUID]]
) -> None:
    _, (_, january, _) = three_invoices
    other = app.register_customer("Other", "EUR", account_manager="mia", actor=A)
    payment = app.receive_payment(
        other, eur(10), received_on=date(2024, 4, 1), reference="x", actor=A
    )
    with pytest.raises(RuleViolated):
        app.allocate_payment(payment, [(january, eur(10))], allocated_on=date(2024, 4, 1), actor=A)
