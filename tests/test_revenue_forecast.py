"""The revenue forecast a finance person reads: what issued invoices will still earn
(``scheduled``) and what signed contracts commit to that is not issued yet (``contracted``),
month by month, so a monthly or quarterly maintenance contract does not vanish from the
forecast after the period billed today."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_projections_story import issue

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    DayCount,
    InvalidValue,
    Money,
    Period,
    PeriodAlignment,
    PricePoint,
    Q2CError,
    QuoteToCash,
    SubContract,
    SubContractKind,
    billing_periods,
    charge_period,
)
from q2c_core.projections import Follower, ProjectionStore, RevenueSchedule, catch_up, rebuild
from q2c_core.projections.revenue import MonthForecast, ratable_by_month, recognised_through

A = "alice"
YEAR_2024 = Period(date(2024, 1, 1), date(2025, 1, 1))


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def sub(sub_id: str, price: str, start: date = date(2024, 1, 1)) -> SubContract:
    return SubContract(
        sub_id,
        f"{sub_id} maintenance",
        SubContractKind.LICENCE,
        start,
        [PricePoint(start, eur(price))],
    )


def signed(
    app: QuoteToCash,
    *subs: SubContract,
    term: Period = YEAR_2024,
    frequency: BillingFrequency = BillingFrequency.MONTHLY,
    number: str = "MC-1",
    **options: object,
) -> UUID:
    """A customer signs a maintenance contract and it is activated on its first day."""
    customer = app.register_customer(f"Acme {number}", "EUR", account_manager="mia", actor=A)
    contract = app.sign_contract(
        customer,
        number=number,
        term=term,
        frequency=frequency,
        signed_on=term.start - timedelta(days=14),
        actor=A,
        sub_contracts=list(subs),
        **options,  # type: ignore[arg-type]
    )
    app.activate_contract(contract, effective=term.start, actor=A)
    return contract


def bill(app: QuoteToCash, as_of: date, *, issue_them: bool = True) -> list[UUID]:
    """The billing run as of a day; its invoices approved and issued that day (or left drafted)."""
    drafted = app.run_billing(as_of, actor="billy").invoice_ids
    if issue_them:
        for invoice in drafted:
            issue(app, invoice, as_of)
    return drafted


def schedule(app: QuoteToCash) -> RevenueSchedule:
    projection = RevenueSchedule()
    catch_up(app, [projection])
    return projection


def by_month(months: list[MonthForecast]) -> dict[date, MonthForecast]:
    return {m.month: m for m in months}


def later(months: list[MonthForecast], as_of: date) -> list[MonthForecast]:
    """The forecast's whole months: those after ``as_of``'s (its first row, when ``as_of`` is
    not a month's last day, is the rest of that month)."""
    return [m for m in months if m.month > as_of.replace(day=1)]


def total(months: list[MonthForecast]) -> Money:
    result = eur(0)
    for m in months:
        assert m.amount == m.scheduled + m.contracted
        result = result + m.amount
    return result


# -- known answers ---------------------------------------------------------------------------


def test_a_monthly_contract_keeps_showing_its_months_after_the_one_billed() -> None:
    """12,000.00 a year billed monthly from 2024-01-01; January invoiced and issued. On
    2024-01-15 the forecast shows February to December at 1,000.00 each (contracted, none of
    it invoiced yet) and nothing after the term; with January's 1,000.00 the year is exactly
    12,000.00."""
    app = QuoteToCash.open("memory:")
    signed(app, sub("erp", "8000.00"), sub("crm", "4000.00"))
    bill(app, date(2024, 1, 1))
    rs = schedule(app)

    forecast = rs.forecast(date(2024, 1, 15))
    assert [m.month for m in forecast] == [date(2024, m, 1) for m in range(1, 13)] + [
        date(2025, 1, 1)
    ]
    # the rest of January first: its 16 days after the 15th, 516.13 of the 1,000.00 issued
    rest, months = forecast[0], forecast[1:]
    assert (rest.scheduled, rest.contracted) == (eur("516.13"), eur(0))
    for m in months[:-1]:
        assert (m.scheduled, m.contracted, m.amount) == (eur(0), eur("1000.00"), eur("1000.00"))
    assert months[-1].amount == eur(0)  # the term ends on 2024-12-31
    january = rs.by_month(date(2024, 1, 1), 1)[0].amount
    assert january == eur("1000.00")
    assert january + total(months) == eur("12000.00")
    # recognised to date and the forecast meet: nothing counted twice, nothing left out
    assert rs.recognised(date(2024, 1, 15))["EUR"] + total(forecast) == eur("12000.00")

    # the whole year seen from January: scheduled (issued) and contracted side by side
    year = by_month(rs.outlook(date(2024, 1, 1), 12))
    assert (year[date(2024, 1, 1)].scheduled, year[date(2024, 1, 1)].contracted) == (
        eur("1000.00"),
        eur(0),
    )
    assert total(list(year.values())) == eur("12000.00")


def test_billing_moves_a_month_from_contracted_to_scheduled_without_counting_it_twice() -> None:
    """February issued, March drafted but not issued yet: each month still counts once."""
    app = QuoteToCash.open("memory:")
    signed(app, sub("erp", "12000.00"))
    bill(app, date(2024, 1, 1))
    bill(app, date(2024, 2, 1))
    bill(app, date(2024, 3, 1), issue_them=False)
    year = by_month(schedule(app).outlook(date(2024, 1, 1), 12))
    assert (year[date(2024, 2, 1)].scheduled, year[date(2024, 2, 1)].contracted) == (
        eur("1000.00"),
        eur(0),
    )
    # the draft will be earned once issued: it stays contracted, at the draft's own amount
    assert (year[date(2024, 3, 1)].scheduled, year[date(2024, 3, 1)].contracted) == (
        eur(0),
        eur("1000.00"),
    )
    assert all(m.amount == eur("1000.00") for m in year.values())
    assert total(list(year.values())) == eur("12000.00")


def test_ten_years_of_billed_months_before_the_window_leave_its_months_alone() -> None:
    """A ten-year contract at 1,200.00 a year, billed monthly up to June 2024 (114 invoices,
    left drafted: each counts at its own amount in its own month). Seen from mid-June 2024,
    July to December 2024 show 100.00 each and 2025 nothing: what was drafted for the years
    before the window changes no month of it."""
    app = QuoteToCash.open("memory:")
    term = Period(date(2015, 1, 1), date(2025, 1, 1))
    signed(app, sub("erp", "1200.00", start=term.start), term=term)
    assert len(bill(app, date(2024, 6, 1), issue_them=False)) == 114
    months = by_month(later(schedule(app).forecast(date(2024, 6, 15)), date(2024, 6, 15)))
    for m in range(7, 13):
        assert months[date(2024, m, 1)].contracted == eur("100.00")
    for m in range(1, 6):
        assert months[date(2025, m, 1)].amount == eur(0)
    assert total(list(months.values())) == eur("600.00")


def test_billing_one_of_two_contracts_leaves_every_month_total_as_it_was() -> None:
    """Two quarterly contracts from 2024-01-01: MC-1 at 3,435.83 a year billed in advance,
    MC-2 at 71,064.01 a year in arrears. Before any run, January is 6,344.77 and February
    5,935.42 (the two contracts' running totals summed exactly, rounded once). The run of
    2024-01-01 bills and issues MC-1's first quarter only: its days move from contracted to
    scheduled, and no month's total moves a cent (each part alone, rounded on its own, would
    have made January 6,344.76 and February 5,935.44). Once every quarter is billed, the
    months are still those."""
    app = QuoteToCash.open("memory:")
    signed(app, sub("a", "3435.83"), frequency=BillingFrequency.QUARTERLY)
    signed(
        app,
        sub("b", "71064.01"),
        frequency=BillingFrequency.QUARTERLY,
        timing=BillingTiming.IN_ARREARS,
        number="MC-2",
    )
    before = by_month(schedule(app).outlook(date(2024, 1, 1), 12))
    assert before[date(2024, 1, 1)].amount == eur("6344.77")
    assert before[date(2024, 2, 1)].amount == eur("5935.42")
    assert before[date(2024, 2, 1)].scheduled == eur(0)

    bill(app, date(2024, 1, 1))  # only MC-1's first quarter is due
    after = by_month(schedule(app).outlook(date(2024, 1, 1), 12))
    # February: MC-1 earns 29 of 91 days of 858.96 (273.7346...), scheduled
    assert after[date(2024, 2, 1)].scheduled == eur("273.74")
    assert after[date(2024, 2, 1)].contracted == eur("5661.68")
    assert {m: f.amount for m, f in after.items()} == {m: f.amount for m, f in before.items()}

    for run in (date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1), date(2025, 1, 1)):
        bill(app, run)
    billed = by_month(schedule(app).outlook(date(2024, 1, 1), 12))
    assert all(f.contracted == eur(0) for f in billed.values())
    assert {m: f.amount for m, f in billed.items()} == {m: f.amount for m, f in before.items()}
    assert total(list(billed.values())) == eur("74499.84")


