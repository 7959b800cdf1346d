"""A correction of days already billed and served is recognised when it is issued, both ways.

A back-dated re-price makes the billing run credit the old price's days and bill them again at
the new price. The credit un-earns the days already served on its issue day (a cumulative
catch-up); the extra lines must earn those days the same way, or the months already reported
are restated (overstated by the new price while the old is still counted) and the month of the
correction goes negative. The months add up to the same total either way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_contract_billing import A, contract, customer, eur, issue, sub

from q2c_core import BillingFrequency, QuoteToCash
from q2c_core.projections import RevenueSchedule, catch_up


def _bill_and_issue(app: QuoteToCash, on: date) -> None:
    for invoice_id in app.run_billing(on, actor="run").invoice_ids:
        issue(app, invoice_id, on)


def _months(app: QuoteToCash) -> dict[date, Decimal]:
    rs = RevenueSchedule()
    catch_up(app, [rs])
    return {m.month: m.amount.amount for m in rs.by_month(date(2024, 1, 1), 5)}


def test_back_dated_reprice_changes_no_month_already_reported() -> None:
    app = QuoteToCash.open("memory:")
    cid = contract(app, customer(app), subs=(sub("S1", price=12000),))
    for month in (1, 2, 3):
        _bill_and_issue(app, date(2024, month, 1))
    before = _months(app)
    assert [before[date(2024, m, 1)] for m in (1, 2, 3)] == [Decimal("1000.00")] * 3

    # on 10 April the price is agreed to have doubled from 1 February
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 2, 1), annual_price=eur(24000), actor=A
    )
    _bill_and_issue(app, date(2024, 4, 10))

    after = _months(app)
    # January to March stay as reported: the correction is earned on its issue day
    assert [after[date(2024, m, 1)] for m in (1, 2, 3)] == [Decimal("1000.00")] * 3
    # April: its own month at the new price (2,000) and the catch-up of February and March
    # (billed again at 4,000, their 2,000 credited)
    assert after[date(2024, 4, 1)] == Decimal("4000.00")
    # in all, what the prices in force earn: January at 1,000, February to April at 2,000
    assert sum(after.values()) == Decimal("7000.00")


def test_correction_lines_earn_their_later_days_day_by_day() -> None:
    """Days of a correction still to come when it is issued are earned as they pass, like any
    contract line: only the days already served catch up on the issue day."""
    app = QuoteToCash.open("memory:")
    cid = contract(
        app, customer(app), subs=(sub("S1", price=12000),), frequency=BillingFrequency.QUARTERLY
    )
    _bill_and_issue(app, date(2024, 1, 1))  # Q1 in advance: 3,000
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 1, 1), annual_price=eur(24000), actor=A
    )
    _bill_and_issue(app, date(2024, 2, 1))  # Q1 credited (3,000) and billed again (6,000)

    months = _months(app)
    # January as reported (31 of 91 days of 3,000); February: the catch-up of January at the
    # new price less the old, and February's own days at the new price; March its own days
    assert months[date(2024, 1, 1)] == Decimal("1021.98")
    assert months[date(2024, 2, 1)] + months[date(2024, 3, 1)] == Decimal("4978.02")
    assert months[date(2024, 3, 1)] == Decimal("2043.96")  # 31 of 91 days of 6,000
    rs = RevenueSchedule()
    catch_up(app, [rs])
    # the day before the correction is issued nothing of it is earned yet
    assert rs.recognised(date(2024, 1, 31)) == {"EUR": eur("1021.98")}
    rules = {x.rule for x in rs.recognition_lines() if x.amount.amount > 0}
    assert "ratable_catch_up" in rules

