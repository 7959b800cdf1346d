"""The pure contract-billing rules: periods, day counts, proration, rounding, corrections."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import billing_oracle as oracle
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core.domain.billing import (
    PastDuePolicy,
    add_months,
    billing_period_containing,
    billing_periods,
    charge_period,
    correct_period,
    day_count,
    due_periods,
    period_charge,
    renewal_end,
    round_parts,
    slices_total,
    whole_months,
)
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    PeriodAlignment,
    PricePoint,
    SubContract,
    SubContractKind,
)
from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.money import Money
from q2c_core.domain.values import Period

EUR = "EUR"
FREQS = list(BillingFrequency)
ALIGNS = list(PeriodAlignment)
CONVENTIONS = list(DayCount)
FAST = settings(max_examples=60, deadline=None)


def eur(x: str | int) -> Money:
    return Money.of(x, EUR)


def sub(
    sub_id: str = "S1",
    start: date = date(2024, 1, 1),
    price: str = "1200",
    end: date | None = None,
    more: tuple[PricePoint, ...] = (),
) -> SubContract:
    return SubContract(
        sub_id,
        f"sub {sub_id}",
        SubContractKind.PRODUCT,
        start,
        [PricePoint(start, eur(price)), *more],
        effective_to=end,
    )


days_st = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
# the days a month's end or a leap day makes special (30E/360 counts the 30th and 31st alike and
# 28 February as three days; an anniversary on the 31st or on 29 February clamps), and any day
starts = st.one_of(
    st.sampled_from(
        [
            date(2024, 2, 29),
            date(2024, 1, 31),
            date(2024, 1, 30),
            date(2023, 2, 28),
            date(2024, 3, 31),
            date(2024, 4, 30),
            date(2024, 8, 31),
            date(2024, 12, 31),
        ]
    ),
    days_st,
)
# a year of days, a leap year's, a quarter's, odd lengths, a whole year of months (None)
term_lengths = st.sampled_from([365, 366, 90, 200, 400, 45, None])
CURRENCIES = ["EUR", "JPY", "KWD"]  # two, none and three minor digits
# annual prices in minor units: free, a tiny one that prorates to nothing, round and odd ones
price_units = st.sampled_from([0, 1, 99, 120_000, 100_000, 365_000, 999_999, 1_234_567])


def term_of(start: date, length: int | None) -> Period:
    """A term from ``start``: ``length`` days, or twelve months."""
    end = oracle.month_add(start, 12) if length is None else start + timedelta(days=length)
    return Period(start, end)


# -- periods -------------------------------------------------------------------------------------


def test_add_months_clamps_to_the_month_end_without_drifting() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 2) == date(2024, 3, 31)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2024, 5, 15), -5) == date(2023, 12, 15)


def test_anniversary_periods_on_the_31st_follow_the_anchor() -> None:
    term = Period(date(2024, 1, 31), date(2024, 5, 31))
    periods = billing_periods(term, BillingFrequency.MONTHLY, PeriodAlignment.ANNIVERSARY)
    assert [p.start for p in periods] == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
    ]
    assert periods[-1].end == date(2024, 5, 31)


def test_calendar_quarters_start_in_january_april_july_october() -> None:
    term = Period(date(2024, 2, 15), date(2025, 2, 15))
    periods = billing_periods(term, BillingFrequency.QUARTERLY, PeriodAlignment.CALENDAR)
    assert periods[0] == Period(date(2024, 1, 1), date(2024, 4, 1))
    assert periods[-1] == Period(date(2025, 1, 1), date(2025, 4, 1))
    assert {p.start.month for p in periods} == {1, 4, 7, 10}


def test_annual_calendar_and_containing_period() -> None:
    term = Period(date(2024, 7, 1), date(2026, 7, 1))
    periods = billing_periods(term, BillingFrequency.ANNUAL, PeriodAlignment.CALENDAR)
    assert [p.start.year for p in periods] == [2024, 2025, 2026]
    assert billing_period_containing(
        date(2025, 3, 3), term, BillingFrequency.ANNUAL, PeriodAlignment.CALENDAR
    ) == Period(date(2025, 1, 1), date(2026, 1, 1))


@FAST
@given(
    start=days_st,
    length=st.integers(min_value=1, max_value=900),
    freq=st.sampled_from(FREQS),
    align=st.sampled_from(ALIGNS),
)
def test_periods_tile_the_term(
    start: date, length: int, freq: BillingFrequency, align: PeriodAlignment
) -> None:
    """Billing periods follow each other without gap or overlap and cover every day of the term;
    each lasts exactly the frequency's months."""
    term = Period(start, start + timedelta(days=length))
    periods = billing_periods(term, freq, align)
    assert periods[0].start <= term.start and periods[-1].end >= term.end
    for a, b in itertools.pairwise(periods):
        assert a.end == b.start
    for p in periods:
        assert p.overlaps(term)
        assert whole_months(p) == freq.months or align is PeriodAlignment.ANNIVERSARY
    for day in (term.start, term.end - timedelta(days=1)):
        assert billing_period_containing(day, term, freq, align) in periods


