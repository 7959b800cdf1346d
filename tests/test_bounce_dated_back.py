"""A bounce is the bank taking a payment back on its day: every allocation still paying an
invoice on that day is taken back off with it. Acme's invoice of 100.00 was paid on 12 January
by its 100.00 transfer, and on 20 January the allocation was taken back off (reversed by hand,
or given back by a credit note of the whole invoice). When the bank then says it returned the
transfer on the 15th (or the 11th, before it was ever allocated), the books would have the
invoice paid from the 15th to the 20th by money the bank already had back: paid 100.00 and no
money held, a refund owed in the ledger that nobody ever made, and figures that depend on the
order the facts were recorded in. Such a bounce is refused (``RuleViolated`` naming
``bounced_on``), by hand or from a bank statement, and nothing is recorded; dated on or after
the take-back it is accepted. A bounce must also say why, as a reversal must.

A bounce dated before a refund recorded earlier stays accepted: the refund is money that left
the bank, it stands, and the customer owes it from the refund's day; every day adds up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from test_import_bank_identity import acme_owes_100, bank, credit, reversal, statement
from test_import_bank_identity import tx as transfer

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import (
    CreditDisposition,
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    QuoteToCash,
    RuleViolated,
    SourceKind,
    TaxRate,
)

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def jan(day: int) -> date:
    return date(2026, 1, day)


def acme_paid_on_the_12th(app: QuoteToCash) -> tuple[UUID, UUID, UUID, str]:
    """Acme's invoice of 100.00 issued 5 January, its 100.00 transfer received on the 10th and
    allocated to it on the 12th: (customer, invoice, payment, allocation)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    work = InvoiceLine(
        "L1",
        "consulting",
        Decimal(1),
        eur(100),
        TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )
    invoice = app.draft_invoice(acme, [work], drafted_on=jan(5), actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=jan(5), actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=jan(5), actor="mia")
    app.issue_invoice(invoice, issued_on=jan(5), actor="bea")
    payment = app.receive_payment(acme, eur(100), received_on=jan(10), reference="TR-1", actor=A)
    (allocation,) = app.allocate_payment(payment, allocated_on=jan(12), actor=A)
    return acme, invoice, payment, allocation


def reversed_by_hand(app: QuoteToCash, invoice: UUID, payment: UUID, allocation: str) -> None:
    app.reverse_allocation(
        payment, allocation, reason="paid the wrong invoice", actor=A, reversed_on=jan(20)
    )


def credited_whole(app: QuoteToCash, invoice: UUID, payment: UUID, allocation: str) -> None:
    """A credit note of the whole invoice on the 20th: it gives the money paying it back."""
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="wrong rate",
        drafted_on=jan(20),
        actor="billy",
    )
    app.approve_invoice(note, role="billing", approved_on=jan(20), actor="bea")
    app.approve_invoice(note, role="account_manager", approved_on=jan(20), actor="mia")
    app.issue_invoice(note, issued_on=jan(20), actor="bea")


TakeBack = Callable[[QuoteToCash, UUID, UUID, str], None]


def figures(app: QuoteToCash, acme: UUID, day: date) -> tuple[Decimal, Decimal, Decimal]:
    """Paid, open and credit at the end of ``day``."""
    s = app.customer_summary(acme, as_of=day)
    return s.paid.amount, s.open.amount, s.credit.amount


def money_adds_up(app: QuoteToCash, acme: UUID, day: date) -> None:
    """What the bank holds of Acme's money on ``day`` (received, less bounced, less refunded)
    is what pays its invoices plus its credit."""
    held = Decimal(0)
    for p in app.payments(acme):
        if p.received_on <= day:
            held += p.amount.amount
            if p.bounced_on is not None and p.bounced_on <= day:
                held -= p.amount.amount
            held -= sum((r.amount.amount for r in p.refunds if r.refunded_on <= day), Decimal(0))
    paid, _, credit_left = figures(app, acme, day)
    assert held == paid + credit_left, day


@pytest.mark.parametrize(
    ("take_back", "bounced_on"),
    [
        pytest.param(reversed_by_hand, jan(15), id="A-reversed-on-the-20th"),
        pytest.param(credited_whole, jan(15), id="B-credited-on-the-20th"),
        pytest.param(credited_whole, jan(11), id="C-bounce-before-the-allocation"),
    ],
)
def test_a_bounce_dated_before_the_money_was_taken_back_off_is_refused(
    app_factory: Callable[[], QuoteToCash], take_back: TakeBack, bounced_on: date
) -> None:
    """The allocation of the 12th was taken back off on the 20th; a bounce dated the 15th (or
    the 11th) would leave the invoice paid from then to the 20th by money the bank had back. It
    is refused naming ``bounced_on``, nothing recorded, and the books stay as they were."""
    app = app_factory()
    acme, invoice, payment, allocation = acme_paid_on_the_12th(app)
    take_back(app, invoice, payment, allocation)
    before = app.recorder.max_notification_id()
    on_the_17th = figures(app, acme, jan(17))

    with pytest.raises(RuleViolated) as refused:
        app.bounce_payment(payment, bounced_on=bounced_on, reason="returned", actor="bank")

    assert refused.value.field == "bounced_on"
    assert "2026-01-20" in str(refused.value)  # the day to bounce it on, at the earliest
    assert app.recorder.max_notification_id() == before
    assert not app.payment(payment).is_bounced
    assert figures(app, acme, jan(17)) == on_the_17th == (eur(100).amount, 0, 0)
    assert "RefundsOwed" not in export_ledger(app)


