"""Service days a contract has delivered are revenue on the days served, whether or not their
invoice is issued yet (ASC 606 / IFRS 15): a day's report never changes when the invoice for
its days is issued later, and the forecast picks up the day after, so a period billed in
arrears, or drafted and awaiting its approvals, falls between no two reports."""

from __future__ import annotations

from datetime import date
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
from q2c_core.projections import ProjectionStore, RevenueSchedule, all_projections, catch_up


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def support_contract(app: QuoteToCash, timing: BillingTiming) -> UUID:
    """Support at 12,000.00 a year (1,000.00 a month), billed monthly from 1 March 2026."""
    customer = app.register_customer(
        "Arrears Co", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(21)
    )
    start = date(2026, 3, 1)
    contract = app.sign_contract(
        customer,
        number="MC-1",
        term=Period(start, date(2027, 3, 1)),
        frequency=BillingFrequency.MONTHLY,
        timing=timing,
        signed_on=date(2026, 2, 15),
        actor="mia",
        sub_contracts=[
            SubContract(
                "s", "Support", SubContractKind.SITE, start, [PricePoint(start, eur(12000))]
            )
        ],
    )
    app.activate_contract(contract, effective=start, actor="mia")
    return contract


def approve_and_issue(app: QuoteToCash, invoice: UUID, on: date) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="bea")


def revenue(url: str, app: QuoteToCash) -> RevenueSchedule:
    """The revenue schedule read from a store caught up with the history (a fresh one each
    time, so each report is built from the events as they stand)."""
    projections = all_projections(ProjectionStore.open(url))
    catch_up(app, projections)
    return next(p for p in projections if isinstance(p, RevenueSchedule))


def test_march_served_and_billed_in_arrears_is_recognised_on_31_march_before_and_after(
    tmp_path: Path,
) -> None:
    """Billed in arrears, March's 1,000.00 is invoiced on 1 April. The report for 31 March
    shows it recognised, a contract asset, on 31 March itself, and the same after the April
    run has invoiced it: a day already reported is never restated."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    support_contract(app, BillingTiming.IN_ARREARS)
    on = date(2026, 3, 31)

    before = revenue(url, app)
    assert before.recognised(on) == {"EUR": eur("1000.00")}
    assert before.contract_assets(on) == {"EUR": eur("1000.00")}
    assert before.unbilled(on) == {"EUR": eur("1000.00")}
    assert before.deferred(on) == {}
    assert before.recognised(date(2026, 3, 15)) == {"EUR": eur("483.87")}  # 15/31
    assert before.forecast(on)[0].month == date(2026, 4, 1)  # nothing of March left

    [march] = app.run_billing(date(2026, 4, 1), actor="bea").invoice_ids
    approve_and_issue(app, march, date(2026, 4, 1))
    after = revenue(url, app)
    assert after.recognised(on) == {"EUR": eur("1000.00")}
    assert after.contract_assets(on) == {"EUR": eur("1000.00")}  # invoiced only on 1 April
    assert after.unbilled(on) == {}
    assert after.contract_assets(date(2026, 4, 1)) == {"EUR": eur("33.33")}  # 1 April served
    assert [(m.month, m.amount) for m in after.forecast(on)] == [
        (m.month, m.amount) for m in before.forecast(on)
    ]
    app.close()


def test_april_drafted_in_advance_and_awaiting_approval_is_earned_and_forecast(
    tmp_path: Path,
) -> None:
    """Billed in advance: March issued on 1 March; the 1 April run drafts April's 1,000.00,
    which waits for its approvals until 16 April. On 15 April the report shows March and half
    of April recognised (1,500.00), April's half a contract asset, and the rest of April
    forecast (500.00 contracted); once issued on 16 April, the report for 15 April shows the
    same figures, the rest of April now scheduled."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    support_contract(app, BillingTiming.IN_ADVANCE)
    [march] = app.run_billing(date(2026, 3, 1), actor="bea").invoice_ids
    approve_and_issue(app, march, date(2026, 3, 1))
    [april] = app.run_billing(date(2026, 4, 1), actor="bea").invoice_ids
    on = date(2026, 4, 15)

    drafted = revenue(url, app)
    assert drafted.recognised(on) == {"EUR": eur("1500.00")}
    assert drafted.contract_assets(on) == {"EUR": eur("500.00")}
    assert drafted.deferred(on) == {"EUR": eur("0.00")}
    rest_of_april, may = drafted.forecast(on)[:2]
    assert (rest_of_april.month, rest_of_april.scheduled, rest_of_april.contracted) == (
        date(2026, 4, 1),
        eur(0),
        eur("500.00"),
    )
    assert (may.month, may.amount) == (date(2026, 5, 1), eur("1000.00"))

    approve_and_issue(app, april, date(2026, 4, 16))
    issued = revenue(url, app)
    assert issued.recognised(on) == {"EUR": eur("1500.00")}
    assert issued.contract_assets(on) == {"EUR": eur("500.00")}
    rest_of_april = issued.forecast(on)[0]
    assert (rest_of_april.scheduled, rest_of_april.contracted) == (eur("500.00"), eur(0))
    # the whole year: what is recognised to date and what is forecast add up to the contract
    year = drafted.recognised(on)["EUR"]
    for month in issued.forecast(on, 10):
        year = year + month.amount
    assert year == eur(12000)
    app.close()


def test_a_contract_signed_and_not_activated_has_served_nothing(tmp_path: Path) -> None:
    """Signed for 1 March but not activated: the billing run bills none of its days, so none
    is recognised; the forecast still counts it, as the months it is expected to earn."""
    url = f"sqlite:///{tmp_path / 'q2c.db'}"
    app = QuoteToCash.open(url)
    customer = app.register_customer("Later Co", "EUR", account_manager="mia", actor="bea")
    start = date(2026, 3, 1)
    app.sign_contract(
        customer,
        number="MC-2",
        term=Period(start, date(2027, 3, 1)),
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2026, 2, 15),
        actor="mia",
        sub_contracts=[
            SubContract(
                "s", "Support", SubContractKind.SITE, start, [PricePoint(start, eur(12000))]
            )
        ],
    )
    schedule = revenue(url, app)
    assert schedule.recognised(date(2026, 3, 31)) == {}
    assert schedule.contract_assets(date(2026, 3, 31)) == {}
    assert schedule.forecast(date(2026, 3, 31))[0].contracted == eur("1000.00")
    app.close()
