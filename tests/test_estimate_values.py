"""An estimate's price is Money: a plain number (the Decimal or int a caller has at hand) or a
text like "100 EUR" is refused with an InvalidValue naming the field, and nothing is recorded,
as a time entry's or a PO's fields are."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from q2c_core import CurrencyMismatch, InvalidValue, Money, QuoteToCash, RequestStatus, TimeEntry

A = "alice"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"fixed_price": Decimal(1000)}, "estimate.fixed_price"),
        ({"fixed_price": 1000}, "estimate.fixed_price"),
        ({"hours": 10, "rate": 100}, "estimate.rate"),
        ({"hours": 10, "rate": "100 EUR"}, "estimate.rate"),
        ({"fixed_price": Money.of(0, "EUR")}, "estimate.fixed_price"),
        ({"hours": 10, "rate": Money.of(-100, "EUR")}, "estimate.rate"),
    ],
)
def test_an_estimate_priced_without_money_is_refused_naming_the_price(
    app: QuoteToCash, given: dict[str, Any], field: str
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    head = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        app.estimate_request(export, actor=A, **given)

    assert refused.value.field == field
    assert app.recorder.max_notification_id() == head
    request = app.request(export)
    assert (request.status, request.estimate) == (RequestStatus.REQUESTED, None)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"fixed_price": Money.of(1000, "USD")}, "estimate.fixed_price"),
        ({"hours": 10, "rate": Money.of(100, "USD")}, "estimate.rate"),
    ],
)
def test_an_estimate_in_another_currency_than_the_work_recorded_is_refused(
    app: QuoteToCash, given: dict[str, Any], field: str
) -> None:
    """Two EUR hours were imported before the request was estimated: an estimate in USD would
    bill them in a currency they were not rated in. Refused naming the price, nothing
    recorded; an estimate in EUR is taken."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    early = TimeEntry("x1", "bob", date(2024, 3, 2), Decimal(2), Money.of(100, "EUR"))
    app.import_work(export, early, source="psa.csv", actor="import")
    head = app.recorder.max_notification_id()

    with pytest.raises(CurrencyMismatch) as refused:
        app.estimate_request(export, actor=A, **given)

    assert refused.value.field == field
    assert app.recorder.max_notification_id() == head
    assert app.request(export).estimate is None
    app.estimate_request(export, fixed_price=Money.of(1000, "EUR"), actor=A)
    assert app.request(export).currency == "EUR"