def test_in_advance_bills_a_period_once_it_starts_in_arrears_once_it_ends() -> None:
    term = Period(date(2024, 1, 1), date(2025, 1, 1))
    args = (term, BillingFrequency.MONTHLY, PeriodAlignment.CALENDAR)
    advance = due_periods(*args, BillingTiming.IN_ADVANCE, date(2024, 3, 1))
    arrears = due_periods(*args, BillingTiming.IN_ARREARS, date(2024, 3, 1))
    assert [p.start.month for p in advance] == [1, 2, 3]
    assert [p.start.month for p in arrears] == [1, 2]
    assert due_periods(*args, BillingTiming.IN_ADVANCE, date(2023, 12, 31)) == []


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    start=starts,
    length=term_lengths,
    freq=st.sampled_from(FREQS),
    align=st.sampled_from(ALIGNS),
    timing=st.sampled_from(list(BillingTiming)),
)
def test_due_periods_are_those_the_rule_names(
    data: st.DataObject,
    start: date,
    length: int | None,
    freq: BillingFrequency,
    align: PeriodAlignment,
    timing: BillingTiming,
) -> None:
    """The periods of a term are the frequency's months from the anchor (the term's start, or
    the start of its calendar month, quarter or year), each ending on the same day of a later
    month or that month's last day; a period is due in advance once the first day the term
    covers of it has come, in arrears once the end of the days the term covers of it has come
    (a term ending mid-period: its end). Checked against a reference written in the test, on
    the days either side of every boundary, where a day too early or too late shows."""
    term = term_of(start, length)
    reference_grid = oracle.grid(term, freq.months, align)
    assert billing_periods(term, freq, align) == reference_grid
    boundaries = sorted(
        {d for p in reference_grid for d in (p.start, p.end, oracle.covered_end(p, term))}
    )
    near = st.builds(
        lambda day, shift: day + timedelta(days=shift),
        st.sampled_from(boundaries),
        st.integers(min_value=-1, max_value=1),
    )
    anywhere = st.dates(
        min_value=term.start - timedelta(days=40), max_value=term.end + timedelta(days=400)
    )
    for as_of in data.draw(st.lists(st.one_of(near, near, anywhere), min_size=1, max_size=6)):
        expected = oracle.due(term, freq, align, timing, as_of)
        assert due_periods(term, freq, align, timing, as_of) == expected, as_of


# -- day count and proration -------------------------------------------------------------------


def test_day_counts() -> None:
    feb = Period(date(2024, 2, 1), date(2024, 3, 1))
    assert day_count(feb, DayCount.ACTUAL) == 29
    assert day_count(feb, DayCount.THIRTY_360) == 30
    assert day_count(Period(date(2024, 1, 1), date(2025, 1, 1)), DayCount.THIRTY_360) == 360
    assert day_count(Period(date(2024, 1, 30), date(2024, 1, 31)), DayCount.THIRTY_360) == 0


def test_the_30_360_day_count_is_30e_360_the_eurobond_basis() -> None:
    """``DayCount.THIRTY_360`` ("30/360" in a contract import) is 30E/360, as the README names
    it: a 31st counts as the 30th at either end of a period, and February has no rule of its
    own. The US 30/360 (bond basis) would keep an end on the 31st after a start before the
    30th (76 days from 15 January to 31 March) and count from the end of February as from
    the 30th, or at least keep the 31st (30 or 33 days from 28 February 2023 to 31 March)."""

    def days(start: date, end: date) -> int:
        return day_count(Period(start, end), DayCount.THIRTY_360)

    assert days(date(2024, 1, 15), date(2024, 3, 31)) == 75
    assert days(date(2023, 2, 28), date(2023, 3, 31)) == 32
    assert days(date(2024, 1, 31), date(2024, 3, 31)) == 60


