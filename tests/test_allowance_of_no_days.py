"""Mia grants Acme 10 prepaid hours "for 1 March" and types the period as 1 March to 1 March,
reading the end as included. q2c's periods leave their end day out, so that period holds no day:
recorded, the allowance would cover Acme's requests in place of a purchase order while no work
could ever draw on it (every hour billed at its rate beside 10 hours paid for, then forfeited).
A grant, or a roll-over carrying hours into such a period, is refused naming the period, and
nothing is recorded; a one-day allowance (1 March to 2 March) is granted as before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import AllowanceUnit, InvalidValue, Money, Period, QuoteToCash, TimeEntry

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
MARCH_1 = date(2024, 3, 1)


def test_a_grant_for_a_period_of_no_day_is_refused_naming_the_period(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        app.grant_allowance(
            acme,
            unit=AllowanceUnit.HOURS,
            quantity=10,
            period=Period(MARCH_1, MARCH_1),
            granted_on=MARCH_1,
            actor=A,
        )

    assert refused.value.field == "period"
    assert "no day" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.customer(acme).allowance_ids == []

    one_day = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Period(MARCH_1, date(2024, 3, 2)),
        granted_on=MARCH_1,
        actor=A,
    )
    r = app.open_request(acme, "Tweaks", requested_on=MARCH_1, actor=A)
    app.estimate_request(r, hours=2, rate=Money.of(100, "EUR"), actor=A)
    app.cover_request_by_allowance(r, one_day, actor=A)
    app.authorize_work(r, authorized_on=MARCH_1, actor=A)
    app.log_work(r, TimeEntry("t1", "bob", MARCH_1, Decimal(2), Money.of(100, "EUR")), actor="bob")
    assert app.allowance(one_day).consumed == 2


def test_a_roll_over_into_a_period_of_no_day_is_refused_naming_the_new_period(
    app: QuoteToCash,
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, period=YEAR, granted_on=YEAR.start, actor=A
    )
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        app.roll_over_allowance(
            hours,
            new_period=Period(date(2025, 1, 1), date(2025, 1, 1)),
            rolled_over_on=date(2025, 1, 1),
            actor=A,
        )

    assert refused.value.field == "new_period"
    assert app.recorder.max_notification_id() == before
    assert app.allowance(hours).remaining == 10
    assert app.customer(acme).allowance_ids == [hours]
