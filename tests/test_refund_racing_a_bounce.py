"""A refund recorded at the moment a partly refunded payment bounces never pays out money the
customer already owes: the refund and the bounce clash, and the one decided again reads the
other's.

Found by review: the refund's limit subtracts what the customer owes of payments that bounced
after part of them was refunded, but the refund saved only the payments it took money from, so
a bounce of another, partly refunded payment recorded between the refund's read and its save
went unnoticed: Acme, owing 40.00 of a bounced payment with 100.00 of credit on another, was
refunded the whole 100.00 (its credit then -40.00, money paid out twice).
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from racing import save_once_all_looked
from test_story_payment import issued

from q2c_core import Money, OverAllocation, QuoteToCash

A = "alice"
D = date(2024, 4, 1)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme_with_a_partly_refunded_payment(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme paid 100.00 for a 60.00 invoice, was refunded the 40.00 over, then sent 100.00 more
    (its credit): returns the customer and the partly refunded payment."""
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    issued(app, cust, "60", D)
    first = app.receive_payment(cust, eur(100), received_on=D, reference="INV-1", actor=A)
    app.allocate_payment(first, allocated_on=D, actor=A)
    app.refund_customer_credit(cust, eur(40), refunded_on=D, reference="RF-1", actor="bea")
    app.receive_payment(cust, eur(100), received_on=D, reference="advance", actor=A)
    assert app.customer_credit(cust) == eur(100)
    return cust, first


def test_a_bounce_between_the_refund_s_read_and_its_save_limits_the_refund(
    tmp_path: Path,
) -> None:
    """Bea refunds Acme's 100.00 of credit; between her process reading Acme's payments and
    saving the refund, the bank returns the first payment (part of which was refunded) in
    another process: Acme now owes 40.00 of it, so only 60.00 can be paid back. The refund is
    decided again on the fresh payments and refused, and Acme's credit is the 60.00 left."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    a, b = QuoteToCash.open(url), QuoteToCash.open(url)
    cust, first = acme_with_a_partly_refunded_payment(a)
    read = a._get_many
    bounced: list[bool] = []

    def read_then_the_bank_returns_the_first_payment(cls: Any, ids: Any) -> Any:
        got = read(cls, ids)
        if not bounced and getattr(cls, "__name__", "") == "Payment":
            bounced.append(True)
            b.bounce_payment(first, bounced_on=D, reason="returned: R01", actor="bank")
        return got

    a._get_many = read_then_the_bank_returns_the_first_payment  # type: ignore[method-assign]
    with pytest.raises(OverAllocation) as refused:
        a.refund_customer_credit(cust, eur(100), refunded_on=D, reference="RF-2", actor="bea")
    del a._get_many
    assert bounced == [True]
    assert refused.value.field == "amount"
    assert "60.00" in str(refused.value)
    assert a.customer_credit(cust) == eur(60)
    assert sum((p.refunded.amount for p in a.payments(cust)), 0) == 40
    a.close()
    b.close()


def test_a_refund_and_a_bounce_at_one_moment_agree_with_the_log(tmp_path: Path) -> None:
    """Two clerks at one moment, each having looked before either saved: one refunds Acme's
    100.00 of credit, the other records the bank returning the partly refunded payment.
    Whichever is recorded first, the customer is never paid out money it owes: either the
    refund came first (then the bounce leaves Acme owing 40.00, as a bounce after a refund
    does), or the bounce did and the refund is refused."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    setup = QuoteToCash.open(url)
    cust, first = acme_with_a_partly_refunded_payment(setup)
    clerks = [QuoteToCash.open(url), QuoteToCash.open(url)]
    save_once_all_looked(clerks)
    outcomes: dict[str, Any] = {}

    def refund() -> None:
        try:
            clerks[0].refund_customer_credit(
                cust, eur(100), refunded_on=D, reference="RF-2", actor="bea"
            )
            outcomes["refund"] = "recorded"
        except OverAllocation:
            outcomes["refund"] = "refused"

    def bounce() -> None:
        clerks[1].bounce_payment(first, bounced_on=D, reason="returned: R01", actor="bank")
        outcomes["bounce"] = "recorded"

    threads = [threading.Thread(target=refund), threading.Thread(target=bounce)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes["bounce"] == "recorded"
    notifications = setup.recorder.select_notifications(start=1, limit=1000)
    names = [n.topic.rsplit(".", 1)[-1] for n in notifications]
    refunds_after = names[names.index("PaymentBounced") :].count("CreditRefunded")
    if outcomes["refund"] == "recorded":
        assert refunds_after == 0  # the refund was recorded before the bounce
        assert setup.customer_credit(cust) == eur(-40)
    else:
        assert refunds_after == 0
        assert setup.customer_credit(cust) == eur(60)
    for app in (setup, *clerks):
        app.close()


def test_an_allocation_of_the_credit_covering_a_debt_at_the_refund_s_moment_limits_it(
    tmp_path: Path,
) -> None:
    """Acme owes 40.00 of a bounced payment and has 50.00 of credit on each of two later
    payments (60.00 to refund). Bea refunds 50.00, taken from the older one; between her read
    and her save a clerk allocates the newer one's 50.00 to an invoice. That credit was what
    covered the 40.00 owed: the refund is decided again and refused (only 10.00 is left), so
    the customer is never paid out what it owes."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    a, b = QuoteToCash.open(url), QuoteToCash.open(url)
    cust, first = acme_with_a_partly_refunded_payment(a)
    a.bounce_payment(first, bounced_on=D, reason="returned: R01", actor="bank")
    a.refund_customer_credit(cust, eur(50), refunded_on=D, reference="RF-2", actor="bea")
    newer = a.receive_payment(cust, eur(50), received_on=D, reference="more", actor=A)
    assert a.customer_credit(cust) == eur(60)  # 50.00 + 50.00 - 40.00 owed
    invoice = issued(a, cust, "50", D)
    read = a._get_many
    allocated: list[bool] = []

    def read_then_a_clerk_allocates_the_newer_payment(cls: Any, ids: Any) -> Any:
        got = read(cls, ids)
        if not allocated and getattr(cls, "__name__", "") == "Payment":
            allocated.append(True)
            b.allocate_payment(newer, [(invoice, eur(50))], allocated_on=D, actor="clerk")
        return got

    a._get_many = read_then_a_clerk_allocates_the_newer_payment  # type: ignore[method-assign]
    with pytest.raises(OverAllocation) as refused:
        a.refund_customer_credit(cust, eur(50), refunded_on=D, reference="RF-3", actor="bea")
    del a._get_many
    assert allocated == [True]
    assert "10.00" in str(refused.value)
    assert a.customer_credit(cust) == eur(10)
    a.close()
    b.close()