def test_the_readme_s_30e_360_example_counts_the_days_served() -> None:
    """The README counts days as q2c's periods do, the last day served included: 15 January
    through 30 March (a period ending 31 March, the first day it does not cover) is 75 days
    under 30E/360, where the US bond basis counts 76; served through 31 March, the quarter's
    last day, it is 76 of the quarter's 90, as the invoice line says (76/90 days)."""

    def through(first: date, last: date) -> int:
        return day_count(Period(first, last + timedelta(days=1)), DayCount.THIRTY_360)

    assert through(date(2024, 1, 15), date(2024, 3, 30)) == 75
    assert through(date(2024, 1, 15), date(2024, 3, 31)) == 76
    assert through(date(2024, 1, 1), date(2024, 3, 31)) == 90


@FAST
@given(a=days_st, b=days_st, c=days_st, convention=st.sampled_from(CONVENTIONS))
def test_day_counts_add_up(a: date, b: date, c: date, convention: DayCount) -> None:
    """Days of [a, b) plus days of [b, c) are the days of [a, c), under either convention."""
    a, b, c = sorted((a, b, c))
    whole = day_count(Period(a, c), convention)
    assert day_count(Period(a, b), convention) + day_count(Period(b, c), convention) == whole


def test_period_charge_is_the_annual_share() -> None:
    assert period_charge(eur(1200), BillingFrequency.MONTHLY) == Decimal(100)
    assert period_charge(eur(1000), BillingFrequency.QUARTERLY) == Decimal(250)


def test_each_period_of_an_annual_price_is_rounded_on_its_own() -> None:
    """Each period's charge stands on its own, rounded to the cent once per sub-contract and
    period, so a correction touches exactly its days; an annual price twelve does not divide
    therefore bills within half a cent a month of it (the README says so): 100.00 a year billed
    monthly is 8.33 a month, 99.96 over the year; 1,234.57 is 102.88 a month, 1,234.56 a year."""
    year = Period(date(2025, 1, 1), date(2026, 1, 1))
    for annual, month, total in [("100.00", "8.33", "99.96"), ("1234.57", "102.88", "1234.56")]:
        one = sub("S1", date(2025, 1, 1), annual)
        months = billing_periods(year, BillingFrequency.MONTHLY, PeriodAlignment.CALENDAR)
        charged = [
            slices_total(
                charge_period([one], m, year, BillingFrequency.MONTHLY, DayCount.ACTUAL, EUR), EUR
            )
            for m in months
        ]
        assert len(charged) == 12 and set(charged) == {eur(month)}
        assert sum((c.amount for c in charged), Decimal(0)) == Decimal(total)
        # billed annually the same price is billed to the cent
        (annual_period,) = billing_periods(year, BillingFrequency.ANNUAL, PeriodAlignment.CALENDAR)
        whole = charge_period(
            [one], annual_period, year, BillingFrequency.ANNUAL, DayCount.ACTUAL, EUR
        )
        assert slices_total(whole, EUR) == eur(annual)


@FAST
@given(
    exact=st.lists(
        st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False),
        min_size=1,
        max_size=12,
    )
)
def test_rounded_parts_add_up_to_the_rounded_whole(exact: list[Decimal]) -> None:
    """Rounding the parts never loses or creates a cent: they sum to the rounded whole."""
    parts = round_parts(exact, EUR)
    whole = Money(sum(exact, Decimal(0)), EUR).rounded()
    assert sum((p.amount for p in parts), Decimal(0)) == whole.amount
    assert all(p.is_rounded() for p in parts)


@FAST
@given(
    price=st.integers(min_value=0, max_value=10**6),
    cuts=st.lists(st.integers(min_value=1, max_value=90), max_size=6, unique=True),
    freq=st.sampled_from(FREQS),
    convention=st.sampled_from(CONVENTIONS),
    start=days_st,
)
def test_splitting_a_period_bills_exactly_the_whole(
    price: int, cuts: list[int], freq: BillingFrequency, convention: DayCount, start: date
) -> None:
    """However a period is cut into sub-periods (price points that change nothing but the split,
    or prices that differ by a cent), the rounded slices of one sub-contract add up to the
    charge of the whole period rounded once (the test's day-by-day reference,
    ``billing_oracle``): never a cent more or less."""
    period = Period(start, add_months(start, freq.months))
    term = Period(start, add_months(start, 12))
    points = tuple(
        PricePoint(start + timedelta(days=c), Money.of(price + (i % 2) * Decimal("0.01"), EUR))
        for i, c in enumerate(sorted(cuts))
        if start + timedelta(days=c) < period.end
    )
    s = sub(start=start, price=str(price), more=points)
    slices = charge_period([s], period, term, freq, convention, EUR)
    expected = oracle.charge(s, period, term, freq, convention, EUR)
    assert slices_total(slices, EUR).amount == expected
    assert sum(s2.days for s2 in slices) <= day_count(period, convention)
    if not points:
        assert slices_total(slices, EUR) == Money(period_charge(eur(price), freq), EUR).rounded()


