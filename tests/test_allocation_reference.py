"""A hand-made allocation given again after a lost response is not allocated twice: the
caller names it with a reference, the same allocation under it again returns what it did, and
another allocation under it is refused.

Found by review: ``allocate_payment`` with an explicit list had no idempotency key, so a clerk's
tool that retried after a timeout allocated again: Acme's 150.00 payment, 30.00 to INV-000001
and 20.00 to INV-000002, given twice allocated 60.00 and 40.00, the customer's credit 50.00
instead of 100.00 (a retry was refused only once it exceeded what was left).
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

from q2c_core import DuplicateEntry, InvalidValue, Money, QuoteToCash

A = "alice"
D = date(2024, 4, 1)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme_paying(app: QuoteToCash) -> tuple[UUID, UUID, UUID, UUID]:
    """Acme owes INV-000001 100.00 and INV-000002 100.00 and paid 150.00: the customer, the
    payment, the two invoices."""
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    first = issued(app, cust, "100", D)
    second = issued(app, cust, "100", D)
    pay = app.receive_payment(cust, eur(150), received_on=D, reference="remit", actor=A)
    return cust, pay, first, second


def events_of(app: QuoteToCash, aggregate_id: UUID) -> list[str]:
    return [type(e).__name__ for e in app.repository.event_store.get(aggregate_id)]


def test_the_same_allocation_given_again_returns_what_it_did(app: QuoteToCash) -> None:
    """Bea allocates 60.00 to INV-000001 and 40.00 to INV-000002 under REM-7; her tool loses
    the response and sends it again: nothing more is allocated, the same ids come back."""
    cust, pay, first, second = acme_paying(app)
    plan = [(first, eur(60)), (second, eur(40))]
    ids = app.allocate_payment(pay, plan, allocated_on=D, actor="bea", reference="REM-7")
    again = app.allocate_payment(pay, plan, allocated_on=D, actor="bea", reference="rem-7 ")
    assert again == ids
    assert len(ids) == 2
    assert app.payment(pay).allocated == eur(100)
    assert events_of(app, pay).count("PaymentAllocated") == 2
    assert app.invoice(first).outstanding == eur(40)
    assert app.invoice(second).outstanding == eur(60)
    assert app.customer_credit(cust) == eur(50)


def test_another_allocation_under_the_same_reference_is_refused(app: QuoteToCash) -> None:
    """Under REM-7, which allocated 60.00 and 40.00 on 1 April, another amount, another
    invoice, another day or oldest-first allocation is refused naming ``reference``, and
    nothing is recorded."""
    cust, pay, first, second = acme_paying(app)
    app.allocate_payment(
        pay, [(first, eur(60)), (second, eur(40))], allocated_on=D, actor="bea", reference="REM-7"
    )
    others: list[dict[str, Any]] = [
        {"allocations": [(first, eur(60)), (second, eur(30))], "allocated_on": D},
        {"allocations": [(first, eur(60))], "allocated_on": D},
        {"allocations": [(first, eur(60)), (second, eur(40))], "allocated_on": date(2024, 4, 2)},
        {"allocations": None, "allocated_on": D},
    ]
    for other in others:
        with pytest.raises(DuplicateEntry) as refused:
            app.allocate_payment(pay, actor="bea", reference="REM-7", **other)
        assert refused.value.field == "reference"
        assert "REM-7" in str(refused.value)
    assert app.payment(pay).allocated == eur(100)
    assert app.customer_credit(cust) == eur(50)


def test_oldest_first_under_a_reference_is_not_repeated(app: QuoteToCash) -> None:
    """Oldest-first allocation under a reference, given again, takes nothing more."""
    cust, pay, first, second = acme_paying(app)
    ids = app.allocate_payment(pay, allocated_on=D, actor="bea", reference="AUTO-1")
    assert app.allocate_payment(pay, allocated_on=D, actor="bea", reference="AUTO-1") == ids
    assert app.invoice(first).outstanding == eur(0)
    assert app.invoice(second).outstanding == eur(50)
    assert app.customer_credit(cust) == eur(0)


def test_a_reference_names_an_allocation_of_one_payment(app: QuoteToCash) -> None:
    """The same reference on another payment of the customer is that payment's own."""
    cust, pay, first, second = acme_paying(app)
    other = app.receive_payment(cust, eur(50), received_on=D, reference="more", actor=A)
    app.allocate_payment(pay, [(first, eur(100))], allocated_on=D, actor="bea", reference="R1")
    app.allocate_payment(other, [(second, eur(50))], allocated_on=D, actor="bea", reference="R1")
    assert app.invoice(second).outstanding == eur(50)


def test_without_a_reference_allocation_is_as_before(app: QuoteToCash) -> None:
    """No reference: each call allocates (the existing signature keeps working)."""
    cust, pay, first, _ = acme_paying(app)
    app.allocate_payment(pay, [(first, eur(30))], allocated_on=D, actor="bea")
    assert app.customer_credit(cust) == eur(120)
    app.allocate_payment(pay, [(first, eur(30))], allocated_on=D, actor="bea")
    assert app.invoice(first).outstanding == eur(40)


@pytest.mark.parametrize("reference", ["", "   ", "\u200b\ufeff", 7])
def test_a_blank_reference_is_refused(app: QuoteToCash, reference: Any) -> None:
    """A reference that names nothing (blank, invisible characters only, not text) is refused
    naming ``reference``, nothing recorded."""
    cust, pay, first, _ = acme_paying(app)
    with pytest.raises(InvalidValue) as refused:
        app.allocate_payment(
            pay, [(first, eur(30))], allocated_on=D, actor="bea", reference=reference
        )
    assert refused.value.field == "reference"
    assert app.customer_credit(cust) == eur(150)


def test_a_retry_racing_the_first_call_allocates_once(tmp_path: Path) -> None:
    """The first call and its retry at one moment in two processes, each having looked before
    either saved: one allocation is recorded, both return its ids."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    setup = QuoteToCash.open(url)
    cust, pay, first, second = acme_paying(setup)
    plan = [(first, eur(60)), (second, eur(40))]
    clerks = [QuoteToCash.open(url), QuoteToCash.open(url)]
    save_once_all_looked(clerks)
    returned: list[list[str]] = []

    def allocate(app: QuoteToCash) -> None:
        returned.append(
            app.allocate_payment(pay, plan, allocated_on=D, actor="bea", reference="REM-7")
        )

    threads = [threading.Thread(target=allocate, args=(c,)) for c in clerks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(returned) == 2 and returned[0] == returned[1]
    assert setup.payment(pay).allocated == eur(100)
    assert setup.customer_credit(cust) == eur(50)
    for app in (setup, *clerks):
        app.close()
