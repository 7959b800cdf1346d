"""The past-due policy and the credit notes a billing run drafted but nobody has issued yet.

Acme's Q1 invoice bills two sites, 1,200.00 and 600.00 a year (450.00). Site S2 was switched off
on 2 January, which the account manager records on 20 January: that day's run drafts a credit
note of 148.35 for the days 2 January to 31 March, and it waits in the approval queue. Acme pays
what it owes, 301.65. The invoice still shows 148.35 open until the note is issued, but that is
money the contract no longer bills: the policy must not cut off a paid-up customer for it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from q2c_core import (
    BillingFrequency,
    ContractStatus,
    InvoiceKind,
    InvoiceStatus,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)
from q2c_core.domain.billing import PastDuePolicy

A = "alice"
EUR = "EUR"
Q1_DUE = date(2024, 1, 31)
POLICY = PastDuePolicy(days=30)
MID_MARCH = date(2024, 3, 15)  # 44 days after the invoice fell due


def eur(x: str | int) -> Money:
    return Money.of(x, EUR)


def site(sub_id: str, price: int) -> SubContract:
    start = date(2024, 1, 1)
    return SubContract(
        sub_id, f"Site {sub_id}", SubContractKind.SITE, start, [PricePoint(start, eur(price))]
    )


def issue(app: QuoteToCash, invoice_id: UUID, on: date) -> None:
    app.approve_invoice(invoice_id, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice_id, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice_id, issued_on=on, actor="bea")


def acme_billed_for_q1(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """(customer, contract, its Q1 invoice of 450.00, issued on 1 January, due 31 January)."""
    cust = app.register_customer("Acme", EUR, account_manager="mia", actor=A)
    term = Period(date(2024, 1, 1), date(2025, 1, 1))
    cid = app.sign_contract(
        cust,
        number="MC-1",
        term=term,
        frequency=BillingFrequency.QUARTERLY,
        signed_on=term.start,
        actor=A,
        sub_contracts=(site("S1", 1200), site("S2", 600)),
    )
    app.activate_contract(cid, effective=term.start, actor=A)
    [q1] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, q1, date(2024, 1, 1))
    assert app.invoice(q1).total == eur("450.00")
    assert app.invoice(q1).due_date == Q1_DUE
    return cust, cid, q1


def acme_with_a_pending_credit_note(app: QuoteToCash) -> tuple[UUID, UUID, UUID, UUID]:
    """(customer, contract, Q1 invoice, the run's credit note still a draft)."""
    cust, cid, q1 = acme_billed_for_q1(app)
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 2), actor=A)
    [note] = app.run_billing(date(2024, 1, 20), actor="run").invoice_ids
    credit_note = app.invoice(note)
    assert credit_note.kind is InvoiceKind.CREDIT_NOTE
    assert credit_note.credits_invoice_id == q1
    assert credit_note.total == eur("148.35")
    assert credit_note.status is InvoiceStatus.DRAFT
    return cust, cid, q1, note


def pay(app: QuoteToCash, cust: UUID, amount: str, on: date) -> None:
    payment = app.receive_payment(cust, eur(amount), received_on=on, reference="r", actor=A)
    app.allocate_payment(payment, allocated_on=on, actor=A)


def test_a_customer_who_paid_all_but_what_the_run_s_draft_credit_note_takes_back_stays_active(
    app: QuoteToCash,
) -> None:
    cust, cid, q1, _ = acme_with_a_pending_credit_note(app)
    pay(app, cust, "301.65", date(2024, 1, 25))
    assert app.invoice(q1).outstanding == eur("148.35")  # (until the note is issued)
    assert app.apply_past_due_policy(POLICY, MID_MARCH, actor="ops") == []
    assert app.contract(cid).status is ContractStatus.ACTIVE


def test_what_is_late_beyond_the_draft_credit_note_still_suspends_and_is_named(
    app: QuoteToCash,
) -> None:
    cust, cid, _, _ = acme_with_a_pending_credit_note(app)
    pay(app, cust, "200.00", date(2024, 1, 25))
    assert app.apply_past_due_policy(POLICY, MID_MARCH, actor="ops") == [cid]
    contract = app.contract(cid)
    assert contract.status is ContractStatus.SUSPENDED
    # 450.00 - 148.35 the run takes back - 200.00 paid
    assert "101.65 EUR unpaid" in contract.history[-1].reason
    assert Decimal("450.00") - Decimal("148.35") - Decimal("200.00") == Decimal("101.65")


def test_a_voided_credit_note_no_longer_covers_anything(app: QuoteToCash) -> None:
    cust, cid, _, note = acme_with_a_pending_credit_note(app)
    pay(app, cust, "301.65", date(2024, 1, 25))
    app.void_invoice(note, reason="site still used", actor="bea", voided_on=date(2024, 2, 1))
    assert app.apply_past_due_policy(POLICY, MID_MARCH, actor="ops") == [cid]
    assert "148.35 EUR unpaid" in app.contract(cid).history[-1].reason


def test_a_credit_note_drafted_after_the_policy_s_day_does_not_count_for_it(
    app: QuoteToCash,
) -> None:
    """The switch-off is recorded only on 20 March; the policy for 15 March, applied on 21
    March, reads Acme as it stood on the 15th: 148.35 late, no credit note drafted yet."""
    cust, cid, _ = acme_billed_for_q1(app)
    pay(app, cust, "301.65", date(2024, 1, 25))
    app.remove_sub_contract(cid, "S2", effective_to=date(2024, 1, 2), actor=A)
    [note] = app.run_billing(date(2024, 3, 20), actor="run").invoice_ids
    assert app.invoice(note).total == eur("148.35")
    assert app.apply_past_due_policy(POLICY, MID_MARCH, actor="ops") == [cid]
    assert "148.35 EUR unpaid" in app.contract(cid).history[-1].reason