@st.composite
def sub_contracts_around(draw: st.DrawFn, period: Period, currency: str, n: int) -> SubContract:
    """A sub-contract starting before or inside a period, ending (often) inside it or after it,
    with up to three more price points before or inside it (two on one day at times)."""
    span = period.days
    cents = Decimal(1).scaleb(-oracle.MINOR[currency])

    def price() -> Money:
        return Money(draw(price_units) * cents, currency)

    begin = period.start + timedelta(
        days=draw(
            st.one_of(
                st.integers(min_value=-40, max_value=0),  # there all period long, or to its end
                st.integers(min_value=1, max_value=span - 1),  # added mid-period
            )
        )
    )
    inside = st.integers(min_value=1, max_value=span - 1).map(
        lambda k: max(begin, period.start) + timedelta(days=k)
    )
    end = draw(
        st.one_of(
            st.none(),
            inside.filter(lambda day: day < period.end),  # removed mid-period
            st.integers(min_value=1, max_value=span + 20).map(lambda k: begin + timedelta(k)),
        )
    )
    shifts = st.lists(st.integers(min_value=-10, max_value=span), min_size=1, max_size=3)
    more = []
    for shift in draw(st.one_of(st.just([]), shifts)):
        more.append(PricePoint(period.start + timedelta(days=shift), price()))
        if draw(st.integers(min_value=0, max_value=5)) == 0:  # re-priced again that day
            more.append(PricePoint(period.start + timedelta(days=shift), price()))
    return SubContract(
        f"S{n}",
        f"sub {n}",
        SubContractKind.PRODUCT,
        begin,
        [PricePoint(begin, price()), *more],
        effective_to=end,
    )


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    start=starts,
    length=term_lengths,
    freq=st.sampled_from(FREQS),
    align=st.sampled_from(ALIGNS),
    convention=st.sampled_from(CONVENTIONS),
    currency=st.sampled_from(CURRENCIES),
)
def test_a_period_charges_each_covered_day_at_the_price_in_force_that_day(
    data: st.DataObject,
    start: date,
    length: int | None,
    freq: BillingFrequency,
    align: PeriodAlignment,
    convention: DayCount,
    currency: str,
) -> None:
    """Per sub-contract and period, the charge is, to the minor unit, the sum over each day
    it is covered in term (from its first day, up to but not including its end) of the annual
    price in force that day x months / 12 x the day's weight / the period's weight (1 a day,
    or its 30E/360 length), rounded once; every slice states the price in force on each of its
    days and counts its days by the convention; the slices' days add up to the covered days,
    counted independently; no covered day with weight is left out, none is billed twice.
    The reference is the test's own (``billing_oracle``): q2c's sums never grade themselves."""
    term = term_of(start, length)
    periods = oracle.grid(term, freq.months, align)
    period = data.draw(st.sampled_from(periods[:3] + periods[-2:]))
    subs = [
        data.draw(sub_contracts_around(period, currency, n))
        for n in range(data.draw(st.integers(min_value=1, max_value=3)))
    ]
    slices = charge_period(subs, period, term, freq, convention, currency)
    whole = oracle.period_weight(period, convention)
    for s in subs:
        mine = [x for x in slices if x.sub_id == s.sub_id]
        expected = oracle.charge(s, period, term, freq, convention, currency)
        assert slices_total(mine, currency).amount == expected, (s, mine)
        billed_days: list[date] = []
        for x in mine:
            assert x.period_days == whole
            assert x.days == sum(oracle.weight(d, convention) for d in x.period.each_day())
            for day in x.period.each_day():
                assert oracle.is_covered(s, term, day), (x, day)
                assert x.annual_price.amount == oracle.price_in_force(s.prices, day), (x, day)
                billed_days.append(day)
        assert len(billed_days) == len(set(billed_days))
        assert sum(x.days for x in mine) == oracle.covered_weight(s, period, term, convention)
        weighty = {
            d
            for d in period.each_day()
            if oracle.is_covered(s, term, d) and oracle.weight(d, convention)
        }
        assert weighty <= set(billed_days)


def test_a_sub_contract_added_mid_month_is_prorated_by_actual_days() -> None:
    period = Period(date(2024, 1, 1), date(2024, 2, 1))
    s = sub(start=date(2024, 1, 10), price="1000")
    [line] = charge_period(
        [s],
        period,
        Period(date(2024, 1, 1), date(2025, 1, 1)),
        BillingFrequency.MONTHLY,
        DayCount.ACTUAL,
        EUR,
    )
    assert (line.days, line.period_days) == (22, 31)
    assert line.amount == eur("59.14")  # 1000 / 12 * 22 / 31 = 59.139...


