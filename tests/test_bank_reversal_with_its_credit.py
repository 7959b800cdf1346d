"""The bank's statement lists a credit booked before and, the same month, its reversal.

An unknown payer's 99.00 EUR (bank reference U7) was booked from the bank's CSV export, which
has no column for our account, and waits in suspense. The month's camt.053 statement then lists
U7's credit again, its reversal on 5 April, and Globex's new 15.00. U7's credit is the one
booked from the CSV (skipped), the reversal returns it to its sender, and Globex's credit is
booked: one credit under U7, not "several credits", and the statement is imported, not refused
for good with Globex's money in it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, entry, statement
from test_bank_suspense_resolution_days import import_csv, ledger_balances

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.bank_credit import CreditStatus

U7_CREDIT = entry("2024-04-02", CREDIT, "99.00", "U7", "Initech LLC", "order 5521")
U7_TAKEN_BACK = entry("2024-04-05", REVERSAL, "99.00", "U7", "Initech LLC", "order 5521")
GLOBEX_15 = entry("2024-04-05", CREDIT, "15.00", "G1", "Globex Inc", "sample fee")
CSV_EXPORT = (
    "date,amount,currency,remittance,name,iban,reference\n"
    "2024-04-02,99.00,EUR,order 5521,Initech LLC,,U7\n"
)


def booked_from_the_csv(tmp_path: Path) -> QuoteToCash:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    import_csv(app, tmp_path, "april.csv", CSV_EXPORT)
    assert [c.credit.bank_reference for c in app.bank_suspense()] == ["U7"]
    return app


@pytest.mark.parametrize("order", ["oldest first", "newest first"])
def test_the_statement_with_a_booked_credit_and_its_reversal_is_imported(
    tmp_path: Path, order: str
) -> None:
    app = booked_from_the_csv(tmp_path)
    [u7] = app.bank_suspense()
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    entries = [U7_CREDIT, U7_TAKEN_BACK, GLOBEX_15]
    if order == "newest first":
        entries.reverse()

    report = bank.import_bytes(statement("2024-04-05", *entries), "april.xml", actor="bank")

    # U7's credit: booked from the CSV; its reversal: applied; Globex's: in suspense
    assert (report.skipped, report.recorded, report.suspended) == (1, 1, 1)
    assert len(app.bank_credits()) == 2
    returned = app.bank_credit(u7.id)
    assert returned.status is CreditStatus.RETURNED
    assert returned.resolved_on == date(2024, 4, 5)  # the bank's day
    assert [c.credit.bank_reference for c in app.bank_suspense()] == ["G1"]
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == 15

    # the statement again, re-exported: nothing taken back twice, nothing booked twice
    again = bank.import_bytes(
        statement("2024-04-05", GLOBEX_15, U7_TAKEN_BACK, U7_CREDIT),
        "april again.xml",
        actor="bank",
    )
    assert (again.recorded, again.skipped, again.suspended) == (0, 3, 0)
    assert len(app.bank_credits()) == 2


def test_the_reversal_imported_first_then_the_whole_statement_books_globex(
    tmp_path: Path,
) -> None:
    """The reversal alone came first (a daily statement); the month's statement overlapping
    it, with Globex's new credit, is imported: the reversal skipped, Globex booked."""
    app = booked_from_the_csv(tmp_path)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    daily = bank.import_bytes(statement("2024-04-05", U7_TAKEN_BACK), "apr05.xml", actor="bank")
    assert daily.recorded == 1

    month = bank.import_bytes(
        statement("2024-04-30", U7_CREDIT, U7_TAKEN_BACK, GLOBEX_15), "april.xml", actor="bank"
    )
    assert (month.recorded, month.skipped, month.suspended) == (0, 2, 1)
    assert [c.credit.bank_reference for c in app.bank_suspense()] == ["G1"]
