"""The books follow a credit that un-earns its days as they were served (a month in arrears
and its termination credit issued together, a site's days moved to another contract): on
every month end and issue day they hold the revenue report's deferred and recognised revenue
to the cent, the days served before the issue day booked on it."""

from __future__ import annotations

from datetime import date

from test_beancount_ledger_revenue import assert_books_agree_with_the_report, issue
from test_revenue_served_days import eur, sign

from q2c_adapters.accounting.beancount_ledger import export_ledger
from q2c_core import BillingFrequency, BillingTiming, QuoteToCash, TaxRate
from q2c_core.projections import RevenueSchedule, catch_up


def test_the_books_agree_after_a_month_and_its_termination_credit_are_issued_together() -> None:
    """March, billed in arrears, drafted on 1 April; a termination from 15 March; the credit
    of 15-31 March drafted on 15 April; both issued on 20 April."""
    app = QuoteToCash.open("memory:")
    customer = app.register_customer(
        "Served Co", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(21)
    )
    contract = sign(app, customer, "MC-2", ("s", "t"), timing=BillingTiming.IN_ARREARS)
    drafted = list(app.run_billing(date(2026, 4, 1), actor="bea").invoice_ids)
    app.terminate_contract(
        contract,
        effective=date(2026, 3, 15),
        reason="notice",
        actor="mia",
        noticed_on=date(2026, 3, 15),
    )
    drafted += app.run_billing(date(2026, 4, 15), actor="bea").invoice_ids
    for invoice in drafted:
        issue(app, invoice, date(2026, 4, 20))
    days = assert_books_agree_with_the_report(app, [customer], export_ledger(app))
    assert date(2026, 4, 20) in days
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    # what is invoiced net (608.34 less 333.60), earned in March, a contract asset until
    # 20 April, when the books take it in
    assert schedule.recognised(date(2026, 3, 31)) == {"EUR": eur("274.74")}
    assert schedule.contract_assets(date(2026, 3, 31)) == {"EUR": eur("274.74")}


def test_the_books_agree_after_a_moved_sites_credit_and_charge_are_issued() -> None:
    """Site t moves from A to B on 1 April, its quarter invoiced on A; A's credit and B's
    charge for its April and May, issued on 20 April, are booked on that day for the days
    served since 1 April, and the quarter's three sites are earned once."""
    app = QuoteToCash.open("memory:")
    customer = app.register_customer(
        "Served Co", "EUR", account_manager="mia", actor="bea", tax_rate=TaxRate.standard(21)
    )
    a = sign(app, customer, "A", ("s", "t"), frequency=BillingFrequency.QUARTERLY)
    b = sign(app, customer, "B", ("u",), frequency=BillingFrequency.QUARTERLY)
    for invoice in app.run_billing(date(2026, 3, 1), actor="bea").invoice_ids:
        issue(app, invoice, date(2026, 3, 1))
    app.reassign_sub_contract(a, "t", b, effective=date(2026, 4, 1), actor="mia")
    for invoice in app.run_billing(date(2026, 4, 15), actor="bea").invoice_ids:
        issue(app, invoice, date(2026, 4, 20))
    days = assert_books_agree_with_the_report(app, [customer], export_ledger(app))
    assert date(2026, 4, 30) in days
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    assert schedule.recognised(date(2026, 5, 31)) == {"EUR": eur("2737.50")}
