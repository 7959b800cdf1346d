"""An estimate that comes to nothing once rounded is refused, as a zero rate is.

Billing typed a rate of 0.001 EUR an hour (meaning 100.00) for a 1-hour fix: the estimate came
to 0.00 EUR, the quote asked the customer for a PO of 0.00, and any PO was "above the estimate",
so the shortfall check that guards the PO gate never ran. A rate finer than a cent stays
allowed (1,000 units at 0.125 EUR come to 125.00), but an estimate that rounds to nothing is
refused (``InvalidValue`` naming ``estimate.rate``), nothing recorded, as a zero rate is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import InvalidValue, Money, QuoteToCash, RequestStatus

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


@pytest.mark.parametrize(("hours", "rate"), [("1", "0.001"), ("2", "0.002"), ("1", "0.004")])
def test_an_estimate_that_rounds_to_nothing_is_refused(
    app: QuoteToCash, hours: str, rate: str
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    fix = app.open_request(acme, "Fix", requested_on=date(2024, 3, 1), actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.estimate_request(fix, hours=hours, rate=eur(rate), actor=A)
    assert refused.value.field == "estimate.rate"
    assert "0.00 EUR" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.request(fix).status is RequestStatus.REQUESTED


def test_a_rate_finer_than_a_cent_that_comes_to_something_is_taken(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    units = app.open_request(acme, "Units", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(units, hours=1000, rate=eur("0.125"), actor=A)
    estimate = app.request(units).estimate
    assert estimate is not None and estimate.total == eur("125.00")
    tiny = app.open_request(acme, "Tiny", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(tiny, hours=Decimal(1), rate=eur("0.005"), actor=A)
    estimate = app.request(tiny).estimate
    assert estimate is not None and estimate.total == eur("0.01")
