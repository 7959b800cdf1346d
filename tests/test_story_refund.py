"""The story of customer credit paid back: an overpayment, and money a credit note gave back,
refunded to the customer oldest payment first, one event per payment, in one transaction;
never more than the customer's credit, never money allocated on the refund's day or after it;
and a payment that bounces after part of it was refunded leaves the customer owing that part."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from test_contract_billing import contract, customer, issue
from test_story_payment import issued

from q2c_core import (
    BillingFrequency,
    CardNumberRefused,
    CreditDisposition,
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    Money,
    OverAllocation,
    PastDuePolicy,
    Payment,
    PaymentRefund,
    QuoteToCash,
    RuleViolated,
)

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def events_of(app: QuoteToCash, aggregate_id: UUID) -> list[str]:
    return [type(e).__name__ for e in app.repository.event_store.get(aggregate_id)]


def test_an_overpayment_is_paid_back_to_the_customer(app: QuoteToCash) -> None:
    """Acme pays 1,200.00 for a 1,000.00 invoice: 200.00 stays as credit until Bea refunds it
    by transfer on 10 April; the payment keeps the refund, and the credit is gone."""
    cust = customer(app)
    invoice = issued(app, cust, "1000", date(2024, 3, 1))
    pay = app.receive_payment(
        cust, eur("1200.00"), received_on=date(2024, 4, 1), reference="INV-1", actor=A
    )
    app.allocate_payment(pay, allocated_on=date(2024, 4, 1), actor=A)
    assert app.customer_credit(cust) == eur(200)
    [refund_id] = app.refund_customer_credit(
        cust, eur("200.00"), refunded_on=date(2024, 4, 10), reference="SEPA-OUT-77", actor="bea"
    )
    p = app.payment(pay)
    assert p.refunds == [PaymentRefund(refund_id, eur(200), date(2024, 4, 10), "SEPA-OUT-77")]
    assert (p.allocated, p.refunded, p.unallocated) == (eur(1000), eur(200), eur(0))
    assert events_of(app, pay)[-1] == "CreditRefunded"
    assert app.customer_credit(cust) == eur(0)
    assert app.customer_summary(cust).credit == eur(0)
    assert app.invoice(invoice).is_settled()
    # the refunded money cannot pay an invoice any more
    later = issued(app, cust, "50", date(2024, 4, 20))
    with pytest.raises(OverAllocation) as refused:
        app.allocate_payment(pay, [(later, eur(50))], allocated_on=date(2024, 4, 20), actor=A)
    assert refused.value.field == "amount"


def test_a_credit_note_s_money_is_refunded_oldest_payment_first(app: QuoteToCash) -> None:
    """A 500.00 invoice paid by 200.00 of an advance and a later 300.00 is credited: both
    payments give their money back, 600.00 of credit. 400.00 refunded takes the older
    payment's 300.00 first, then 100.00 of the newer one: one event on each, saved together."""
    cust = customer(app)
    invoice = issued(app, cust, "500", date(2024, 2, 1))
    advance = app.receive_payment(
        cust, eur(300), received_on=date(2024, 1, 10), reference="advance", actor=A
    )
    app.allocate_payment(advance, [(invoice, eur(200))], allocated_on=date(2024, 2, 1), actor=A)
    rest = app.receive_payment(cust, eur(300), received_on=date(2024, 2, 5), reference="r", actor=A)
    app.allocate_payment(rest, allocated_on=date(2024, 2, 5), actor=A)
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="cancelled",
        drafted_on=date(2024, 3, 1),
        actor="billy",
    )
    issue(app, note, date(2024, 3, 1))
    assert app.customer_credit(cust) == eur(600)
    before = app.recorder.max_notification_id() or 0
    ids = app.refund_customer_credit(
        cust, eur(400), refunded_on=date(2024, 3, 5), reference="refund 12", actor="bea"
    )
    assert len(ids) == 2
    assert [(r.refund_id, r.amount) for r in app.payment(advance).refunds] == [(ids[0], eur(300))]
    assert [(r.refund_id, r.amount) for r in app.payment(rest).refunds] == [(ids[1], eur(100))]
    # a refund on each payment, the instruction its reference names, and (the store's first
    # refund) the mark that refunds recorded before instructions were kept have theirs
    assert app.recorder.max_notification_id() == before + 4
    assert app.customer_credit(cust) == eur(200)
    app.refund_customer_credit(
        cust, eur(50), refunded_on=date(2024, 3, 6), reference="refund 13", actor="bea"
    )
    assert app.payment(advance).unallocated == eur(0)
    assert [r.amount for r in app.payment(rest).refunds] == [eur(100), eur(50)]
    assert app.customer_credit(cust) == eur(150)