def test_a_month_by_month_query_refuses_a_day_or_count_that_is_none() -> None:
    """``by_month`` took text, None or a datetime for the first month, and a fraction, text or
    a negative count for the months, and raised a TypeError from inside (or answered nothing
    for -2 months) where its sibling ``outlook`` names the field: both refuse them alike now,
    ``InvalidValue`` naming ``first_month`` or ``months``. Zero months is no months."""
    app = QuoteToCash.open("memory:")
    signed(app, sub("erp", "12000.00"))
    bill(app, date(2024, 1, 1))
    rs = schedule(app)
    jan = date(2024, 1, 1)
    refused_calls: list[tuple[Any, Any, str]] = [
        ("2024-01-01", 3, "first_month"),
        (None, 3, "first_month"),
        (datetime(2024, 1, 1, 9), 3, "first_month"),
        (jan, "3", "months"),
        (jan, 2.0, "months"),
        (jan, True, "months"),
        (jan, -2, "months"),
    ]
    for first_month, months, field in refused_calls:
        for query in (rs.by_month, rs.outlook):
            with pytest.raises(InvalidValue) as refused:
                query(first_month, months)
            assert refused.value.field == field, (query, first_month, months)
    assert rs.by_month(jan, 0) == [] == rs.outlook(jan, 0)
    assert [m.amount for m in rs.by_month(jan, 2)] == [eur("1000.00"), eur(0)]


