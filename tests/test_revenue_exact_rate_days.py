"""A slice a change of its sub-contract ends earns its days at the rate of the slice it was
before the change: that slice's amount times the slice's days over its own days, a rate no
Decimal holds exactly. Carried as an exact fraction, a day whose running total is exactly half
a cent rounds as it did before the change was recorded, so recording a change moves no day
before its effective day, not even by a cent on one day."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_revenue_credit_rounding_days import eur, run_and_issue, schedule, snapshot
from test_revenue_second_change_days import (
    FIRST,
    LAST,
    assert_books_balance,
    before,
    two_sites_in_arrears,
)


def test_removing_a_re_priced_site_leaves_the_days_before_its_removal(tmp_path: Path) -> None:
    """Site s re-priced to 1.00 a year from 12 April, then removed from 24 April: the removal
    once moved recognised(20 April) 425.03 -> 425.02. Now every day before 24 April stays, and
    billing and issuing the quarter as drafted moves no day."""
    url, app, a = two_sites_in_arrears(tmp_path)
    app.reprice_sub_contract(a, "s", effective=date(2024, 4, 12), annual_price=eur(1), actor="mia")
    re_priced = snapshot(schedule(url, app), FIRST, LAST)
    assert re_priced[date(2024, 4, 20)] == {"EUR": eur("425.03")}

    app.remove_sub_contract(a, "s", effective_to=date(2024, 4, 24), actor="mia")
    removed = snapshot(schedule(url, app), FIRST, LAST)
    assert removed[date(2024, 4, 20)] == {"EUR": eur("425.03")}
    assert before(removed, date(2024, 4, 24)) == before(re_priced, date(2024, 4, 24))

    assert run_and_issue(app, date(2024, 4, 30))
    revenue = schedule(url, app)
    assert snapshot(revenue, FIRST, LAST) == removed
    assert_books_balance(revenue)


def test_a_second_re_price_leaves_the_days_of_the_first_to_the_cent(tmp_path: Path) -> None:
    """Site s re-priced to 1.02 a year from 12 March, then to 1.00 from 2 April: the second
    re-price once moved recognised(23 March) 266.70 -> 266.69. Now every day before 2 April
    stays, and billing and issuing the quarter as drafted moves no day."""
    url, app, a = two_sites_in_arrears(tmp_path)
    app.reprice_sub_contract(
        a, "s", effective=date(2024, 3, 12), annual_price=eur("1.02"), actor="mia"
    )
    first = snapshot(schedule(url, app), FIRST, LAST)
    assert first[date(2024, 3, 23)] == {"EUR": eur("266.70")}

    app.reprice_sub_contract(a, "s", effective=date(2024, 4, 2), annual_price=eur(1), actor="mia")
    second = snapshot(schedule(url, app), FIRST, LAST)
    assert second[date(2024, 3, 23)] == {"EUR": eur("266.70")}
    assert before(second, date(2024, 4, 2)) == before(first, date(2024, 4, 2))

    assert run_and_issue(app, date(2024, 4, 30))
    revenue = schedule(url, app)
    assert snapshot(revenue, FIRST, LAST) == second
    assert_books_balance(revenue)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    changes=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=80),
            st.decimals(min_value=1, max_value=9999, places=2),
        ),
        min_size=1,
        max_size=3,
        unique_by=lambda c: c[0],
    ),
    after=st.integers(min_value=1, max_value=8),
)
# s re-priced to 1.01 from 1 February, to 1.00 from 30 March, then removed from 31 March:
# the removal once moved recognised(30 March) 169.62 -> 169.61
@example(changes=[(1, Decimal("1.01")), (59, Decimal("1.00"))], after=1)
def test_re_prices_then_a_removal_inside_the_quarter_leave_every_day_before_each(
    changes: list[tuple[int, object]], after: int
) -> None:
    """Any re-prices of s inside its first quarter, then its removal some days after the last
    of them, recorded in the order of their effective days: each leaves every day before its
    effective day as it was; billing and issuing the quarter as drafted moves no day, and the
    books balance."""
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
        removal = FIRST + timedelta(days=max(offset for offset, _ in changes) + after)
        app.remove_sub_contract(a, "s", effective_to=removal, actor="mia")
        now = snapshot(schedule(url, app), FIRST, LAST)
        assert before(now, removal) == before(days, removal), removal
        assert run_and_issue(app, date(2024, 4, 30))
        revenue = schedule(url, app)
        assert snapshot(revenue, FIRST, LAST) == now
        assert_books_balance(revenue)