def test_one_refund_over_several_payments_is_one_transaction(
    app: QuoteToCash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three payments of 100.00 refunded 250.00: three events in one save, with the
    instruction its reference names; when the third payment refuses, the first two record
    nothing either."""
    cust = customer(app)
    payments = [
        app.receive_payment(cust, eur(100), received_on=date(2024, 1, d), reference="r", actor=A)
        for d in (3, 1, 2)
    ]
    original = Payment.refund
    calls: list[UUID] = []

    def third_refuses(self: Payment, *args: Any) -> None:
        calls.append(self.id)
        if len(calls) == 3:
            raise RuleViolated("bank refused", field="reference")
        original(self, *args)

    monkeypatch.setattr(Payment, "refund", third_refuses)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated):
        app.refund_customer_credit(
            cust, eur(250), refunded_on=date(2024, 2, 1), reference="r", actor="bea"
        )
    assert app.recorder.max_notification_id() == before
    assert calls == [payments[1], payments[2], payments[0]]  # oldest received first
    monkeypatch.setattr(Payment, "refund", original)
    app.refund_customer_credit(
        cust, eur(250), refunded_on=date(2024, 2, 1), reference="r", actor="bea"
    )
    assert [app.payment(p).unallocated for p in payments] == [eur(50), eur(0), eur(0)]
    assert app.recorder.max_notification_id() == (before or 0) + 5  # (+ the store's mark)


def test_only_money_received_by_the_refund_day_is_refunded(app: QuoteToCash) -> None:
    cust = customer(app)
    app.receive_payment(cust, eur(100), received_on=date(2024, 1, 1), reference="a", actor=A)
    late = app.receive_payment(cust, eur(100), received_on=date(2024, 3, 1), reference="b", actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        app.refund_customer_credit(
            cust, eur(150), refunded_on=date(2024, 2, 1), reference="r", actor="bea"
        )
    assert refused.value.field == "amount" and refused.value.aggregate_id == cust
    assert "100.00 EUR" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.refund_customer_credit(
        cust, eur(100), refunded_on=date(2024, 2, 1), reference="r", actor="bea"
    )
    assert app.customer_credit(cust) == eur(100)
    assert app.payment(late).refunds == []


def test_refusals_name_the_field_and_record_nothing(app: QuoteToCash) -> None:
    cust = customer(app)
    pay = app.receive_payment(cust, eur(100), received_on=date(2024, 1, 5), reference="a", actor=A)
    day = date(2024, 2, 1)
    cases: list[tuple[type[Exception], str, dict[str, Any]]] = [
        (OverAllocation, "amount", {"amount": eur("100.01")}),
        (InvalidValue, "amount", {"amount": eur(0)}),
        (InvalidValue, "amount", {"amount": eur(-5)}),
        (InvalidValue, "amount", {"amount": eur("1.005")}),
        (OverAllocation, "amount", {"amount": Money.of(10, "USD")}),  # no credit in USD
        (CurrencyMismatch, "amount", {"amount": eur(10), "currency": "USD"}),
        (InvalidValue, "refunded_on", {"refunded_on": "2024-02-01"}),
        (CardNumberRefused, "reference", {"reference": "card 4111 1111 1111 1111"}),
        (InvalidValue, "actor", {"actor": " "}),
        (OverAllocation, "amount", {"refunded_on": date(2024, 1, 4)}),  # money not there yet
    ]
    before = app.recorder.max_notification_id()
    for error, field, given in cases:
        kwargs: dict[str, Any] = {
            "amount": eur(10),
            "refunded_on": day,
            "reference": "r",
            "actor": "bea",
            **given,
        }
        amount = kwargs.pop("amount")
        with pytest.raises(error) as refused:
            app.refund_customer_credit(cust, amount, **kwargs)
        assert refused.value.field == field, given  # type: ignore[attr-defined]
    assert app.recorder.max_notification_id() == before
    # the payment's own rules
    p = app.payment(pay)
    with pytest.raises(RuleViolated) as early:
        p.refund("x", eur(10), date(2024, 1, 4), "r", "bea")
    assert early.value.field == "refunded_on"
    p.refund("x", eur(10), day, "r", "bea")
    with pytest.raises(RuleViolated) as twice:
        p.refund("x", eur(10), day, "r", "bea")
    assert twice.value.field == "refund_id"
    with pytest.raises(CurrencyMismatch):
        p.refund("y", Money.of(10, "USD"), day, "r", "bea")


def test_money_allocated_on_the_refund_day_or_after_is_not_refunded(app: QuoteToCash) -> None:
    """100.00 paid an invoice from 10 January until that allocation was reversed on 1 March:
    it is credit from 1 March, so a refund dated 1 February is refused (the statement for
    February would show less than nothing), and one dated 1 March is recorded."""
    cust = customer(app)
    invoice = issued(app, cust, "100", date(2024, 1, 1))
    pay = app.receive_payment(cust, eur(100), received_on=date(2024, 1, 5), reference="a", actor=A)
    [alloc] = app.allocate_payment(pay, allocated_on=date(2024, 1, 10), actor=A)
    app.reverse_allocation(
        pay, alloc, reason="wrong invoice", actor=A, reversed_on=date(2024, 3, 1)
    )
    assert app.payment(pay).refundable(date(2024, 2, 1)) == eur(0)
    assert app.payment(pay).refundable(date(2024, 3, 1)) == eur(100)
    with pytest.raises(OverAllocation) as refused:
        app.refund_customer_credit(
            cust, eur(100), refunded_on=date(2024, 2, 1), reference="r", actor="bea"
        )
    assert refused.value.field == "amount"
    with pytest.raises(OverAllocation):
        app.payment(pay).refund("x", eur(1), date(2024, 2, 1), "r", "bea")
    app.refund_customer_credit(
        cust, eur(100), refunded_on=date(2024, 3, 1), reference="r", actor="bea"
    )
    assert app.invoice(invoice).outstanding == eur(100)
    assert app.customer_credit(cust) == eur(0)


def test_a_payment_that_bounces_after_a_refund_leaves_the_customer_owing_the_refund(
    app: QuoteToCash,
) -> None:
    """Acme paid 500.00: 300.00 paid an invoice and 200.00 was refunded on 1 February. On 10
    February the bank takes the whole 500.00 back. The invoice is owed again, and the 200.00
    Acme was paid out of money it never had is owed too: the payment's credit is -200.00,
    which nets against Acme's other money (a later 150.00 leaves -50.00), so nothing more can
    be refunded and nothing is allocated from it; the refund itself stands."""
    cust = customer(app)
    invoice = issued(app, cust, "300", date(2024, 1, 1))
    pay = app.receive_payment(cust, eur(500), received_on=date(2024, 1, 5), reference="a", actor=A)
    app.allocate_payment(pay, allocated_on=date(2024, 1, 5), actor=A)
    app.refund_customer_credit(
        cust, eur(200), refunded_on=date(2024, 2, 1), reference="r", actor="bea"
    )
    app.bounce_payment(pay, bounced_on=date(2024, 2, 10), reason="returned", actor="bank")
    p = app.payment(pay)
    assert p.is_bounced and p.refunded == eur(200) and p.owed_back == eur(200)
    assert (p.allocated, p.unallocated) == (eur(0), eur(-200))
    assert app.invoice(invoice).outstanding == eur(300)
    assert app.customer_credit(cust) == eur(-200)
    other = app.receive_payment(
        cust, eur(150), received_on=date(2024, 2, 15), reference="b", actor=A
    )
    assert app.customer_credit(cust) == eur(-50)
    assert app.customer_summary(cust).credit == eur(-50)
    with pytest.raises(OverAllocation):
        app.refund_customer_credit(
            cust, eur(1), refunded_on=date(2024, 2, 20), reference="r2", actor="bea"
        )
    with pytest.raises(InvalidTransition) as bounced:
        app.payment(pay).refund("x", eur(1), date(2024, 2, 20), "r", "bea")
    assert bounced.value.field == "status"
    # the other payment still pays invoices: the debt is shown, the account is not frozen
    app.allocate_payment(other, allocated_on=date(2024, 2, 15), actor=A)
    assert app.invoice(invoice).outstanding == eur(150)


def test_the_past_due_policy_counts_no_refunded_money(app: QuoteToCash) -> None:
    """Money sent and not allocated keeps a contract with a late invoice active, until it is
    paid back to the customer."""
    cust = customer(app)
    cid = contract(app, cust, frequency=BillingFrequency.ANNUAL)
    [inv] = app.run_billing(date(2024, 1, 1), actor="run").invoice_ids
    issue(app, inv, date(2024, 1, 1))
    owed = app.invoice(inv).total
    app.receive_payment(cust, owed, received_on=date(2024, 1, 20), reference="r", actor=A)
    policy = PastDuePolicy(days=30)
    assert app.apply_past_due_policy(policy, date(2024, 3, 1), actor="ops") == []
    app.refund_customer_credit(cust, owed, refunded_on=date(2024, 3, 2), reference="r", actor="b")
    assert app.apply_past_due_policy(policy, date(2024, 3, 5), actor="ops") == [cid]


def test_a_payment_read_from_a_snapshot_older_than_refunds_is_refunded(tmp_path: Path) -> None:
    """A snapshot taken before payments kept refunds or sums (no ``refunds``, no
    ``refunded_amount``, no ``allocated_amount``) reads with no refunds, and is refunded."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    cust = customer(app)
    invoice = issued(app, cust, "60", date(2024, 1, 1))
    pay = app.receive_payment(cust, eur(100), received_on=date(2024, 1, 5), reference="a", actor=A)
    app.allocate_payment(pay, allocated_on=date(2024, 1, 5), actor=A)
    app.take_snapshot(pay)
    app.close()
    with sqlite3.connect(db) as conn:
        [(state,)] = conn.execute(
            "SELECT state FROM stored_snapshots WHERE originator_id = ?", (pay.hex,)
        ).fetchall()
        facts = json.loads(bytes(state))
        kept = facts["state"]
        for field in ("refunds", "refunded_amount", "allocated_amount"):
            del kept[field]
        conn.execute(
            "UPDATE stored_snapshots SET state = ? WHERE originator_id = ?",
            (json.dumps(facts, separators=(",", ":")).encode(), pay.hex),
        )
    again = QuoteToCash.open(f"sqlite:///{db}")
    p = again.payment(pay)
    assert "refunds" not in vars(p) and p.refunds == () and p.refunded == eur(0)
    assert p.unallocated == eur(40)
    again.refund_customer_credit(
        cust, eur(40), refunded_on=date(2024, 2, 1), reference="r", actor="bea"
    )
    p = again.payment(pay)
    assert p.refunded == eur(40) and p.unallocated == eur(0) and len(p.refunds) == 1
    assert again.invoice(invoice).is_settled()
    again.close()


def test_a_refund_reference_names_one_refund_across_customers_and_currencies(
    app: QuoteToCash,
) -> None:
    """Bank order OUT-7 paid Acme 100.00 on 1 February. Under Acme's USD credit, for another
    customer, typed "out-7 " on another day, or for another amount, OUT-7 would be a second
    payout: DuplicateEntry naming the reference, nothing recorded. The same instruction
    however typed is a retry: the refund made."""
    acme = customer(app)
    app.receive_payment(acme, eur(500), received_on=date(2024, 1, 1), reference="a", actor=A)
    app.receive_payment(
        acme, Money.of(500, "USD"), received_on=date(2024, 1, 1), reference="u", actor=A
    )
    other = customer(app, "Initech")
    app.receive_payment(other, eur(500), received_on=date(2024, 1, 1), reference="i", actor=A)
    [made] = app.refund_customer_credit(
        acme, eur(100), refunded_on=date(2024, 2, 1), reference="OUT-7", actor="bea"
    )
    head = app.recorder.max_notification_id()
    for who, amount, reference, day in (
        (acme, Money.of(100, "USD"), "OUT-7", 1),
        (other, eur(100), "OUT-7", 1),
        (acme, eur(100), "out-7 ", 2),
        (acme, eur(50), "OUT-7", 1),
    ):
        with pytest.raises(DuplicateEntry) as refused:
            app.refund_customer_credit(
                who, amount, refunded_on=date(2024, 2, day), reference=reference, actor="bea"
            )
        assert refused.value.field == "reference"
    assert app.recorder.max_notification_id() == head
    again = app.refund_customer_credit(
        acme, eur(100), refunded_on=date(2024, 2, 1), reference=" out-7", actor="bea"
    )
    assert again == [made]
    assert app.recorder.max_notification_id() == head
    assert app.customer_credit(other) == eur(500)


def test_refunds_recorded_before_references_were_kept_are_not_paid_again(
    app: QuoteToCash,
) -> None:
    """SEPA-1 paid Acme 100.00 before q2c kept references across customers (a
    ``CreditRefunded`` alone, as that version recorded it). The first refund after the upgrade
    gives SEPA-1 its instruction: SEPA-1 for Initech is refused, and SEPA-1 for Acme again is
    a retry that records nothing."""
    acme = customer(app)
    paid = app.receive_payment(acme, eur(500), received_on=date(2024, 1, 1), reference="a", actor=A)
    other = customer(app, "Initech")
    app.receive_payment(other, eur(500), received_on=date(2024, 1, 1), reference="i", actor=A)
    payment = app.payment(paid)
    payment.refund("old-1", eur(100), date(2024, 2, 1), "SEPA-1", "bea")  # (as before)
    app.save(payment)
    head = app.recorder.max_notification_id()
    with pytest.raises(DuplicateEntry):
        app.refund_customer_credit(
            other, eur(100), refunded_on=date(2024, 2, 1), reference="sepa-1", actor="bea"
        )
    assert app.recorder.max_notification_id() == head
    again = app.instruct_refund(
        acme, eur(100), refunded_on=date(2024, 2, 1), reference="SEPA-1", actor="bea"
    )
    assert (again.refund_ids, again.recorded) == (["old-1"], False)
    # the instruction and the mark are recorded, and no refund
    assert app.recorder.max_notification_id() == (head or 0) + 2
    assert app.customer_credit(acme) == eur(400) and app.customer_credit(other) == eur(500)
    made = app.instruct_refund(
        other, eur(100), refunded_on=date(2024, 2, 1), reference="SEPA-2", actor="bea"
    )
    assert made.recorded and len(made.refund_ids) == 1
    assert app.recorder.max_notification_id() == (head or 0) + 4  # a refund, its instruction
