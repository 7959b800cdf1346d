"""Mia grants Acme "0" prepaid hours for 2024 (a field left at its default). Recorded, that
allowance would cover Acme's requests in place of a purchase order while it prepays nothing: work
authorized on it with no PO and no hours bought. A grant of nothing is refused, naming the
quantity, and nothing is recorded; a top-up of nothing was refused already. The next year's
allowance a roll-over opens with nothing left to carry is still made: the requests it covers go
on drawing on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import AllowanceUnit, InvalidValue, Money, Period, QuoteToCash, TimeEntry

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
NEXT = Period(date(2025, 1, 1), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("unit", "quantity"),
    [(AllowanceUnit.HOURS, 0), (AllowanceUnit.HOURS, "0.00"), (AllowanceUnit.MONEY, Decimal(0))],
)
def test_a_grant_of_nothing_is_refused_naming_the_quantity(
    app: QuoteToCash, unit: AllowanceUnit, quantity: object
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        app.grant_allowance(
            acme, unit=unit, quantity=quantity, period=YEAR, granted_on=date(2024, 1, 1), actor=A
        )  # type: ignore[arg-type]

    assert refused.value.field == "quantity"
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).allowance_ids == []


def test_a_roll_over_with_nothing_left_still_opens_next_years_allowance(
    app: QuoteToCash,
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=2,
        period=YEAR,
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    r = app.open_request(acme, "Tweaks", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, hours=2, rate=Money.of(100, "EUR"), actor=A)
    app.cover_request_by_allowance(r, hours, actor=A)
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor=A)
    app.log_work(
        r, TimeEntry("t1", "bob", date(2024, 3, 4), Decimal(2), Money.of(100, "EUR")), actor="bob"
    )

    nxt = app.roll_over_allowance(hours, new_period=NEXT, rolled_over_on=date(2025, 1, 1), actor=A)

    assert app.allowance(nxt).granted == 0
    assert app.allowance(nxt).rolled_over_from == hours


def test_a_roll_over_of_less_than_nothing_is_refused_naming_the_quantity(
    app: QuoteToCash,
) -> None:
    """Carrying -2 hours with 5 extra would open next year's allowance with 3: a negative
    carry is no carry (what is not carried is forfeited), refused naming ``quantity`` as
    ``extra`` is, and nothing is recorded. It was refused as ``AllowanceExhausted``, an
    allowance with too little left, which says nothing of the typo."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=4, period=YEAR, granted_on=YEAR.start, actor=A
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.roll_over_allowance(
            hours, new_period=NEXT, rolled_over_on=date(2025, 1, 1), actor=A, quantity=-2, extra=5
        )
    assert refused.value.field == "quantity"
    assert app.recorder.max_notification_id() == before
