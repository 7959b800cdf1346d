"""An estimate's price is Money: a plain number (the Decimal or int a caller has at hand) or a
text like "100 EUR" is refused with an InvalidValue naming the field, and nothing is recorded,
as a time entry's or a PO's fields are."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from q2c_core import CurrencyMismatch, InvalidValue, Money, QuoteToCash, RequestStatus, TimeEntry
from q2c_core.domain.enhancement_request import Estimate

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


@pytest.mark.parametrize("price", [Money.of("1000.005", "EUR"), Money.of("250000.5", "JPY")])
def test_a_fixed_price_finer_than_the_currency_s_minor_unit_is_refused(
    app: QuoteToCash, price: Money
) -> None:
    """A fixed price of 1,000.005 EUR no invoice can bill and no PO can match (a PO of exactly
    1,000.005 would be "below the estimate 1,000.01"): refused naming the price, nothing
    recorded; 1,000.00 EUR is taken."""
    acme = app.register_customer("Acme", price.currency, account_manager="mia", actor=A)
    portal = app.open_request(acme, "Portal", requested_on=date(2024, 2, 1), actor=A)
    head = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        app.estimate_request(portal, fixed_price=price, actor=A)

    assert refused.value.field == "estimate.fixed_price"
    assert "minor unit" in str(refused.value)
    assert app.recorder.max_notification_id() == head
    assert app.request(portal).estimate is None
    whole = price.rounded()
    app.estimate_request(portal, fixed_price=whole, actor=A)
    request = app.request(portal)
    assert request.estimate is not None and request.estimate.total == whole


def test_an_hourly_rate_finer_than_a_cent_is_taken_as_a_time_entry_s_rate_is(
    app: QuoteToCash,
) -> None:
    """Rates with more decimals are common (0.125 EUR a unit, 33.335 EUR an hour) and a time
    entry takes them: an estimate by the hour takes them too, its total rounded to the cent."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = app.open_request(acme, "Export", requested_on=date(2024, 3, 1), actor=A)
    rate = Money.of("33.335", "EUR")
    assert TimeEntry("t1", "bob", date(2024, 3, 2), Decimal(1), rate).value == Money.of(
        "33.34", "EUR"
    )

    app.estimate_request(export, hours=3, rate=rate, actor=A)

    request = app.request(export)
    assert request.estimate is not None and request.estimate.rate == rate
    assert request.estimate.total == Money.of("100.01", "EUR")


def test_a_sub_cent_fixed_price_recorded_before_the_rule_still_loads(tmp_path: Path) -> None:
    """Recorded before the rule (the event, without the command's check): the request reads
    back with its 1,000.005 EUR price, and its quote goes out."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    portal = app.open_request(acme, "Portal", requested_on=date(2024, 2, 1), actor=A)
    request = app.request(portal)
    request._estimated(Estimate(fixed_price=Money.of("1000.005", "EUR")), A)
    app.save(request)
    app.close()

    app = QuoteToCash.open(url)
    try:
        estimate = app.request(portal).estimate
        assert estimate is not None and estimate.fixed_price == Money.of("1000.005", "EUR")
        app.send_quote(portal, sent_on=date(2024, 2, 2), actor=A)
        assert app.request(portal).status is RequestStatus.QUOTED
    finally:
        app.close()