def test_thirty_360_prorates_by_thirty_day_months() -> None:
    period = Period(date(2024, 2, 1), date(2024, 3, 1))
    s = sub(start=date(2024, 2, 16), price="1200")
    [line] = charge_period(
        [s],
        period,
        Period(date(2024, 1, 1), date(2025, 1, 1)),
        BillingFrequency.MONTHLY,
        DayCount.THIRTY_360,
        EUR,
    )
    assert (line.days, line.period_days) == (15, 30)
    assert line.amount == eur("50.00")


# -- corrections ------------------------------------------------------------------------------


@FAST
@given(
    old_from=st.integers(min_value=0, max_value=40),
    old_to=st.integers(min_value=1, max_value=95),
    new_from=st.integers(min_value=0, max_value=40),
    new_to=st.integers(min_value=1, max_value=95),
    old_price=st.integers(min_value=0, max_value=100_000),
    new_price=st.integers(min_value=0, max_value=100_000),
    reprice_at=st.integers(min_value=1, max_value=89),
    freq=st.sampled_from(FREQS),
    convention=st.sampled_from(CONVENTIONS),
)
def test_corrections_bill_exactly_the_difference(
    old_from: int,
    old_to: int,
    new_from: int,
    new_to: int,
    old_price: int,
    new_price: int,
    reprice_at: int,
    freq: BillingFrequency,
    convention: DayCount,
) -> None:
    """What was billed, less the credits, plus the extra charges, is exactly what today's history
    charges for the period (each covered day at its price, rounded once: the test's reference,
    ``billing_oracle``); and every credited or charged day is a day whose price changed."""
    start = date(2024, 1, 1)
    period = Period(start, add_months(start, freq.months))
    term = Period(start, add_months(start, 12))

    def make(a: int, b: int, price: int, reprice: bool) -> SubContract:
        begin = start + timedelta(days=a)
        end = begin + timedelta(days=max(1, b))
        more = (PricePoint(start + timedelta(days=reprice_at), eur(new_price)),) if reprice else ()
        return sub(start=begin, price=str(price), end=end, more=more)

    before = charge_period(
        [make(old_from, old_to, old_price, False)], period, term, freq, convention, EUR
    )
    fresh = charge_period(
        [make(new_from, new_to, old_price, True)], period, term, freq, convention, EUR
    )
    fix = correct_period(before, fresh, period, freq, convention, EUR)
    now = make(new_from, new_to, old_price, True)
    expected = oracle.charge(now, period, term, freq, convention, EUR)
    assert slices_total(fresh, EUR).amount == expected
    credited = sum((c.amount.amount for c in fix.credits), Decimal(0))
    charged = sum((c.amount.amount for c in fix.charges), Decimal(0))
    assert slices_total(before, EUR).amount - credited + charged == slices_total(fresh, EUR).amount
    assert all(not c.amount.is_negative() for c in (*fix.credits, *fix.charges))

    def price_on(slices: list, day: date) -> Money | None:  # type: ignore[type-arg]
        return next((s.annual_price for s in slices if day in s.period), None)

    for c in (*fix.credits, *fix.charges):
        for day in c.period.each_day():
            assert price_on(before, day) != price_on(fresh, day)
    if before == fresh:
        assert fix.is_empty


# -- renewal and past-due policy ----------------------------------------------------------------


def test_renewal_end_by_months_or_days() -> None:
    term = Period(date(2024, 1, 31), date(2025, 1, 31))
    assert renewal_end(term, 12, term.days) == date(2026, 1, 31)
    assert renewal_end(Period(date(2024, 1, 1), date(2024, 3, 15)), None, 74) == date(2024, 5, 28)


def test_past_due_policy_counts_from_the_due_date_and_needs_money_owed() -> None:
    policy = PastDuePolicy(days=30)
    due = date(2024, 3, 1)
    assert policy.reason([("INV-1", due, eur(10))], date(2024, 3, 30)) is None
    reason = policy.reason([("INV-1", due, eur(10))], date(2024, 3, 31))
    assert reason is not None and "INV-1" in reason and "30 days" in reason
    assert policy.reason([("INV-1", due, eur(0))], date(2025, 1, 1)) is None
    with pytest.raises(InvalidValue) as e:
        PastDuePolicy(days=0)
    assert e.value.field == "days"
