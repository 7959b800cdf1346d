"""The bank takes back money a person had marked returned to its sender on a later day.

An unknown payer's 99.00 EUR (bank reference U7) arrives on 2 April and waits in suspense. The
bank reverses it on 5 April, but the 5 April statement is imported late: on 10 April a person
has already marked the credit returned to its sender. When the statement comes, the credit keeps
the bank's day (taken back on 5 April) and stays returned; the books' bank is the statement's
on every day: 99.00 from 2 to 4 April, nothing from 5 April on. A second statement listing the
reversal takes nothing back again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_bank_reversal_after_assignment import GLOBEX_15, U7_TAKEN_BACK, UNKNOWN_99, statement
from test_bank_suspense_resolution_days import acme_with_invoice, days, ledger_balances

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.bank_credit import CreditStatus

RETURNED = date(2024, 4, 10)


def test_a_reversal_imported_after_the_credit_was_returned_keeps_the_banks_day() -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(statement("2024-04-02", UNKNOWN_99), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()
    app.return_bank_credit(credit.id, returned_on=RETURNED, reason="not ours", actor="ana")

    report = bank.import_bytes(statement("2024-04-05", U7_TAKEN_BACK), "apr05.xml", actor="bank")

    assert (report.recorded, report.skipped) == (1, 0)
    taken_back = app.bank_credit(credit.id)
    assert taken_back.reversed_on == date(2024, 4, 5)
    assert taken_back.status is CreditStatus.RETURNED
    assert taken_back.resolved_on == RETURNED
    for day in days(date(2024, 4, 2), date(2024, 4, 30)):
        held = ledger_balances(app, day)
        expected = Decimal("99.00") if day < date(2024, 4, 5) else Decimal(0)
        assert held.get("Assets:Bank", Decimal(0)) == expected, day
        in_suspense = Decimal("-99.00") if day < date(2024, 4, 5) else Decimal(0)
        assert held.get("Liabilities:Suspense", Decimal(0)) == in_suspense, day

    again = bank.import_bytes(
        statement("2024-04-05", U7_TAKEN_BACK, GLOBEX_15), "apr05-full.xml", actor="bank"
    )
    assert (again.recorded, again.skipped) == (0, 1)
    assert ledger_balances(app, date(2024, 4, 30)).get("Assets:Bank") == Decimal("15.00")
