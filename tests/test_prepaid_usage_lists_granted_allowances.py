"""A day's prepaid usage lists the allowances granted by then, and no allowance granted later.

Found by review: ``PrepaidCreditUsage.usage(day)`` listed an allowance granted after the day as
"open" with 0 granted, a row no report of that day had (the allowance did not exist yet)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from q2c_core import AllowanceUnit, Period, QuoteToCash
from q2c_core.projections import PrepaidCreditUsage, catch_up

A = "bea"


def test_an_allowance_granted_in_february_is_not_in_january_s_usage(tmp_path: Path) -> None:
    """Acme has 10 hours for 2025 from 1 January and buys 20 more for the spring on 1
    February: on 15 January only the 10 hours are listed; from 1 February both are."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.sqlite'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    year = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, granted_on=date(2025, 1, 1),
        period=Period(date(2025, 1, 1), date(2026, 1, 1)), actor=A,
    )  # fmt: skip
    spring = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=20, granted_on=date(2025, 2, 1),
        period=Period(date(2025, 1, 1), date(2025, 7, 1)), actor=A,
    )  # fmt: skip
    usage = PrepaidCreditUsage()
    catch_up(app, [usage])

    january = usage.usage(date(2025, 1, 15))
    assert [(u.allowance_id, u.granted) for u in january] == [(year.hex, Decimal(10))]
    assert usage.usage(date(2024, 12, 31)) == []
    february = {u.allowance_id: u.granted for u in usage.usage(date(2025, 2, 1))}
    assert february == {year.hex: Decimal(10), spring.hex: Decimal(20)}
    app.close()
