"""A payment's money on each business day: an allocation dated back may only take money that
was there on its day and every day since, and the past-due policy counts the credit a customer
had on the policy's day, not what is left today."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_contract_billing import A, contract, customer, eur
from test_invoice_controls import line

from q2c_core import ContractStatus, OverAllocation, PastDuePolicy, QuoteToCash


def issued(app: QuoteToCash, cust: object, on: date) -> object:
    invoice = app.draft_invoice(cust, [line(unit_price=eur(50))], drafted_on=on, actor="billy")
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")
    return invoice


def given_back_later(app: QuoteToCash) -> tuple[object, object]:
    """100 arrived on 1 January; 50 went to invoice B on the 5th, the other 50 back to the
    customer on the 10th; B's allocation was undone on the 20th. The payment, and invoice C
    (issued on the 2nd) still to pay."""
    cust = customer(app)
    b, c = issued(app, cust, date(2024, 1, 1)), issued(app, cust, date(2024, 1, 2))
    paid = app.receive_payment(
        cust, eur(100), received_on=date(2024, 1, 1), reference="in", actor=A
    )
    (to_b,) = app.allocate_payment(paid, [(b, eur(50))], allocated_on=date(2024, 1, 5), actor=A)
    app.refund_customer_credit(cust, eur(50), refunded_on=date(2024, 1, 10), reference="O", actor=A)
    app.reverse_allocation(paid, to_b, reason="wrong", actor=A, reversed_on=date(2024, 1, 20))
    return paid, c


def test_an_allocation_dated_back_takes_only_money_there_on_its_day_and_since() -> None:
    """100 arrived on 1 January; 50 went to invoice B on the 5th, the other 50 back to the
    customer on the 10th; B's allocation was undone on the 20th. Allocating 50 to invoice C as
    of the 3rd was accepted: from the 5th to the 20th the payment then held -50. Refused,
    naming amount, nothing recorded; as of the 20th the 50 given back is there to allocate."""
    app = QuoteToCash.open("memory:")
    paid, c = given_back_later(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        app.allocate_payment(paid, [(c, eur(50))], allocated_on=date(2024, 1, 3), actor=A)
    assert refused.value.field == "amount"
    assert app.recorder.max_notification_id() == before
    app.allocate_payment(paid, [(c, eur(50))], allocated_on=date(2024, 1, 20), actor=A)
    payment = app.payment(paid)
    for day, held in ((date(2024, 1, 4), 100), (date(2024, 1, 12), 0), (date(2024, 1, 20), 0)):
        assert payment.unallocated_on(day).amount == Decimal(held), day


@pytest.mark.parametrize("taken", ["now", "before payments kept their credit by day"])
def test_a_payment_read_from_its_snapshot_dates_allocations_back_as_its_events_do(
    tmp_path: Path, taken: str
) -> None:
    """The same story, the payment then read from a snapshot. One taken now reads back its
    credit by day as kept (-50 on the 5th, -50 on the 10th, +50 on the 20th); one taken before
    payments kept it has neither ``credit_days`` nor ``credit_changes`` (nor its allocations
    by id, ``allocation_index``) and works them out when first asked. Either way 50 as of the
    3rd is refused and 50 as of the 20th taken."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    paid, c = given_back_later(app)
    app.take_snapshot(paid)
    app.close()
    if taken != "now":
        with sqlite3.connect(db) as conn:
            [(state,)] = conn.execute(
                "SELECT state FROM stored_snapshots WHERE originator_id = ?", (paid.hex,)
            ).fetchall()
            facts = json.loads(bytes(state))
            for kept_since in ("credit_days", "credit_changes", "allocation_index"):
                del facts["state"][kept_since]
            conn.execute(
                "UPDATE stored_snapshots SET state = ? WHERE originator_id = ?",
                (json.dumps(facts, separators=(",", ":")).encode(), paid.hex),
            )
    again = QuoteToCash.open(f"sqlite:///{db}")
    payment = again.payment(paid)
    if taken == "now":
        assert payment.credit_days == [date(2024, 1, 5), date(2024, 1, 10), date(2024, 1, 20)]
        assert payment.credit_changes == [Decimal(-50), Decimal(-50), Decimal(50)]
    else:
        assert "credit_days" not in vars(payment) and "credit_changes" not in vars(payment)
        assert "allocation_index" not in vars(payment)
    first = payment.allocations[0]
    assert payment.allocation(first.allocation_id) == first
    with pytest.raises(OverAllocation):
        again.allocate_payment(paid, [(c, eur(50))], allocated_on=date(2024, 1, 3), actor=A)
    again.allocate_payment(paid, [(c, eur(50))], allocated_on=date(2024, 1, 20), actor=A)
    assert again.payment(paid).unallocated == eur(0)
    # the allocations by id, as kept or worked out: the last one found where it is
    payment = again.payment(paid)
    assert payment.allocation_index == {
        a.allocation_id: i for i, a in enumerate(payment.allocations)
    }
    again.close()


def test_the_past_due_policy_counts_the_credit_of_its_day() -> None:
    """300 arrived on 20 January and stayed unallocated: on 15 March it covers the late
    invoices, so the contract is not suspended, even when the 300 was refunded later (1 April).
    It had counted what was left today."""
    for refunded_later in (False, True):
        app = QuoteToCash.open("memory:")
        cust = customer(app)
        contract(app, cust)
        for invoice in app.run_billing(date(2024, 1, 1), actor="billing").invoice_ids:
            app.approve_invoice(invoice, role="billing", approved_on=date(2024, 1, 1), actor="bea")
            app.approve_invoice(
                invoice, role="account_manager", approved_on=date(2024, 1, 1), actor="mia"
            )
            app.issue_invoice(invoice, issued_on=date(2024, 1, 1), actor="bea")
        app.receive_payment(cust, eur(300), received_on=date(2024, 1, 20), reference="x", actor=A)
        if refunded_later:
            app.refund_customer_credit(
                cust, eur(300), refunded_on=date(2024, 4, 1), reference="out", actor=A
            )
        suspended = app.apply_past_due_policy(PastDuePolicy(30), date(2024, 3, 15), actor="ops")
        assert suspended == [], refunded_later


