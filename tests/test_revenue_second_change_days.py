"""A second change of a sub-contract inside one billing period (a second new price, then its
removal) moves only the days from its own effective day on: the billing run splits its
rounding among the sub-contract's slices anew at each change, and what that moves of a slice
an earlier change ended is taken on the later change's day, never on the days before it.
Served and unbilled, and once the period is billed and issued as drafted."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_beancount_ledger import load_ok
from test_beancount_ledger_change_narration import recognitions
from test_revenue_credit_rounding_days import (
    eur,
    open_app,
    run_and_issue,
    schedule,
    sign,
    snapshot,
)

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import BillingTiming, QuoteToCash
from q2c_core.domain.contract import DayCount
from q2c_core.projections import RevenueSchedule

FIRST, LAST = date(2024, 1, 31), date(2024, 5, 10)


def two_sites_in_arrears(tmp_path: Path) -> tuple[str, QuoteToCash, UUID]:
    """Sites s and t at 1,000.00 a year from 31 January 2024, billed quarterly in arrears by
    30E/360 (the first quarter runs 31 January to 30 April)."""
    url, app, customer = open_app(tmp_path)
    contract = sign(
        app,
        customer,
        "A",
        ("s", "t"),
        FIRST,
        "1000",
        timing=BillingTiming.IN_ARREARS,
        day_count=DayCount.THIRTY_360,
    )
    return url, app, contract


def before(days: dict[date, dict[str, object]], day: date) -> dict[date, dict[str, object]]:
    return {d: v for d, v in days.items() if d < day}


def assert_books_balance(revenue: RevenueSchedule) -> None:
    """The months earn exactly what is invoiced, and each day what is recognised less
    contract assets plus what is deferred is what is invoiced by then."""
    invoiced = sum((x.amount for x in revenue.recognition_lines()), eur(0))
    assert sum((m.amount for m in revenue.by_month(date(2024, 1, 1), 6)), eur(0)) == invoiced
    day = FIRST
    while day <= LAST:
        to_date = revenue.to_date(day)
        earned = to_date.recognised.get("EUR", eur(0)) - to_date.contract_assets.get("EUR", eur(0))
        billed = sum(
            (x.amount for x in revenue.recognition_lines() if x.invoiced_on <= day), eur(0)
        )
        assert earned + revenue.deferred(day).get("EUR", eur(0)) == billed, day
        day += timedelta(days=1)


def test_a_second_re_price_in_the_quarter_leaves_the_days_of_the_first_as_they_were(
    tmp_path: Path,
) -> None:
    """Site s re-priced to 1,111.00 from 10 April, then to 2,000.01 from 16 April: the second
    re-price once moved recognised(10 April) 394.76 -> 394.75 (and each day to 15 April by a
    cent). Now 10 to 15 April stay; billing and issuing the quarter as drafted moves no day."""
    url, app, a = two_sites_in_arrears(tmp_path)
    app.reprice_sub_contract(
        a, "s", effective=date(2024, 4, 10), annual_price=eur(1111), actor="mia"
    )
    first = snapshot(schedule(url, app), FIRST, LAST)
    assert first[date(2024, 4, 10)] == {"EUR": eur("394.76")}

    app.reprice_sub_contract(
        a, "s", effective=date(2024, 4, 16), annual_price=eur("2000.01"), actor="mia"
    )
    second = snapshot(schedule(url, app), FIRST, LAST)
    assert before(second, date(2024, 4, 16)) == before(first, date(2024, 4, 16))

    app.remove_sub_contract(a, "s", effective_to=date(2024, 4, 25), actor="mia")
    removed = snapshot(schedule(url, app), FIRST, LAST)
    assert before(removed, date(2024, 4, 25)) == before(second, date(2024, 4, 25))

    assert run_and_issue(app, date(2024, 4, 30))
    revenue = schedule(url, app)
    assert snapshot(revenue, FIRST, LAST) == removed
    assert_books_balance(revenue)


def test_billed_in_advance_the_cent_a_second_re_price_moves_is_booked_on_its_day(
    tmp_path: Path,
) -> None:
    """The same re-prices recorded before the quarter is billed in advance on 31 January: the
    run bills s's 31 January to 9 April apart (L1, 194.44), a cent less than the split of the
    quarter the first re-price alone would have charged it. Neither re-price moves a day
    before it, issuing moves no day, and the books take that cent on 16 April, "on change"."""
    url, app, customer = open_app(tmp_path)
    a = sign(
        app,
        customer,
        "A",
        ("s", "t"),
        FIRST,
        "1000",
        timing=BillingTiming.IN_ADVANCE,
        day_count=DayCount.THIRTY_360,
    )
    app.reprice_sub_contract(
        a, "s", effective=date(2024, 4, 10), annual_price=eur(1111), actor="mia"
    )
    first = snapshot(schedule(url, app), FIRST, LAST)
    app.reprice_sub_contract(
        a, "s", effective=date(2024, 4, 16), annual_price=eur("2000.01"), actor="mia"
    )
    second = snapshot(schedule(url, app), FIRST, LAST)
    assert before(second, date(2024, 4, 16)) == before(first, date(2024, 4, 16))

    assert run_and_issue(app, FIRST)
    revenue = schedule(url, app)
    assert snapshot(revenue, FIRST, LAST) == second
    assert_books_balance(revenue)
    books = recognitions(load_ok(export_ledger(app)), "L1")
    assert books[-2:] == [
        (date(2024, 4, 10), "on change", "2024-04-10..2024-04-10"),
        (date(2024, 4, 16), "on change", "2024-04-16..2024-04-16"),
    ]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    changes=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=88),
            st.decimals(min_value=1, max_value=9999, places=2),
        ),
        min_size=2,
        max_size=4,
        unique_by=lambda c: c[0],
    )
)
def test_each_change_inside_the_quarter_leaves_every_day_before_it_as_it_was(
    changes: list[tuple[int, object]],
) -> None:
    """Any re-prices of s inside its first quarter, recorded in the order of their effective
    days: each leaves every day before its effective day as it was; billing and issuing the
    quarter as drafted moves no day, and the books balance."""
    with tempfile.TemporaryDirectory() as tmp:
        url, app, a = two_sites_in_arrears(Path(tmp))
        days = snapshot(schedule(url, app), FIRST, LAST)
        for offset, price in sorted(changes):
            effective = FIRST + timedelta(days=offset)
            app.reprice_sub_contract(
                a, "s", effective=effective, annual_price=eur(str(price)), actor="mia"
            )
            now = snapshot(schedule(url, app), FIRST, LAST)
            assert before(now, effective) == before(days, effective), effective
            days = now
        assert run_and_issue(app, date(2024, 4, 30))
        revenue = schedule(url, app)
        assert snapshot(revenue, FIRST, LAST) == days
        assert_books_balance(revenue)