def test_a_quarterly_contract_mid_month_is_spread_by_day() -> None:
    """12,000.00 a year billed quarterly from 2024-03-15 (the issue's known answer): each
    quarter's 3,000.00 is earned by day over its own days; months sum to 12,000.00 exactly."""
    app = QuoteToCash.open("memory:")
    term = Period(date(2024, 3, 15), date(2025, 3, 15))
    signed(app, sub("erp", "12000.00", term.start), term=term, frequency=BillingFrequency.QUARTERLY)
    bill(app, date(2024, 3, 15))  # the first quarter, 2024-03-15..2024-06-14 (92 days)
    months = schedule(app).outlook(date(2024, 3, 1), 13)
    seen = by_month(months)
    # March: 17 of 92 days, 554.347... ; April on the running total: 1532.61 - 554.35
    assert seen[date(2024, 3, 1)].scheduled == eur("554.35")
    assert seen[date(2024, 4, 1)].scheduled == eur("978.26")
    # June: the last 14 days of the issued quarter, and 16 of 92 days of the next, not billed
    assert seen[date(2024, 6, 1)].scheduled == eur("456.52")  # 3000.00 - 2543.48
    assert seen[date(2024, 6, 1)].contracted == eur("521.74")  # 3000 x 16 / 92
    assert seen[date(2025, 3, 1)].scheduled == eur(0)
    assert total(months) == eur("12000.00")


def test_a_sub_contract_removed_mid_term_lowers_the_later_months() -> None:
    """The CRM licence (6,000.00 a year) ends on 2024-06-16: June counts its 15 days, July on
    only the ERP licence."""
    app = QuoteToCash.open("memory:")
    contract = signed(app, sub("erp", "6000.00"), sub("crm", "6000.00"))
    bill(app, date(2024, 1, 1))
    app.remove_sub_contract(contract, "crm", effective_to=date(2024, 6, 16), actor=A)
    months = later(schedule(app).forecast(date(2024, 1, 15)), date(2024, 1, 15))
    seen = by_month(months)
    assert seen[date(2024, 5, 1)].contracted == eur("1000.00")
    assert seen[date(2024, 6, 1)].contracted == eur("750.00")  # 500 + 500 x 15/30
    assert seen[date(2024, 7, 1)].contracted == eur("500.00")
    assert seen[date(2024, 12, 1)].contracted == eur("500.00")
    # Feb-May 4,000.00 + June 750.00 + Jul-Dec 3,000.00
    assert total(months) == eur("7750.00")


def test_a_terminated_contract_contributes_nothing_after_its_end() -> None:
    """Terminated with effect from 2024-09-16: September counts 15 of its 30 days, then nothing."""
    app = QuoteToCash.open("memory:")
    contract = signed(app, sub("erp", "12000.00"))
    bill(app, date(2024, 1, 1))
    app.terminate_contract(
        contract,
        effective=date(2024, 9, 16),
        reason="moved away",
        actor=A,
        noticed_on=date(2024, 9, 16),
    )
    seen = by_month(schedule(app).forecast(date(2024, 1, 15)))
    assert seen[date(2024, 8, 1)].contracted == eur("1000.00")
    assert seen[date(2024, 9, 1)].contracted == eur("500.00")
    for month in (date(2024, 10, 1), date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1)):
        assert seen[month].amount == eur(0)


