"""An independent reference for contract billing, for the property tests to hold q2c to.

Written from the rules (README, DESIGN.md and the ``q2c_core.domain.billing`` docstring) and
sharing no code with q2c's billing math: it never calls ``charge_period``, ``due_periods``,
``billing_periods``, ``day_count`` or ``Money.rounded``. It works day by day, in exact
fractions, the slow and obvious way:

- the billing periods are the frequency's months from an anchor (the term's start, or the
  first month of its calendar quarter or year), each ending on the same day of a later month
  or that month's last day;
- a period is due in advance once the first day the term covers of it has come, in arrears
  once the (exclusive) end of the days the term covers of it has come;
- a day weighs 1 (ACTUAL) or its 30E/360 length (``days360`` of the next day less its own:
  the 30th of a 31-day month weighs 0, the 31st 1, 28 February 3 in a common year);
- a sub-contract is charged, per period, for each day it is covered (effective_from <= day <
  effective_to) and the term runs, the annual price in force that day (the price point with
  the latest effective date on or before it, of two on one date the one recorded last; before
  the first point, the first point's price) x months / 12 x the day's weight / the period's
  weight; the sum is rounded once, half up, to the currency's minor unit.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    Period,
    PeriodAlignment,
    PricePoint,
    SubContract,
)

#: ISO 4217 minor units of the currencies the properties use
MINOR = {"EUR": 2, "USD": 2, "JPY": 0, "KWD": 3}
ONE_DAY = timedelta(days=1)


def month_add(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def days(first: date, end: date) -> Iterator[date]:
    """Every day of [first, end)."""
    day = first
    while day < end:
        yield day
        day += ONE_DAY


def days360(day: date) -> int:
    """A day's place on the 30E/360 calendar: every month 30 days, the 31st counted as the 30th."""
    return day.year * 360 + day.month * 30 + min(day.day, 30)


def weight(day: date, convention: DayCount) -> int:
    """What one day counts under a convention."""
    if convention is DayCount.ACTUAL:
        return 1
    return days360(day + ONE_DAY) - days360(day)


def period_weight(period: Period, convention: DayCount) -> int:
    """The days of a period under a convention, counted day by day."""
    return sum(weight(d, convention) for d in days(period.start, period.end))


def grid(term: Period, months: int, alignment: PeriodAlignment) -> list[Period]:
    """Every billing period sharing at least one day with the term."""
    if alignment is PeriodAlignment.ANNIVERSARY:
        anchor = term.start
    else:
        anchor = date(term.start.year, (term.start.month - 1) // months * months + 1, 1)
    result = []
    k = 0
    while month_add(anchor, k * months) < term.end:
        start, end = month_add(anchor, k * months), month_add(anchor, (k + 1) * months)
        if end > term.start:
            result.append(Period(start, end))
        k += 1
    return result


def covered_end(period: Period, term: Period) -> date:
    """The (exclusive) end of the days the term covers of a period."""
    return max(period.start, min(period.end, term.end))


def due(
    term: Period,
    frequency: BillingFrequency,
    alignment: PeriodAlignment,
    timing: BillingTiming,
    as_of: date,
) -> list[Period]:
    """The periods due to be billed on ``as_of`` (see the module's rules)."""
    result = []
    for p in grid(term, frequency.months, alignment):
        first, end = max(p.start, term.start), min(p.end, term.end)
        if first >= end:
            continue
        if (first if timing is BillingTiming.IN_ADVANCE else end) <= as_of:
            result.append(p)
    return result


def price_in_force(prices: Sequence[PricePoint], day: date) -> Fraction:
    """The annual price in force on a day."""
    found: PricePoint | None = None
    for p in prices:
        if p.effective <= day and (found is None or p.effective >= found.effective):
            found = p
    if found is None:
        first = min(p.effective for p in prices)
        found = [p for p in prices if p.effective == first][-1]
    return Fraction(found.annual_price.amount)


def is_covered(sub: SubContract, term: Period, day: date) -> bool:
    """The sub-contract covered and the term running on a day."""
    return (
        term.start <= day < term.end
        and sub.effective_from <= day
        and (sub.effective_to is None or day < sub.effective_to)
    )


def covered_weight(sub: SubContract, period: Period, term: Period, convention: DayCount) -> int:
    """The weight of the days of a period a sub-contract is covered in term."""
    return sum(
        weight(d, convention) for d in days(period.start, period.end) if is_covered(sub, term, d)
    )


def exact(
    sub: SubContract,
    period: Period,
    term: Period,
    frequency: BillingFrequency,
    convention: DayCount,
) -> Fraction:
    """The unrounded charge of a sub-contract's days in a period: day by day, at each day's
    price."""
    whole = period_weight(period, convention)
    share = Fraction(frequency.months, 12 * whole)
    return sum(
        (
            price_in_force(sub.prices, d) * weight(d, convention) * share
            for d in days(period.start, period.end)
            if is_covered(sub, term, d)
        ),
        Fraction(0),
    )


def rounded(value: Fraction, currency: str) -> Decimal:
    """An exact amount rounded once, half up (away from zero), to the currency's minor unit."""
    scaled = abs(value) * 10 ** MINOR[currency]
    units = int(scaled + Fraction(1, 2))  # (floor of a non-negative number)
    return Decimal(units if value >= 0 else -units).scaleb(-MINOR[currency])


def charge(
    sub: SubContract,
    period: Period,
    term: Period,
    frequency: BillingFrequency,
    convention: DayCount,
    currency: str,
) -> Decimal:
    """What a period charges for a sub-contract on one contract: its days, rounded once."""
    return rounded(exact(sub, period, term, frequency, convention), currency)
