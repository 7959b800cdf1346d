"""A credit's rounding part (what it is billed at less its exact share of the lines it credits)
is taken on the credit's issue day, never on a day before it: recording and issuing a billing
run's credit leaves every day already served, and every month already reported, as it
stood. And a change of a sub-contract inside a billing period (a new price, a removal) leaves
the days before its effective day as they were, served and unbilled or once issued."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from q2c_core import (
    BillingFrequency,
    BillingTiming,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
    TaxRate,
)
from q2c_core.domain.contract import DayCount
from q2c_core.projections import ProjectionStore, RevenueSchedule, all_projections, catch_up


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def open_app(tmp_path: Path) -> tuple[str, QuoteToCash, UUID]:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    customer = app.register_customer(
        "Rounding Co", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(21)
    )
    return url, app, customer


def sign(
    app: QuoteToCash,
    customer: UUID,
    number: str,
    subs: tuple[str, ...],
    start: date,
    price: str,
    *,
    timing: BillingTiming = BillingTiming.IN_ADVANCE,
    day_count: DayCount = DayCount.ACTUAL,
) -> UUID:
    """Sites at ``price`` a year each, billed quarterly, from ``start`` for a year, live."""
    contract = app.sign_contract(
        customer,
        number=number,
        term=Period(start, start.replace(year=start.year + 1)),
        frequency=BillingFrequency.QUARTERLY,
        timing=timing,
        signed_on=start - timedelta(days=10),
        actor="mia",
        day_count=day_count,
        sub_contracts=[
            SubContract(
                s, f"Site {s}", SubContractKind.SITE, start, [PricePoint(start, eur(price))]
            )
            for s in subs
        ],
    )
    app.activate_contract(contract, effective=start, actor="mia")
    return contract


def issue(app: QuoteToCash, invoice: UUID, on: date) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")


def run_and_issue(app: QuoteToCash, day: date) -> list[UUID]:
    ids = list(app.run_billing(day, actor="bea").invoice_ids)
    for invoice in ids:
        issue(app, invoice, day)
    return ids


def schedule(url: str, app: QuoteToCash) -> RevenueSchedule:
    projections = all_projections(ProjectionStore.open(url))
    catch_up(app, projections)
    return next(p for p in projections if isinstance(p, RevenueSchedule))


def test_a_moved_sites_credit_takes_its_rounding_cent_on_its_issue_day_not_in_a_closed_month(
    tmp_path: Path,
) -> None:
    url, app, customer = open_app(tmp_path)
    a = sign(app, customer, "A", ("s", "t"), date(2024, 1, 1), "3660")
    b = sign(app, customer, "B", ("u",), date(2024, 1, 1), "3660")
    run_and_issue(app, date(2024, 1, 1))  # Q1: 915.00 a site
    app.reprice_sub_contract(
        a, "s", effective=date(2024, 2, 1), annual_price=eur(7320), actor="mia"
    )
    run_and_issue(app, date(2024, 2, 15))  # the re-price credited and billed again
    app.reassign_sub_contract(a, "t", b, effective=date(2024, 3, 1), actor="mia")
    days = (date(2024, 2, 29), date(2024, 3, 5), date(2024, 3, 9))
    revenue = schedule(url, app)
    before = {d: revenue.recognised(d) for d in days}
    february = revenue.by_month(date(2024, 2, 1), 1)
    assert before[date(2024, 2, 29)] == {"EUR": eur("2101.48")}

    # the run credits t's March on A (311.70) and charges it on B, issued on 10 March
    drafted = list(app.run_billing(date(2024, 3, 10), actor="bea").invoice_ids)
    assert {d: schedule(url, app).recognised(d) for d in days} == before
    for invoice in drafted:
        issue(app, invoice, date(2024, 3, 10))

    revenue = schedule(url, app)
    assert {d: revenue.recognised(d) for d in days} == before
    assert revenue.by_month(date(2024, 2, 1), 1) == february  # a reported month stays
    assert revenue.contract_assets(date(2024, 2, 29)) == {}
    # the invariant holds on every day around the credit
    day = date(2024, 2, 25)
    while day < date(2024, 4, 5):
        to_date = revenue.to_date(day)
        earned = to_date.recognised.get("EUR", eur(0)) - to_date.contract_assets.get("EUR", eur(0))
        invoiced = sum(
            (x.amount for x in revenue.recognition_lines() if x.invoiced_on <= day), eur(0)
        )
        assert earned + revenue.deferred(day).get("EUR", eur(0)) == invoiced, day
        day += timedelta(days=1)


def snapshot(revenue: RevenueSchedule, first: date, last: date) -> dict[date, dict[str, Money]]:
    result, day = {}, first
    while day <= last:
        result[day] = revenue.recognised(day)
        day += timedelta(days=1)
    return result


def test_a_change_inside_a_quarter_billed_in_arrears_leaves_the_days_before_it_as_they_were(
    tmp_path: Path,
) -> None:
    """Two sites at 3,650.00 a year from 31 January 2024, billed quarterly in arrears by
    30E/360: site s re-priced from 15 February, site t removed from 10 March, then the quarter
    billed and issued. Each change moves only the days from its own effective day on."""
    url, app, customer = open_app(tmp_path)
    a = sign(
        app,
        customer,
        "A",
        ("s", "t"),
        date(2024, 1, 31),
        "3650",
        timing=BillingTiming.IN_ARREARS,
        day_count=DayCount.THIRTY_360,
    )
    first, last = date(2024, 1, 31), date(2024, 5, 10)
    untouched = snapshot(schedule(url, app), first, last)
    assert untouched[date(2024, 2, 10)] == {"EUR": eur("223.06")}
    assert untouched[date(2024, 2, 14)] == {"EUR": eur("304.17")}

    app.reprice_sub_contract(
        a, "s", effective=date(2024, 2, 15), annual_price=eur(5475), actor="mia"
    )
    repriced = snapshot(schedule(url, app), first, last)
    assert {d: v for d, v in repriced.items() if d < date(2024, 2, 15)} == {
        d: v for d, v in untouched.items() if d < date(2024, 2, 15)
    }

    app.remove_sub_contract(a, "t", effective_to=date(2024, 3, 10), actor="mia")
    removed = snapshot(schedule(url, app), first, last)
    assert {d: v for d, v in removed.items() if d < date(2024, 3, 10)} == {
        d: v for d, v in repriced.items() if d < date(2024, 3, 10)
    }

    # the quarter billed in arrears and issued as drafted: no day served moves
    invoices = run_and_issue(app, date(2024, 4, 30))
    assert invoices
    revenue = schedule(url, app)
    assert snapshot(revenue, first, last) == removed
    # the months earn exactly what is invoiced, and each day recognised less contract assets
    # plus deferred is what is invoiced by then
    invoiced = sum((x.amount for x in revenue.recognition_lines()), eur(0))
    assert sum((m.amount for m in revenue.by_month(date(2024, 1, 1), 5)), eur(0)) == invoiced
    day = first
    while day <= last:
        to_date = revenue.to_date(day)
        earned = to_date.recognised.get("EUR", eur(0)) - to_date.contract_assets.get("EUR", eur(0))
        billed = sum(
            (x.amount for x in revenue.recognition_lines() if x.invoiced_on <= day), eur(0)
        )
        assert earned + revenue.deferred(day).get("EUR", eur(0)) == billed, day
        day += timedelta(days=1)