@pytest.mark.parametrize(
    ("take_back", "open_after"),
    [
        pytest.param(reversed_by_hand, Decimal("100.00"), id="reversed"),
        pytest.param(credited_whole, Decimal("0.00"), id="credited"),
    ],
)
@pytest.mark.parametrize("bounced_on", [jan(20), jan(22)], ids=["same-day", "later"])
def test_a_bounce_dated_on_or_after_the_take_back_is_recorded_as_in_day_order(
    app_factory: Callable[[], QuoteToCash],
    take_back: TakeBack,
    open_after: Decimal,
    bounced_on: date,
) -> None:
    """The bank returned the transfer on the day the allocation was taken back off, or later:
    the bounce is recorded. The invoice was paid until the 20th; from the bounce on Acme holds
    no credit, the invoice is open again (unless the note credited it), no refund is owed, and
    every day the money the bank holds is what pays invoices plus the credit."""
    app = app_factory()
    acme, invoice, payment, allocation = acme_paid_on_the_12th(app)
    take_back(app, invoice, payment, allocation)

    app.bounce_payment(payment, bounced_on=bounced_on, reason="returned (AM04)", actor="bank")

    assert app.payment(payment).bounced_on == bounced_on
    assert figures(app, acme, jan(17)) == (Decimal("100.00"), Decimal("0.00"), Decimal("0.00"))
    assert figures(app, acme, jan(23)) == (Decimal("0.00"), open_after, Decimal("0.00"))
    for day in range(10, 24):
        money_adds_up(app, acme, jan(day))
    assert "RefundsOwed" not in export_ledger(app)


def test_in_day_order_the_bounce_stands_and_the_later_reversal_is_refused(
    app: QuoteToCash,
) -> None:
    """The same facts recorded in day order: the bounce of the 15th takes the allocation back
    off itself, so there is nothing left to reverse on the 20th. Whichever order they came in,
    the books never hold both."""
    acme, _, payment, allocation = acme_paid_on_the_12th(app)
    app.bounce_payment(payment, bounced_on=jan(15), reason="returned", actor="bank")
    before = app.recorder.max_notification_id()
    with pytest.raises(Exception, match="already reversed"):
        reversed_by_hand(app, UUID(int=0), payment, allocation)
    assert app.recorder.max_notification_id() == before
    assert figures(app, acme, jan(17)) == (Decimal("0.00"), Decimal("100.00"), Decimal("0.00"))


def test_a_return_learnt_of_late_is_recorded_by_reversing_the_allocation_on_its_own_day(
    app: QuoteToCash,
) -> None:
    """The allocation of the 12th never paid the invoice at a day's end once it is reversed on
    the 12th itself, so the bank's return of the 11th, learnt of later, is then recorded on the
    11th: the invoice was open every day, Acme held the money on the 10th only."""
    acme, _, payment, allocation = acme_paid_on_the_12th(app)
    app.reverse_allocation(
        payment, allocation, reason="the bank returned it", actor=A, reversed_on=jan(12)
    )
    app.bounce_payment(payment, bounced_on=jan(11), reason="returned (AM04)", actor="bank")
    assert app.payment(payment).bounced_on == jan(11)
    assert figures(app, acme, jan(10)) == (Decimal("0.00"), Decimal("100.00"), Decimal("100.00"))
    assert figures(app, acme, jan(12)) == (Decimal("0.00"), Decimal("100.00"), Decimal("0.00"))
    for day in range(10, 16):
        money_adds_up(app, acme, jan(day))


