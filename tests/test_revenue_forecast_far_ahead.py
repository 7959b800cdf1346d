"""A controller asks the revenue schedule about months far ahead: a forecast as of a day in
December 9999, twelve months from November 9999, or an evergreen contract's revenue in the
year 9990. The answer is a refusal naming what was asked (``as_of``, ``first_month``,
``months``), as ``recognised`` and ``unbilled`` refuse such days, never an ``AssertionError``
from inside nor an error naming an ``amount`` the caller never gave."""

from __future__ import annotations

from datetime import date

import pytest
from test_revenue_forecast import signed, sub

from q2c_core import InvalidValue, Money, QuoteToCash
from q2c_core.projections import RevenueSchedule, catch_up


def test_months_past_december_9999_are_refused_naming_what_was_asked() -> None:
    """No books at all: the question alone is the problem. December 9999's own month, from
    its first day, is still an answer (nothing)."""
    schedule = RevenueSchedule()
    with pytest.raises(InvalidValue) as forecast:
        schedule.forecast(date(9999, 12, 15))
    assert forecast.value.field == "as_of"
    with pytest.raises(InvalidValue) as months:
        schedule.forecast(date(9999, 6, 15), 12)
    assert months.value.field == "months"
    with pytest.raises(InvalidValue) as outlook:
        schedule.outlook(date(9999, 11, 1), 12)
    assert outlook.value.field == "months"
    with pytest.raises(InvalidValue) as by_month:
        schedule.by_month(date(9999, 12, 1), 1)
    assert by_month.value.field == "months"
    assert schedule.by_month(date(9999, 12, 1), 0) == []
    assert schedule.outlook(date(9999, 1, 1), 11) == []


def test_an_evergreen_contracts_revenue_in_9990_is_refused_naming_the_day() -> None:
    """Acme's 12,000.00 a year goes up 10 % at each renewal: by 9990 it is past any amount.
    The forecast says so of ``as_of``, the outlook of ``first_month``, as ``recognised`` says
    it of ``through``; a forecast of 2025 is answered as before."""
    app = QuoteToCash.open("memory:")
    signed(app, sub("erp", "12000.00"), auto_renew=True, renewal_uplift_percent=10)
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    with pytest.raises(InvalidValue) as forecast:
        schedule.forecast(date(9990, 6, 15), 3)
    assert forecast.value.field == "as_of"
    with pytest.raises(InvalidValue) as outlook:
        schedule.outlook(date(9990, 1, 1), 12)
    assert outlook.value.field == "first_month"
    with pytest.raises(InvalidValue) as recognised:
        schedule.recognised(date(9990, 6, 15))
    assert recognised.value.field == "through"
    january = schedule.outlook(date(2025, 1, 1), 1)
    assert [m.amount for m in january] == [Money.of("1100.00", "EUR")]  # (13,200.00 / 12)
    app.close()