def test_an_evergreen_contract_keeps_contributing_after_its_term() -> None:
    """Auto-renewing with a 10 % uplift: from 2025 each month at the renewal price, 1,100.00;
    the same contract without auto-renewal stops at the term's end."""
    app = QuoteToCash.open("memory:")
    signed(app, sub("erp", "12000.00"), auto_renew=True, renewal_uplift_percent=10)
    bill(app, date(2024, 1, 1))
    months = later(schedule(app).forecast(date(2024, 12, 15)), date(2024, 12, 15))
    assert months[0].month == date(2025, 1, 1)
    assert all(m.contracted == eur("1100.00") for m in months)
    assert total(months) == eur("13200.00")

    # the billing run renews it as forecast: January 2025 is billed at 1,100.00
    bill(app, date(2025, 1, 1))
    assert schedule(app).by_month(date(2025, 1, 1), 1)[0].amount == eur("1100.00")

    plain = QuoteToCash.open("memory:")
    signed(plain, sub("erp", "12000.00"))
    bill(plain, date(2024, 1, 1))
    assert total(later(schedule(plain).forecast(date(2024, 12, 15)), date(2024, 12, 15))) == eur(0)


def test_an_evergreen_contract_without_uplift_renews_at_its_price() -> None:
    """No uplift: the renewed term continues at the price in force at the term's end."""
    app = QuoteToCash.open("memory:")
    signed(app, sub("erp", "12000.00"), auto_renew=True)
    months = later(schedule(app).forecast(date(2024, 11, 15), 3), date(2024, 11, 15))
    assert [m.contracted for m in months] == [eur("1000.00")] * 3


def test_the_forecast_keeps_currencies_apart() -> None:
    """A CHF contract forecasts in CHF next to a EUR one, never summed."""
    app = QuoteToCash.open("memory:")
    signed(app, sub("erp", "12000.00"))
    customer = app.register_customer("Helvetia", "CHF", account_manager="mia", actor=A)
    start = date(2024, 1, 1)
    chf = SubContract(
        "x", "x", SubContractKind.SITE, start, [PricePoint(start, Money.of(600, "CHF"))]
    )
    app.sign_contract(
        customer,
        number="MC-2",
        term=YEAR_2024,
        frequency=BillingFrequency.ANNUAL,
        signed_on=start,
        actor=A,
        sub_contracts=[chf],
    )
    months = later(schedule(app).forecast(date(2024, 1, 15), 1), date(2024, 1, 15))
    assert [(m.currency, m.contracted) for m in months] == [
        ("CHF", Money.of("47.54", "CHF")),  # February: 98.36 (60/366 of 600) - 50.82 (31/366)
        ("EUR", eur("1000.00")),
    ]


# -- the invariant -----------------------------------------------------------------------------

DAY0 = date(2024, 1, 1)


@attrs.frozen
class Terms:
    """A contract's terms and what happens to it: billing runs (issued or only drafted) and
    changes, each some days after the term's start."""

    term: Period
    subs: tuple[SubContract, ...]
    frequency: BillingFrequency
    timing: BillingTiming
    alignment: PeriodAlignment
    day_count: DayCount
    steps: tuple[tuple[int, str, int], ...]


@st.composite
def contract_terms(draw: st.DrawFn) -> Terms:
    start = DAY0 + timedelta(days=draw(st.integers(0, 60)))
    length = draw(st.integers(20, 500))
    subs = []
    for k in range(draw(st.integers(1, 3))):
        begin = start + timedelta(days=draw(st.integers(0, length - 1)) if k else 0)
        subs.append(sub(f"s{k}", str(Decimal(draw(st.integers(0, 5_000_000))) / 100), begin))
    step = st.tuples(
        st.integers(0, length + 40),
        st.sampled_from(["bill", "draft", "remove", "reprice", "add", "terminate"]),
        st.integers(0, 5_000_000),
    )
    return Terms(
        Period(start, start + timedelta(days=length)),
        tuple(subs),
        draw(st.sampled_from(list(BillingFrequency))),
        draw(st.sampled_from(list(BillingTiming))),
        draw(st.sampled_from(list(PeriodAlignment))),
        draw(st.sampled_from(list(DayCount))),
        tuple(sorted(draw(st.lists(step, max_size=6)))),
    )


def signed_on(app: QuoteToCash, terms: Terms, **changes: object) -> UUID:
    """The contract of ``terms`` signed and activated (``changes`` override its settings)."""
    settings: dict[str, object] = {
        "term": terms.term,
        "frequency": terms.frequency,
        "timing": terms.timing,
        "alignment": terms.alignment,
        "day_count": terms.day_count,
        **changes,
    }
    return signed(app, *terms.subs, **settings)  # type: ignore[arg-type]


