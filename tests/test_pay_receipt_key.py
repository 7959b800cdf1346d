"""Money received by hand, given again after a lost response, is received once: the caller
names the receipt with a key, the same receipt under it again returns the payment it made, and
another receipt under it is refused.

Found by review: ``receive_payment`` had no idempotency key (the bank's ``reference`` may be
shared by two real transfers), so a clerk's tool that retried after a time-out recorded Acme's
500.00 twice: two payments, the customer's credit 1,000.00, and 500.00 more to refund or to
allocate to invoices Acme never paid. Allocations and refunds had their references already.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from racing import race

from q2c_core import DuplicateEntry, InvalidValue, Money, QuoteToCash

D = date(2024, 4, 2)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme", "EUR", account_manager="mia", actor="al")


def test_the_same_receipt_given_again_returns_the_payment_it_made(app: QuoteToCash) -> None:
    """Bea records Acme's 500.00 transfer TR-88 under the key RCPT-1; her tool loses the
    response and sends it again (the key spaced and capitalised otherwise): one payment."""
    cust = acme(app)
    first = app.receive_payment(
        cust, eur(500), received_on=D, reference="TR-88", actor="bea", key="RCPT-1"
    )
    again = app.receive_payment(
        cust, eur("500.00"), received_on=D, reference="TR-88", actor="bea", key=" rcpt-1"
    )
    assert again == first
    assert [p.id for p in app.payments(cust)] == [first]
    assert app.customer_credit(cust) == eur(500)


def test_another_receipt_under_the_same_key_is_refused(app: QuoteToCash) -> None:
    """Under RCPT-1, which received 500.00 on 2 April as TR-88, another amount, day or bank
    reference is refused naming ``key``, and nothing is recorded."""
    cust = acme(app)
    app.receive_payment(cust, eur(500), received_on=D, reference="TR-88", actor="bea", key="RCPT-1")
    before = app.recorder.max_notification_id()
    others: list[dict[str, Any]] = [
        {"amount": eur(600), "received_on": D, "reference": "TR-88"},
        {"amount": eur(500), "received_on": date(2024, 4, 3), "reference": "TR-88"},
        {"amount": eur(500), "received_on": D, "reference": "TR-89"},
    ]
    for other in others:
        with pytest.raises(DuplicateEntry) as refused:
            app.receive_payment(cust, actor="bea", key="RCPT-1", **other)
        assert refused.value.field == "key"
    assert app.recorder.max_notification_id() == before
    assert app.customer_credit(cust) == eur(500)


def test_a_key_names_a_receipt_of_one_customer(app: QuoteToCash) -> None:
    """RCPT-1 of Acme and RCPT-1 of Globex are two receipts."""
    cust = acme(app)
    globex = app.register_customer("Globex", "EUR", account_manager="mia", actor="al")
    one = app.receive_payment(cust, eur(5), received_on=D, reference="", actor="bea", key="RCPT-1")
    two = app.receive_payment(
        globex, eur(5), received_on=D, reference="", actor="bea", key="RCPT-1"
    )
    assert one != two
    assert app.customer_credit(globex) == eur(5)


def test_without_a_key_each_call_receives_as_before(app: QuoteToCash) -> None:
    """Two transfers of 500.00 under one bank reference (two instalments) are two payments."""
    cust = acme(app)
    app.receive_payment(cust, eur(500), received_on=D, reference="TR-88", actor="bea")
    app.receive_payment(cust, eur(500), received_on=D, reference="TR-88", actor="bea")
    assert app.customer_credit(cust) == eur(1000)


@pytest.mark.parametrize("key", ["", "   ", "\u200b", 7, b"RCPT-1", "4111 1111 1111 1111"])
def test_a_key_that_names_nothing_is_refused(app: QuoteToCash, key: Any) -> None:
    cust = acme(app)
    with pytest.raises(InvalidValue) as refused:
        app.receive_payment(cust, eur(5), received_on=D, reference="", actor="bea", key=key)
    assert refused.value.field == "key"
    assert app.payments(cust) == []


def test_a_retry_racing_the_first_call_receives_once(tmp_path: Path) -> None:
    """The first call and its retry at one moment in two processes, each having looked before
    either saved: one payment is recorded, both return its id."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    setup = QuoteToCash.open(url)
    cust = acme(setup)
    returned = race(
        url,
        lambda app: app.receive_payment(
            cust, eur(500), received_on=D, reference="TR-88", actor="bea", key="RCPT-1"
        ),
    )
    assert len(returned) == 2 and returned[0] == returned[1]
    assert setup.customer_credit(cust) == eur(500)
    assert len(setup.payments(cust)) == 1
    setup.close()
