"""Money the bank takes back earns no commission, however the books recorded its coming and
going: a payment and its reversal booked from one bank statement are saved together, the
payment bouncing before the invoice records the money it paid, and the commission it accrued
is still reversed on the day the bank took it back."""

from __future__ import annotations

from datetime import date

from test_import_bank_identity import credit, reversal, statement, tx
from test_story_invoice import approve, customer, eur, manual

from q2c_core import Period, QuoteToCash, RevenueKind
from q2c_core.projections import Commissions, catch_up, rebuild

APRIL = Period(date(2024, 4, 1), date(2024, 5, 1))


def test_a_payment_and_its_reversal_in_one_bank_statement_leave_no_commission() -> None:
    """Mia's customer is invoiced 1,000.00 of enhancement work (1,210.00 with tax) as
    INV-000001. One camt.053 statement books the customer's 1,210.00 on 2 April and the bank's
    return of it on 4 April: the payment bounces. Mia accrued 50.00 on 2 April and that is
    taken back on 4 April: April's statement shows both, and she is owed nothing, following
    the books or rebuilt from the events."""
    from q2c_adapters.importers.bank import BankStatementImporter

    app = QuoteToCash.open("memory:")
    cust = customer(app)
    line = manual("L1", "1000.00", revenue_kind=RevenueKind.ENHANCEMENT)
    invoice = app.draft_invoice(cust, [line], drafted_on=date(2024, 3, 1), actor="billy")
    approve(app, invoice)
    assert app.issue_invoice(invoice, issued_on=date(2024, 3, 1), actor="bea") == "INV-000001"
    week = statement(
        credit("2024-04-02", "1210.00", tx(ref="TX-5"), ref="E-5"),
        reversal("2024-04-04", "1210.00", ref="TX-5-R", reverses="TX-5"),
    )
    BankStatementImporter(app, today=date(2024, 5, 3)).import_bytes(week, "w.xml", actor="bank")
    (payment,) = app.payments(cust)
    assert payment.bounced_on == date(2024, 4, 4)

    live = Commissions()
    catch_up(app, [live])
    april = live.statement("mia", APRIL)
    assert [(c.on, c.collected, c.commission, c.reversal) for c in april.lines] == [
        (date(2024, 4, 2), eur("1000.00"), eur("50.00"), False),
        (date(2024, 4, 4), eur("-1000.00"), eur("-50.00"), True),
    ]
    assert april.totals == {"EUR": eur("0.00")}
    assert live.balances() == {("mia", "EUR"): eur("0.00")}
    assert live.balances(date(2024, 4, 3)) == {("mia", "EUR"): eur("50.00")}
    rebuilt = Commissions()
    rebuild(app, [rebuilt])
    assert rebuilt.lines() == live.lines()
    app.close()