def test_a_refund_instruction_given_twice_pays_once() -> None:
    """SEPA-OUT-77 sent twice (a retry after a timeout) paid 400 twice. The same instruction
    again returns the refund it made; another amount under that reference is refused."""
    from q2c_core import DuplicateEntry

    app = QuoteToCash.open("memory:")
    cust = customer(app)
    app.receive_payment(cust, eur(1000), received_on=date(2024, 1, 2), reference="in", actor=A)
    first = app.refund_customer_credit(
        cust, eur(400), refunded_on=date(2024, 2, 1), reference="SEPA-OUT-77", actor=A
    )
    again = app.refund_customer_credit(
        cust, eur(400), refunded_on=date(2024, 2, 1), reference="SEPA-OUT-77", actor=A
    )
    assert again == first
    assert app.customer_credit(cust) == eur(600)
    before = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry) as refused:
        app.refund_customer_credit(
            cust, eur(100), refunded_on=date(2024, 2, 2), reference="SEPA-OUT-77", actor=A
        )
    assert refused.value.field == "reference"
    assert app.recorder.max_notification_id() == before


def test_the_past_due_policy_counts_money_once_whenever_it_was_allocated() -> None:
    """Two monthly invoices of 150.00 are past due on 15 March; the customer sent 150.00 on 20
    January. Allocated to January's invoice on 10 March or only on 1 April, the 150.00 covers
    one invoice, not both: the contract is suspended either way (allocated later, it counted
    both as credit and as payment of January)."""
    for allocated_on in (date(2024, 3, 10), date(2024, 4, 1)):
        app = QuoteToCash.open("memory:")
        cust = customer(app)
        contract(app, cust)
        invoices = []
        for day in (date(2024, 1, 1), date(2024, 2, 1)):
            for invoice in app.run_billing(day, actor="billing").invoice_ids:
                app.approve_invoice(invoice, role="billing", approved_on=day, actor="bea")
                app.approve_invoice(invoice, role="account_manager", approved_on=day, actor="mia")
                app.issue_invoice(invoice, issued_on=day, actor="bea")
                invoices.append(invoice)
        january = app.invoice(invoices[0])
        paid = app.receive_payment(
            cust, january.total, received_on=date(2024, 1, 20), reference="x", actor=A
        )
        app.allocate_payment(
            paid, [(january.id, january.total)], allocated_on=allocated_on, actor=A
        )
        suspended = app.apply_past_due_policy(PastDuePolicy(10), date(2024, 3, 15), actor="ops")
        assert len(suspended) == 1, allocated_on


def test_oldest_first_dated_back_allocates_what_was_there_then() -> None:
    """121.00 arrived on 2 January; 60.50 was allocated by mistake on the 5th and undone
    today. Allocating oldest first as of the 2nd was refused outright (it planned with the
    121.00 free today); it now allocates the 60.50 that was there then and every day since."""
    app = QuoteToCash.open("memory:")
    cust = customer(app)
    first, second = issued(app, cust, date(2024, 1, 1)), issued(app, cust, date(2024, 1, 1))
    paid = app.receive_payment(
        cust, eur("121.00"), received_on=date(2024, 1, 2), reference="in", actor=A
    )
    (wrong,) = app.allocate_payment(
        paid, [(first, eur("60.50"))], allocated_on=date(2024, 1, 5), actor=A
    )
    app.reverse_allocation(paid, wrong, reason="wrong invoice", actor=A)  # (dated today)
    made = app.allocate_payment(paid, allocated_on=date(2024, 1, 2), actor=A)
    assert len(made) == 1
    assert app.payment(paid).allocated == eur("60.50")
    assert app.invoice(first).outstanding.is_zero() != app.invoice(second).outstanding.is_zero()


def test_the_past_due_policy_applied_late_never_cuts_off_a_customer_who_has_paid_since() -> None:
    """January's 150.00 was due on 31 January and unpaid on 15 March. The customer paid it in
    full on 20 March; ops apply the policy for 15 March only on 25 March: the contract is not
    suspended (its maintenance would be cut off for money it no longer owes). The same late
    run with the invoice still unpaid suspends it, naming the invoice."""
    for paid_since in (True, False):
        app = QuoteToCash.open("memory:")
        cust = customer(app)
        signed = contract(app, cust)
        [invoice] = app.run_billing(date(2024, 1, 1), actor="billing").invoice_ids
        app.approve_invoice(invoice, role="billing", approved_on=date(2024, 1, 1), actor="bea")
        app.approve_invoice(
            invoice, role="account_manager", approved_on=date(2024, 1, 1), actor="mia"
        )
        app.issue_invoice(invoice, issued_on=date(2024, 1, 1), actor="bea")
        if paid_since:
            total = app.invoice(invoice).total
            paid = app.receive_payment(
                cust, total, received_on=date(2024, 3, 20), reference="late", actor=A
            )
            app.allocate_payment(paid, [(invoice, total)], allocated_on=date(2024, 3, 20), actor=A)

        suspended = app.apply_past_due_policy(PastDuePolicy(30), date(2024, 3, 15), actor="ops")

        if paid_since:
            assert suspended == []
            assert app.contract(signed).status is ContractStatus.ACTIVE
        else:
            assert suspended == [signed]
            assert app.invoice(invoice).number in app.contract(signed).history[-1].reason
        app.close()
