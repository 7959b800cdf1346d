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


def test_a_sub_contract_added_after_its_quarter_was_billed_earns_on_the_days_served() -> None:
    """Days a correction bills for the first time are ordinary service billed late: earned on
    the days served (a contract asset until invoiced), as if they had been known when the
    quarter was billed, whenever the run happens to bill them."""
    late = QuoteToCash.open("memory:")
    cid = contract(
        late, customer(late), subs=(sub("S1", price=12000),), frequency=BillingFrequency.QUARTERLY
    )
    _bill_and_issue(late, date(2024, 1, 1))
    late.add_sub_contract(cid, sub("S2", start=date(2024, 2, 10), price=3660), actor=A)
    _bill_and_issue(late, date(2024, 3, 1))

    known = QuoteToCash.open("memory:")
    contract(
        known,
        customer(known),
        subs=(sub("S1", price=12000), sub("S2", start=date(2024, 2, 10), price=3660)),
        frequency=BillingFrequency.QUARTERLY,
    )
    _bill_and_issue(known, date(2024, 1, 1))
    _bill_and_issue(known, date(2024, 3, 1))

    assert _months(late) == _months(known)
    assert _months(late)[date(2024, 2, 1)] == Decimal("1157.14")
    rs = RevenueSchedule()
    catch_up(late, [rs])
    # S2's 20 February days (10 a day), earned before they were invoiced on 1 March
    assert rs.contract_assets(date(2024, 2, 29)) == {"EUR": eur("201.10")}


def test_days_a_late_renewal_adds_to_a_period_billed_in_arrears_earn_when_served() -> None:
    """A contract billed in arrears is renewed after its term's last period was billed: the
    days the renewal adds to that period are billed by a correction, and earned on the days
    served, as an evergreen contract renewed in time earns them."""
    from q2c_core import Period
    from q2c_core.domain.contract import BillingTiming

    app = QuoteToCash.open("memory:")
    cid = contract(
        app,
        customer(app),
        subs=(sub("S1", price=3660),),
        term=Period(date(2024, 1, 1), date(2024, 2, 16)),
        frequency=BillingFrequency.QUARTERLY,
        timing=BillingTiming.IN_ARREARS,
    )
    _bill_and_issue(app, date(2024, 2, 16))
    app.renew_contract(cid, new_end=date(2024, 12, 31), effective=date(2024, 2, 16), actor=A)
    _bill_and_issue(app, date(2024, 4, 1))
    months = _months(app)
    assert months[date(2024, 3, 1)] == Decimal("311.70")  # 31 days at 10.055 a day
    assert months[date(2024, 4, 1)] == Decimal("0.00")
    rs = RevenueSchedule()
    catch_up(app, [rs])
    assert {x.rule for x in rs.recognition_lines()} == {"ratable"}


def test_the_forecast_counts_a_drafted_re_price_where_it_will_be_earned() -> None:
    """While a re-price's credit and re-billing are drafted, the forecast counts the days they
    cover that are served already in the month they are drafted in, as they will be earned
    once issued: May shows 4,000.00 (its own 2,000 and the catch-up) before and after."""
    app = QuoteToCash.open("memory:")
    cid = contract(app, customer(app), subs=(sub("S1", price=12000),))
    for month in (1, 2, 3):
        _bill_and_issue(app, date(2024, month, 1))
    app.reprice_sub_contract(
        cid, "S1", effective=date(2024, 2, 1), annual_price=eur(24000), actor=A
    )
    drafted = app.run_billing(date(2024, 5, 1), actor="run").invoice_ids
    # April and May, a credit note for each of February and March, the re-billing of both
    assert len(drafted) == 5

    def may() -> Decimal:
        rs = RevenueSchedule()
        catch_up(app, [rs])
        (month,) = rs.forecast(date(2024, 4, 30), 1)
        return month.amount.amount

    before = may()
    for invoice_id in drafted:
        issue(app, invoice_id, date(2024, 5, 1))
    assert may() == before
    # May (2,000), February and March billed again (4,000) less credited (2,000); April's own
    # invoice, issued late, earns in April
    assert before == Decimal("4000.00")


def test_a_free_month_priced_afterwards_changes_no_month_already_reported() -> None:
    """S2 was free in January (no invoice: nothing billed), then on 15 February priced at
    1,200.00 a year from 1 January: January billed again at the new price is a re-price, earned
    on its issue day, as it is when another sub-contract made January's invoice."""
    app = QuoteToCash.open("memory:")
    cid = contract(app, customer(app), subs=(sub("S2", price=0),))
    _bill_and_issue(app, date(2024, 1, 1))
    assert _months(app).get(date(2024, 1, 1), Decimal(0)) == Decimal(0)
    app.reprice_sub_contract(cid, "S2", effective=date(2024, 1, 1), annual_price=eur(1200), actor=A)
    _bill_and_issue(app, date(2024, 2, 15))
    months = _months(app)
    assert months[date(2024, 1, 1)] == Decimal("0.00")
    assert months[date(2024, 2, 1)] == Decimal("200.00")  # January's catch-up and February
