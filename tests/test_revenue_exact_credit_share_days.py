"""A billing run's credit of part of a billed period un-earns its days at their exact share
of the line it credits (that line's net times the days over its own days), a fraction no
Decimal holds; what it is billed at less that share is taken on its issue day. Carried
exactly, a day whose running total is exactly half a cent rounds half up, as every other
running total does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from test_revenue_credit_rounding_days import eur, open_app, run_and_issue, schedule, sign

from q2c_core.domain.contract import DayCount


def test_a_removed_sites_credit_leaves_a_half_cent_day_rounding_half_up(tmp_path: Path) -> None:
    """Contract A bills site s at 3.87 a year, contract B site u at 5,475.00 a year, both
    from 1 January 2024, quarterly in advance by 30E/360 (the quarter is 90 days). s is
    removed from 14 March; the run of 23 March credits its last 17 days, 0.19 (their share
    of its 0.97 is 0.1832...), issued that day. By the end of 27 March (87 days served) u
    has earned 1,368.75 x 87/90 = 1,323.125 and s all its days kept, 0.97 - 0.19 = 0.78:
    1,323.905, recognised 1,323.91 (the credit's share as a Decimal once made it 1,323.90)."""
    url, app, customer = open_app(tmp_path)
    a = sign(app, customer, "A", ("s",), date(2024, 1, 1), "3.87", day_count=DayCount.THIRTY_360)
    sign(app, customer, "B", ("u",), date(2024, 1, 1), "5475", day_count=DayCount.THIRTY_360)
    run_and_issue(app, date(2024, 1, 1))
    app.remove_sub_contract(a, "s", effective_to=date(2024, 3, 14), actor="mia")
    assert run_and_issue(app, date(2024, 3, 23))

    revenue = schedule(url, app)
    credit = [x for x in revenue.recognition_lines() if x.amount.is_negative()]
    assert [x.amount for x in credit] == [eur("-0.19")]
    assert revenue.recognised(date(2024, 3, 27)) == {"EUR": eur("1323.91")}
    quarter = revenue.by_month(date(2024, 1, 1), 3)
    assert sum((m.amount for m in quarter), eur(0)) == eur("1369.53")  # 1,368.75 + 0.78
