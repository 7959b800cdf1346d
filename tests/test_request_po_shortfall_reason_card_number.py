"""A PO's shortfall reason is text a person types, and card numbers are never stored.

Billy accepted a PO of 800.00 against an estimate of 1,000.00 and pasted, as its shortfall
reason, the customer's note "paid 200.00 upfront by card 4111 1111 1111 1111". Every other
free text of a request (its title, an expense's description, a time entry's note, a decline
or cancellation reason) refuses a card number; the shortfall reason was recorded with it, for
good, in the ``PurchaseOrderReceived`` event. It is now refused (``CardNumberRefused`` naming
``po.shortfall_reason``), nothing recorded, and a reason without one is taken as before."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from q2c_core import CardNumberRefused, Money, QuoteToCash, RequestStatus

A = "billy"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def quoted(app: QuoteToCash) -> UUID:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    request = app.open_request(acme, "Export to CSV", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 2), actor=A)
    return request


def test_a_shortfall_reason_holding_a_card_number_is_refused_and_nothing_recorded(
    app: QuoteToCash,
) -> None:
    request = quoted(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(CardNumberRefused) as refused:
        app.receive_purchase_order(
            request,
            number="PO-77",
            amount=eur(800),
            received_on=date(2024, 3, 3),
            shortfall_reason="paid 200.00 upfront by card 4111 1111 1111 1111",
            actor=A,
        )
    assert refused.value.field == "po.shortfall_reason"
    assert app.recorder.max_notification_id() == before
    assert app.request(request).status is RequestStatus.QUOTED
    assert app.request(request).purchase_order is None


def test_a_shortfall_reason_without_a_card_number_is_taken(app: QuoteToCash) -> None:
    request = quoted(app)
    app.receive_purchase_order(
        request,
        number="PO-77",
        amount=eur(800),
        received_on=date(2024, 3, 3),
        shortfall_reason="200.00 paid upfront, agreed on the phone",
        actor=A,
    )
    po = app.request(request).purchase_order
    assert po is not None and po.shortfall_reason == "200.00 paid upfront, agreed on the phone"
