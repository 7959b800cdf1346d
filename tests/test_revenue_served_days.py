"""Service days served and not issued yet are recognised at what the contract charges for them
now (its live terms), and only on days no issued line still bills: a sub-contract moved out of
a quarter already invoiced is never counted on both contracts, a back-dated termination takes
back the days it ends whatever the billing run drafted before it, and a question about a day
far ahead is answered or refused by name, never by a crash from inside."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from q2c_adapters.reports import report_table
from q2c_core import (
    BillingFrequency,
    BillingTiming,
    InvalidValue,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
    TaxRate,
)
from q2c_core.projections import ProjectionStore, RevenueSchedule, all_projections, catch_up


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def open_app(tmp_path: Path) -> tuple[str, QuoteToCash, UUID]:
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    customer = app.register_customer(
        "Served Co", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(21)
    )
    return url, app, customer


def sign(
    app: QuoteToCash,
    customer: UUID,
    number: str,
    subs: tuple[str, ...],
    *,
    frequency: BillingFrequency = BillingFrequency.MONTHLY,
    timing: BillingTiming = BillingTiming.IN_ADVANCE,
    auto_renew: bool = False,
    uplift: int | None = None,
) -> UUID:
    """Sites at 3,650.00 a year each (10.00 a day), from 1 March 2026 for a year, live."""
    start = date(2026, 3, 1)
    contract = app.sign_contract(
        customer,
        number=number,
        term=Period(start, date(2027, 3, 1)),
        frequency=frequency,
        timing=timing,
        auto_renew=auto_renew,
        renewal_uplift_percent=uplift,
        signed_on=start - timedelta(days=10),
        actor="mia",
        sub_contracts=[
            SubContract(s, f"Site {s}", SubContractKind.SITE, start, [PricePoint(start, eur(3650))])
            for s in subs
        ],
    )
    app.activate_contract(contract, effective=start, actor="mia")
    return contract


def issue(app: QuoteToCash, invoice: UUID, on: date) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")


def revenue(url: str, app: QuoteToCash) -> RevenueSchedule:
    """The revenue schedule read from a store caught up with the history as it stands."""
    projections = all_projections(ProjectionStore.open(url))
    catch_up(app, projections)
    return next(p for p in projections if isinstance(p, RevenueSchedule))


def test_a_site_moved_out_of_a_quarter_already_invoiced_is_recognised_once(
    tmp_path: Path,
) -> None:
    """Contracts A (sites s, t) and B (site u) are invoiced for March-May on 1 March. On
    1 April site t moves to B. The 15 April run drafts a credit for t on A and a charge for t
    on B: drafts change nothing, so the quarter's service (three sites, 92 days) is recognised
    once, before and after the run, and by the quarter's end once A's credit and B's charge
    are issued too."""
    url, app, customer = open_app(tmp_path)
    a = sign(app, customer, "A", ("s", "t"), frequency=BillingFrequency.QUARTERLY)
    b = sign(app, customer, "B", ("u",), frequency=BillingFrequency.QUARTERLY)
    for invoice in app.run_billing(date(2026, 3, 1), actor="bea").invoice_ids:
        issue(app, invoice, date(2026, 3, 1))
    app.reassign_sub_contract(a, "t", b, effective=date(2026, 4, 1), actor="mia")
    quarter_end = date(2026, 5, 31)

    moved = revenue(url, app)
    quarter = moved.recognised(quarter_end)["EUR"]
    assert quarter == eur("2737.50")  # 3 x 912.50, what was invoiced for the quarter
    assert moved.recognised(date(2026, 4, 15)) == {"EUR": eur("1368.75")}

    drafted = list(app.run_billing(date(2026, 4, 15), actor="bea").invoice_ids)
    assert drafted  # the credit on A and the charge on B, awaiting approval
    after_run = revenue(url, app)
    assert after_run.recognised(quarter_end) == {"EUR": quarter}
    assert after_run.recognised(date(2026, 4, 15)) == {"EUR": eur("1368.75")}
    assert after_run.contract_assets(quarter_end) == {}

    for invoice in drafted:
        issue(app, invoice, date(2026, 4, 20))
    issued = revenue(url, app)
    assert issued.recognised(quarter_end) == {"EUR": quarter}
    assert issued.contract_assets(quarter_end) == {}


def test_a_back_dated_termination_after_the_run_drafted_the_month_recognises_its_days_only(
    tmp_path: Path,
) -> None:
    """Billed monthly in arrears (304.17 a month), March is drafted by the 1 April run and
    awaits its approvals when a termination effective 15 March is recorded. The contract
    charges 1-14 March only (137.37): that is what 31 March recognises, a contract asset, as
    it would had the termination been recorded before the run drafted anything."""
    url, app, customer = open_app(tmp_path)
    contract = sign(app, customer, "MC-1", ("s",), timing=BillingTiming.IN_ARREARS)
    app.run_billing(date(2026, 4, 1), actor="bea")  # March drafted, awaiting approvals
    app.terminate_contract(
        contract,
        effective=date(2026, 3, 15),
        reason="notice",
        actor="mia",
        noticed_on=date(2026, 3, 15),
    )
    app.run_billing(date(2026, 4, 15), actor="bea")
    on = date(2026, 3, 31)

    schedule = revenue(url, app)
    assert schedule.recognised(on) == {"EUR": eur("137.37")}
    assert schedule.contract_assets(on) == {"EUR": eur("137.37")}
    assert schedule.unbilled(on) == {"EUR": eur("137.37")}
    assert schedule.recognised(date(2026, 12, 31)) == {"EUR": eur("137.37")}

    projections = all_projections(ProjectionStore.open(url))
    catch_up(app, projections)
    report = report_table("revenue", projections, on)
    assert ("contract asset (served, not invoiced yet)", "EUR", eur("137.37")) in {
        tuple(row[:3]) for row in report.rows
    }
    assert ("recognised to date", "EUR", eur("137.37")) in {tuple(row[:3]) for row in report.rows}


def test_issuing_a_moved_sites_credit_and_charge_as_drafted_leaves_past_days_as_they_were(
    tmp_path: Path,
) -> None:
    """A and B are invoiced for March-May on 1 March; on 1 April site t moves from A to B.
    The 15 April run drafts A's credit and B's charge for t's April and May; both are issued
    on 20 April exactly as drafted. 10 April was recognised at three sites' days (1,219.97)
    while they were drafts, and stays so: t's days from 1 April, which B's charge earns on the
    days served, are un-earned on A on the same days, not counted on both until 20 April."""
    url, app, customer = open_app(tmp_path)
    a = sign(app, customer, "A", ("s", "t"), frequency=BillingFrequency.QUARTERLY)
    b = sign(app, customer, "B", ("u",), frequency=BillingFrequency.QUARTERLY)
    for invoice in app.run_billing(date(2026, 3, 1), actor="bea").invoice_ids:
        issue(app, invoice, date(2026, 3, 1))
    app.reassign_sub_contract(a, "t", b, effective=date(2026, 4, 1), actor="mia")
    drafted = list(app.run_billing(date(2026, 4, 15), actor="bea").invoice_ids)
    days = [date(2026, 3, 31), date(2026, 4, 10), date(2026, 4, 19), date(2026, 5, 31)]
    before = [revenue(url, app).recognised(day) for day in days]
    assert before[1] == {"EUR": eur("1219.97")}

    for invoice in drafted:
        issue(app, invoice, date(2026, 4, 20))
    after = revenue(url, app)
    assert [after.recognised(day) for day in days] == before
    assert after.recognised(date(2026, 5, 31)) == {"EUR": eur("2737.50")}
    assert sum((m.amount for m in after.by_month(date(2026, 3, 1), 3)), eur(0)) == eur("2737.50")
    assert after.deferred(date(2026, 5, 31)) == {"EUR": eur(0)}


def test_issuing_a_month_and_its_termination_credit_as_drafted_leaves_past_days_as_they_were(
    tmp_path: Path,
) -> None:
    """Two sites billed monthly in arrears: March is drafted by the 1 April run, a termination
    effective 15 March is recorded after, and the 15 April run drafts a credit for 15-31
    March. While both are drafts, 31 March recognises the days the contract charges, 1-14
    March (274.74). Both issued on 20 April as drafted: March's invoice earns its days as
    served and its credit un-earns the days it takes back as served too, so 31 March (and
    any later day) stays at 274.74, what is invoiced net."""
    url, app, customer = open_app(tmp_path)
    contract = sign(app, customer, "MC-2", ("s", "t"), timing=BillingTiming.IN_ARREARS)
    march = list(app.run_billing(date(2026, 4, 1), actor="bea").invoice_ids)
    app.terminate_contract(
        contract,
        effective=date(2026, 3, 15),
        reason="notice",
        actor="mia",
        noticed_on=date(2026, 3, 15),
    )
    credit = list(app.run_billing(date(2026, 4, 15), actor="bea").invoice_ids)
    assert len(march) == len(credit) == 1
    days = [date(2026, 3, 14), date(2026, 3, 31), date(2026, 4, 12), date(2026, 4, 30)]
    before = [revenue(url, app).recognised(day) for day in days]
    assert before[1:] == [{"EUR": eur("274.74")}] * 3

    for invoice in march + credit:
        issue(app, invoice, date(2026, 4, 20))
    after = revenue(url, app)
    assert [after.recognised(day) for day in days] == before
    assert after.contract_assets(date(2026, 3, 31)) == {"EUR": eur("274.74")}
    assert after.deferred(date(2026, 4, 30)) == {"EUR": eur(0)}
    assert [m.amount for m in after.by_month(date(2026, 3, 1), 2)] == [eur("274.74"), eur(0)]


def test_a_day_far_ahead_is_answered_or_refused_naming_the_day_asked_about(
    tmp_path: Path,
) -> None:
    """Two evergreen contracts, one renewed at +3 % a year. A day in 2500 is answered; a day
    in 3026 (the uplifted prices past any amount) and the last day a date can hold (its
    billing period ends past it) are refused as an ``InvalidValue`` naming the day asked
    about, not a crash from inside. A contract with a fixed term answers even the last day."""
    url, app, customer = open_app(tmp_path)
    sign(app, customer, "E1", ("s",), auto_renew=True)
    sign(app, customer, "E2", ("s",), auto_renew=True, uplift=3)
    schedule = revenue(url, app)

    far = date(2500, 1, 15)
    assert schedule.recognised(far)["EUR"].is_positive()
    assert schedule.contract_assets(far) == schedule.unbilled(far)
    for on in (date(3026, 1, 15), date.max):
        for query, field in (
            (schedule.recognised, "through"),
            (schedule.unbilled, "through"),
            (schedule.contract_assets, "as_of"),
        ):
            with pytest.raises(InvalidValue) as refused:
                query(on)
            assert refused.value.field == field

    (tmp_path / "fixed").mkdir()
    url, app, customer = open_app(tmp_path / "fixed")
    sign(app, customer, "F1", ("s",))
    fixed = revenue(url, app)
    # (twelve monthly charges of 304.17, as the billing run bills them)
    assert fixed.recognised(date.max) == {"EUR": eur("3650.04")}
    assert fixed.contract_assets(date.max) == {"EUR": eur("3650.04")}