def test_a_bank_reversal_dated_before_a_hand_reversal_bounces_on_the_hand_reversals_day(
    app: QuoteToCash,
) -> None:
    """TX-1 paid INV-000001 on 2 April; Bea reversed that allocation on 10 April (wrong
    invoice). A statement then books the bank's reversal of TX-1 on 9 April: bouncing it then
    would have the invoice paid on the 9th by money the bank had back, and the statement is a
    fact, so it is imported (its new credit too): the credit keeps the bank's day, the 9th, and
    the payment bounces on the first day the books allow, the 10th; the days before keep their
    answers. The same reversal in a later statement takes nothing back twice."""
    acme, invoice = acme_owes_100(app)
    paid = statement(credit("2024-04-02", "100.00", transfer(ref="TX-1"), ref="E-1"))
    bank(app).import_bytes(paid, "apr02.xml", actor="bank-sync")
    (payment,) = app.payments(acme)
    (allocation,) = payment.allocations
    app.reverse_allocation(
        payment.id,
        allocation.allocation_id,
        reason="wrong invoice",
        actor="bea",
        reversed_on=date(2024, 4, 10),
    )
    document = statement(
        reversal("2024-04-09", "100.00", ref="TX-1-R", reverses="TX-1"),
        credit("2024-04-09", "30.00", transfer(ref="TX-2"), ref="E-2"),
    )
    report = bank(app).import_bytes(document, "apr09.xml", actor="bank-sync")
    assert (report.recorded, report.suspended) == (1, 1)  # the reversal; TX-2 fits no invoice
    assert app.payment(payment.id).bounced_on == date(2024, 4, 10)
    (taken_back,) = [c for c in app.bank_credits() if c.payment_id == payment.id]
    assert taken_back.reversed_on == date(2024, 4, 9)
    # TX-1's money is gone; TX-2's 30.00 is Acme's credit
    assert app.customer_credit(acme) == Money.of("30.00", "EUR")
    assert app.invoice(invoice).outstanding == Money.of("100.00", "EUR")
    for day in range(1, 16):
        money_adds_up(app, acme, date(2024, 4, day))

    again = statement(
        reversal("2024-04-09", "100.00", ref="TX-1-R", reverses="TX-1"), message="MSG-2"
    )
    report = bank(app).import_bytes(again, "apr09-again.xml", actor="bank-sync")
    assert (report.recorded, report.skipped) == (0, 1)


def test_a_bounce_dated_before_a_refund_recorded_earlier_leaves_the_refund_owed(
    app: QuoteToCash,
) -> None:
    """Refunds are not taken back off: the money left the bank. Acme's 100.00 paid 60.00 of an
    invoice on the 12th, 40.00 was refunded on the 20th; the bank then dates its return of the
    transfer the 15th. The bounce is recorded: from the 15th the invoice is open, from the 20th
    Acme owes the 40.00 refunded (owed since the refund's day), and every day adds up."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    work = InvoiceLine(
        "L1", "consulting", Decimal(1), eur(60), TaxRate.standard(0),
        LineSource(SourceKind.MANUAL, note="agreed"),
    )  # fmt: skip
    invoice = app.draft_invoice(acme, [work], drafted_on=jan(5), actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=jan(5), actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=jan(5), actor="mia")
    app.issue_invoice(invoice, issued_on=jan(5), actor="bea")
    payment = app.receive_payment(acme, eur(100), received_on=jan(10), reference="TR-1", actor=A)
    app.allocate_payment(payment, allocated_on=jan(12), actor=A)
    app.refund_customer_credit(acme, eur(40), refunded_on=jan(20), reference="OUT-1", actor=A)

    app.bounce_payment(payment, bounced_on=jan(15), reason="returned", actor="bank")

    assert figures(app, acme, jan(17)) == (Decimal("0.00"), Decimal("60.00"), Decimal("0.00"))
    assert figures(app, acme, jan(21)) == (Decimal("0.00"), Decimal("60.00"), Decimal("-40.00"))
    assert app.payment(payment).refunds_owed_on(jan(21)) == [(jan(20), eur("40.00"))]
    for day in range(10, 23):
        money_adds_up(app, acme, jan(day))


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_a_bounce_must_say_why(app: QuoteToCash, reason: str) -> None:
    """As a reversal must: a bounce with a blank reason is refused naming ``reason``, nothing
    recorded, the invoice still paid."""
    _, invoice, payment, _ = acme_paid_on_the_12th(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.bounce_payment(payment, bounced_on=jan(15), reason=reason, actor="bank")
    assert refused.value.field == "reason"
    assert app.recorder.max_notification_id() == before
    assert not app.payment(payment).is_bounced
    assert app.invoice(invoice).is_settled()


def test_bounces_recorded_before_these_rules_still_load(shared_url: str) -> None:
    """A store may hold a bounce recorded before q2c refused them: one without a reason, and
    one dated before an allocation was reversed. The rules are the commands', not the events':
    both payments still load as recorded."""
    app = QuoteToCash.open(shared_url)
    acme, _, first, allocation = acme_paid_on_the_12th(app)
    reversed_by_hand(app, UUID(int=0), first, allocation)
    second = app.receive_payment(acme, eur(50), received_on=jan(10), reference="TR-2", actor=A)
    for payment_id, day, reason in ((first, jan(15), "returned"), (second, jan(11), "  ")):
        payment = app.payment(payment_id)
        payment._bounced(day, reason, "bank")  # as recorded back then, past today's rules
        app.save(payment)
    app.close()

    reopened = QuoteToCash.open(shared_url)
    try:
        assert reopened.payment(first).bounced_on == jan(15)
        assert reopened.payment(second).bounce_reason == "  "
    finally:
        reopened.close()