def contract_value(app: QuoteToCash, contract: UUID) -> Money:
    """What the contract's whole term charges under its final terms (the billing run's math)."""
    c = app.contract(contract)
    result = eur(0)
    for period in billing_periods(c.term, c.frequency, c.alignment):
        for s in charge_period(
            list(c.sub_contracts.values()), period, c.term, c.frequency, c.day_count, c.currency
        ):
            result = result + s.amount
    return result


def happen(app: QuoteToCash, contract: UUID, day: date, what: str, n: int) -> None:
    """One step of the contract's life; a refused one (e.g. outside the term) records nothing."""
    try:
        if what in ("bill", "draft"):
            bill(app, day, issue_them=what == "bill")
        elif what == "remove":
            app.remove_sub_contract(contract, f"s{n % 3}", effective_to=day, actor=A)
        elif what == "reprice":
            price = eur(str(Decimal(n) / 100))
            app.reprice_sub_contract(
                contract, f"s{n % 3}", effective=day, annual_price=price, actor=A
            )
        elif what == "add":
            app.add_sub_contract(contract, sub(f"n{n}", str(Decimal(n) / 100), day), actor=A)
        else:
            app.terminate_contract(contract, effective=day, reason="ended", actor=A, noticed_on=day)
    except Q2CError:
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms=contract_terms(), page=st.integers(1, 7))
def test_scheduled_plus_contracted_over_the_service_period_is_the_contract_value(
    terms: Terms, page: int
) -> None:
    """Whatever the terms, and however much of the term is billed, issued, only drafted or
    changed: over the months of the service period, scheduled + contracted adds up to exactly
    what the contract charges for its term (the billing run's charge of every period). Each
    day is counted once, from an invoice or from the contract, never both and never neither.
    (A final billing run, drafted only, first brings billed periods in line with changes made
    after they were billed: until then the forecast shows what was billed, by design.)

    And the projection followed in small pages equals the one rebuilt from an empty start.
    """
    app = QuoteToCash.open("memory:")
    term = terms.term
    contract = signed_on(app, terms)
    store = ProjectionStore.memory()
    today = term.start
    for offset, what, n in terms.steps:
        today = term.start + timedelta(days=offset)
        happen(app, contract, today, what, n)
        Follower(app, [RevenueSchedule(store)], page_size=page).run()
    bill(app, today, issue_them=False)  # corrections of changed periods, drafted only
    live = RevenueSchedule(store)
    Follower(app, [live], page_size=page).run()
    rebuilt = RevenueSchedule()
    rebuild(app, [rebuilt])
    assert live.rows() == rebuilt.rows()

    last = max(term.end, today + timedelta(days=1))
    first = date(term.start.year, term.start.month, 1)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    outlook = rebuilt.outlook(first, months)
    assert {m.currency for m in outlook} <= {"EUR"}
    assert total(outlook) == contract_value(app, contract)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=contract_terms(),
    uplift=st.none() | st.integers(-20, 30),
    horizon=st.integers(1, 40),
)
def test_an_evergreen_forecast_is_what_the_billing_run_then_bills(
    terms: Terms, uplift: int | None, horizon: int
) -> None:
    """The forecast's assumption about an evergreen contract is the billing run's own rule:
    the months forecast before any billing equal, month by month, the same months once the
    billing run has renewed the contract and drafted every period up to the horizon."""
    app = QuoteToCash.open("memory:")
    term = terms.term
    signed_on(
        app, terms, timing=BillingTiming.IN_ADVANCE, auto_renew=True, renewal_uplift_percent=uplift
    )
    first = date(term.start.year, term.start.month, 1)
    before = schedule(app).outlook(first, horizon)
    end = before[-1].month
    bill(
        app,
        date(end.year + end.month // 12, end.month % 12 + 1, 1) - timedelta(days=1),
        issue_them=False,
    )
    after = schedule(app).outlook(first, horizon)
    assert [(m.month, m.amount) for m in after] == [(m.month, m.amount) for m in before]


# -- 30E/360 contracts ------------------------------------------------------------------------


def test_a_30_360_contract_terminated_early_earns_its_served_months_and_never_goes_negative() -> (
    None
):
    """12,000.00 a year on 30E/360, billed annually in advance and issued on 2024-01-01, ended
    on 2024-02-01: the run credits February to December, 11,000.00 (330 of 360 days). Every
    month counts 30 days on both the invoice line and its credit, so January earns exactly
    1,000.00 and every later month nets to nothing; deferred revenue is never negative."""
    app = QuoteToCash.open("memory:")
    cid = signed(
        app,
        sub("erp", "12000.00"),
        frequency=BillingFrequency.ANNUAL,
        day_count=DayCount.THIRTY_360,
    )
    bill(app, date(2024, 1, 1))
    app.terminate_contract(
        cid, effective=date(2024, 2, 1), reason="left", actor=A, noticed_on=date(2024, 2, 1)
    )
    credits = bill(app, date(2024, 1, 15))
    assert len(credits) == 1
    rs = schedule(app)

    months = {m.month: m.amount for m in rs.by_month(date(2024, 1, 1), 12)}
    assert months[date(2024, 1, 1)] == eur("1000.00")
    assert all(months[date(2024, m, 1)] == eur(0) for m in range(2, 13))
    day = date(2024, 1, 1)
    while day < date(2025, 1, 1):
        assert rs.deferred(day)["EUR"] >= eur(0), day
        day += timedelta(days=1)
    assert rs.deferred(date(2024, 12, 31)) == {"EUR": eur(0)}


def test_a_30_360_month_counts_thirty_days_whatever_its_length() -> None:
    """On 30E/360 a line earns by the contract's days: the days to February's last day count
    up to 30, and the 30th of a 31-day month earns nothing (the 31st earns the month's 30th)."""
    line = eur("300.00")
    feb = Period(date(2024, 2, 1), date(2024, 3, 1))
    assert recognised_through(line, feb, date(2024, 2, 14), DayCount.THIRTY_360) == eur("140.00")
    assert recognised_through(line, feb, date(2024, 2, 28), DayCount.THIRTY_360) == eur("280.00")
    assert recognised_through(line, feb, date(2024, 2, 29), DayCount.THIRTY_360) == eur("300.00")
    jan = Period(date(2024, 1, 1), date(2024, 2, 1))
    assert recognised_through(line, jan, date(2024, 1, 29), DayCount.THIRTY_360) == eur("290.00")
    assert recognised_through(line, jan, date(2024, 1, 30), DayCount.THIRTY_360) == eur("290.00")
    assert recognised_through(line, jan, date(2024, 1, 30)) == eur("290.32")
    # a period 30E/360 counts as no days at all (a 30th alone) is earned on its last day
    only_30th = Period(date(2024, 1, 30), date(2024, 1, 31))
    assert recognised_through(line, only_30th, date(2024, 1, 29), DayCount.THIRTY_360) == eur(0)
    assert recognised_through(line, only_30th, date(2024, 1, 30), DayCount.THIRTY_360) == line
    assert ratable_by_month(eur("12000.00"), YEAR_2024, DayCount.THIRTY_360) == [
        (date(2024, m, 1), eur("1000.00")) for m in range(1, 13)
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(terms=contract_terms())
@example(  # an annual 30E/360 year billed in advance, ended after its first month
    terms=Terms(
        YEAR_2024,
        (sub("s0", "12000.00"),),
        BillingFrequency.ANNUAL,
        BillingTiming.IN_ADVANCE,
        PeriodAlignment.ANNIVERSARY,
        DayCount.THIRTY_360,
        ((0, "bill", 0), (31, "terminate", 0), (40, "bill", 0)),
    )
)
@example(  # the credit of a removal takes a cent more than its days' share of the line (the
    # days kept are rounded down): that cent is reversed on its issue day, not spread
    terms=Terms(
        Period(date(2024, 1, 1), date(2024, 5, 7)),
        (sub("s0", "43.22"), sub("s1", "0")),
        BillingFrequency.ANNUAL,
        BillingTiming.IN_ADVANCE,
        PeriodAlignment.ANNIVERSARY,
        DayCount.ACTUAL,
        ((0, "bill", 0), (102, "remove", 0)),
    )
)
def test_deferred_revenue_of_a_contract_is_never_negative(terms: Terms) -> None:
    """Whatever the terms and day count, and whatever is removed, re-priced, added or
    terminated after billing, with every document issued when drafted: on no day is deferred
    revenue negative. A credit un-earns its days at the rate the line it credits earned them
    (both by the contract's day count), so it never takes back more than is still deferred."""
    app = QuoteToCash.open("memory:")
    term = terms.term
    contract = signed_on(app, terms)
    today = term.start
    for offset, what, n in terms.steps:
        today = term.start + timedelta(days=offset)
        happen(app, contract, today, "bill" if what == "draft" else what, n)
    bill(app, today)
    rs = schedule(app)
    day = term.start
    while day <= max(term.end, today) + timedelta(days=31):
        assert rs.deferred(day).get("EUR", eur(0)) >= eur(0), day
        day += timedelta(days=5)


# -- a sub-contract moved to another contract -------------------------------------------------


def test_a_moved_sub_contract_counts_once_before_the_run_credits_its_old_contract() -> None:
    """ERP, 12,000.00 a year, billed for all of 2024 on MC-1 (annual, issued in January), moves
    to MC-2 (monthly) on 1 July. Until the next billing run credits MC-1 and bills MC-2, MC-1's
    issued line still covers July to December, so MC-2 does not count those days again: 2024
    adds up to the 12,000.00 billed, not 18,000.00. The run then credits MC-1 184 of 366 days
    (6,032.79) and MC-2 bills 1,000.00 a month, six months: 11,967.21."""
    app = QuoteToCash.open("memory:")
    old = signed(app, sub("erp", "12000.00"), frequency=BillingFrequency.ANNUAL)
    customer = app.contract(old).customer_id
    new = app.sign_contract(
        customer,
        number="MC-2",
        term=YEAR_2024,
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2023, 12, 15),
        actor=A,
    )
    app.activate_contract(new, effective=date(2024, 1, 1), actor=A)
    bill(app, date(2024, 1, 1))
    app.reassign_sub_contract(old, "erp", new, effective=date(2024, 7, 1), actor=A)

    before_run = schedule(app).outlook(date(2024, 1, 1), 12)
    assert total(before_run) == eur("12000.00")
    bill(app, date(2024, 7, 1), issue_them=False)
    after_run = schedule(app).outlook(date(2024, 1, 1), 12)
    assert total(after_run) == eur("12000.00") - eur("6032.79") + eur("6000.00")


# -- the forecast of an evergreen contract once billed -----------------------------------------


def test_a_quarter_in_arrears_straddling_the_horizon_is_forecast_as_the_run_bills_it() -> None:
    """An evergreen contract billed quarterly in arrears, calendar quarters, renewed month by
    month, two sub-contracts at 20,729.60 and 17,419.41 a year. Forecast on 2023-05-23 for the
    12 months to May 2024: the quarter April-June 2024 runs past the horizon, and the run will
    bill it whole, once served: 5,182.40 + 4,354.85 = 9,537.25 for 91 days. By the running
    total April and May earn 61 of them, 6,393.10 (6,393.1016...), so May is 6,393.10 -
    3,144.15 = 3,248.95, not the 3,248.96 that two 61-day charges of their own, each rounded
    (3,473.92 + 2,919.19), made. Once the runs have billed it, every month holds what was
    forecast: the year is 38,149.00 before and after."""
    app = QuoteToCash.open("memory:")
    start = date(2023, 1, 1)
    eleventh = date(2023, 1, 11)
    signed(
        app,
        sub("s0", "20729.60", eleventh),
        sub("s1", "17419.41", eleventh),
        term=Period(start, date(2023, 2, 1)),
        frequency=BillingFrequency.QUARTERLY,
        timing=BillingTiming.IN_ARREARS,
        alignment=PeriodAlignment.CALENDAR,
        auto_renew=True,
    )
    for run in (date(2023, 4, 1), date(2023, 5, 23)):
        bill(app, run)
    forecast = later(schedule(app).forecast(date(2023, 5, 23), 12), date(2023, 5, 23))
    assert by_month(forecast)[date(2024, 5, 1)].contracted == eur("3248.95")
    assert total(forecast) == eur("38149.00")

    for run in (date(2023, 7, 1), date(2023, 10, 1), date(2024, 1, 1), date(2024, 4, 1)):
        bill(app, run)
    bill(app, date(2024, 7, 1))
    once_billed = schedule(app).outlook(date(2023, 6, 1), 12)
    assert by_month(once_billed)[date(2024, 5, 1)].scheduled == eur("3248.95")
    assert [(m.month, m.amount) for m in once_billed] == [(m.month, m.amount) for m in forecast]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=contract_terms(),
    evergreen=st.booleans(),
    uplift=st.none() | st.integers(-20, 30),
    today=st.integers(0, 200),
    horizon=st.integers(1, 14),
)
@example(  # a quarter in arrears straddling the one-month horizon: 0.02 forecast, 0.01 billed
    terms=Terms(
        Period(date(2024, 1, 1), date(2024, 1, 21)),
        (sub("s0", "0.14"),),
        BillingFrequency.QUARTERLY,
        BillingTiming.IN_ARREARS,
        PeriodAlignment.ANNIVERSARY,
        DayCount.ACTUAL,
        (),
    ),
    evergreen=True,
    uplift=None,
    today=0,
    horizon=1,
)
def test_each_forecast_month_is_what_the_same_month_holds_once_billed(
    terms: Terms, evergreen: bool, uplift: int | None, today: int, horizon: int
) -> None:
    """Whatever the terms (any timing, alignment, day count; fixed or evergreen), with nothing
    changed after the forecast: each month forecast on a day, after the runs up to that day
    billed and issued what was due, equals to the cent what the same month holds once the runs
    have billed (and issued) every period it touches. A billing period running past the
    forecast's horizon is counted as the run bills it, whole, its days earned by the running
    total, never as a slice of its own rounded on its own."""
    app = QuoteToCash.open("memory:")
    term = terms.term
    signed_on(
        app,
        terms,
        auto_renew=evergreen,
        renewal_uplift_percent=uplift if evergreen else None,
    )
    as_of = term.start + timedelta(days=today)
    bill(app, as_of)
    seen = schedule(app)
    everything = seen.forecast(as_of, horizon)
    forecast = later(everything, as_of)
    rest = everything[: len(everything) - len(forecast)]
    served = seen.recognised(as_of)
    # the runs after the forecast, each issuing its invoices on its day: one a month, through
    # the end of any billing period the window touches (a year at most)
    run = date(as_of.year, as_of.month, 1)
    for _ in range(horizon + 14):
        run = date(run.year + run.month // 12, run.month % 12 + 1, 1)
        bill(app, run)
    first = date(as_of.year + as_of.month // 12, as_of.month % 12 + 1, 1)
    billed = schedule(app)
    once_billed = billed.outlook(first, horizon)
    assert months_held(once_billed) == months_held(forecast)
    # the days served by then were recognised on that day as they are once invoiced, and the
    # rest of that month was forecast: together the month once billed, to the cent
    assert billed.recognised(as_of) == served
    this_month = billed.outlook(as_of.replace(day=1), 1)
    before = billed.recognised(as_of.replace(day=1) - timedelta(days=1))
    for m in this_month:
        to_date = served.get(m.currency, Money.zero(m.currency))
        so_far = to_date - before.get(m.currency, Money.zero(m.currency))
        assert so_far + sum((r.amount for r in rest if r.currency == m.currency), eur(0)) == (
            m.amount
        )


def months_held(months: list[MonthForecast]) -> dict[date, Money]:
    """Each month's total, the months with none left out."""
    return {m.month: m.amount for m in months if m.amount.amount}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=contract_terms(),
    second=contract_terms(),
    today=st.integers(0, 200),
    horizon=st.integers(1, 14),
)
@example(  # the known answer above: MC-1's first quarter billed, MC-2's (in arrears) not yet
    first=Terms(
        YEAR_2024,
        (sub("s0", "3435.83"),),
        BillingFrequency.QUARTERLY,
        BillingTiming.IN_ADVANCE,
        PeriodAlignment.ANNIVERSARY,
        DayCount.ACTUAL,
        (),
    ),
    second=Terms(
        YEAR_2024,
        (sub("s0", "71064.01"),),
        BillingFrequency.QUARTERLY,
        BillingTiming.IN_ARREARS,
        PeriodAlignment.ANNIVERSARY,
        DayCount.ACTUAL,
        (),
    ),
    today=0,
    horizon=3,
)
def test_two_contracts_each_forecast_month_is_what_it_holds_once_billed(
    first: Terms, second: Terms, today: int, horizon: int
) -> None:
    """Two contracts of one currency, whatever their terms: a forecast made when one has a
    period issued and the other's is still contracted holds, month by month and to the cent,
    what the same months hold once every period they touch is billed and issued. A month's
    total is the two parts' running totals summed exactly and rounded once, so a period
    moving from contracted to scheduled never moves it."""
    app = QuoteToCash.open("memory:")
    signed_on(app, first)
    signed_on(app, second, number="MC-2")
    as_of = min(first.term.start, second.term.start) + timedelta(days=today)
    bill(app, as_of)
    seen = schedule(app)
    served = seen.recognised(as_of)
    forecast = seen.forecast(as_of, horizon)
    for m in forecast:
        assert m.amount == m.scheduled + m.contracted
    forecast = later(forecast, as_of)
    run = date(as_of.year, as_of.month, 1)
    for _ in range(horizon + 14):
        run = date(run.year + run.month // 12, run.month % 12 + 1, 1)
        bill(app, run)
    start = date(as_of.year + as_of.month // 12, as_of.month % 12 + 1, 1)
    billed = schedule(app)
    once_billed = billed.outlook(start, horizon)
    assert months_held(once_billed) == months_held(forecast)
    assert billed.recognised(as_of) == served  # a day already reported is never restated
