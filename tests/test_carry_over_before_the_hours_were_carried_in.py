"""Hours carried over are never in two allowances on one day.

Acme's 5 hours for 2024 are carried on 22 January 2025 (recorded late) into an allowance for
1-20 January, which is carried on 21 January, the day after its period, into the rest of 2025.
The last allowance was granted on 21 January, a day before the hours left 2024's: on 21
January the customer summary read 10 prepaid hours left of the 5 Acme bought. The hours reach
it when they reach the one it is carried from, on 22 January."""

from __future__ import annotations

from datetime import date

from q2c_core import AllowanceUnit, Period, QuoteToCash

A = "alice"


def test_hours_carried_twice_are_left_once_on_every_day(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    y2024 = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=5,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    january = app.roll_over_allowance(
        y2024,
        new_period=Period(date(2025, 1, 1), date(2025, 1, 21)),
        rolled_over_on=date(2025, 1, 22),
        actor=A,
    )
    rest = app.roll_over_allowance(
        january,
        new_period=Period(date(2025, 1, 21), date(2026, 1, 1)),
        rolled_over_on=date(2025, 1, 21),
        actor=A,
    )
    assert app.allowance(rest).granted == 5
    assert app.allowance(rest).granted_on == date(2025, 1, 22)
    for day in (date(2025, 1, 20), date(2025, 1, 21), date(2025, 1, 22), date(2025, 2, 1)):
        assert app.customer_summary(acme, as_of=day).prepaid_hours_left == 5, day
