"""A credit a CSV export without an IBAN column booked belongs to the payer who was named first.

At noon on 2 April the CSV export (no IBAN column) lists Acme's 50.00 "Order 7": it is booked,
any payer's. The bank's morning camt.053 lists it from Acme's IBAN: the same credit, skipped,
and now Acme's. Its evening camt.053 lists only Beta Ltd's 50.00 "Order 7" from another IBAN:
that is new money, not Acme's credit again. The bank holds 100.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_bank_payer_account_across_formats import OTHER_PAYER
from test_bank_suspense_resolution_days import PAYER, acme_with_invoice, ledger_balances
from test_bank_two_payers_on_two_statements_and_the_days_csv import camt_of

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

NOON_CSV = b"date,amount,currency,remittance,name\n2024-04-02,50.00,EUR,Order 7,Acme GmbH\n"


def test_another_payers_credit_of_the_same_content_is_new_money() -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(NOON_CSV, "noon.csv", actor="bank")
    morning = bank.import_bytes(camt_of(PAYER, "Acme GmbH", "A"), "morning.xml", actor="bank")
    evening = bank.import_bytes(camt_of(OTHER_PAYER, "Beta Ltd", "B"), "evening.xml", actor="bank")

    assert morning.skipped == 1
    assert (evening.recorded + evening.suspended, evening.skipped) == (1, 0)
    assert len(app.bank_credits()) == 2
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")


def test_the_payers_own_statement_again_is_still_its_credit() -> None:
    """Acme's statement imported again (another file of the same day) is skipped as its credit,
    and Beta's, after it, is still new money."""
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(NOON_CSV, "noon.csv", actor="bank")
    bank.import_bytes(camt_of(PAYER, "Acme GmbH", "A"), "morning.xml", actor="bank")
    again = bank.import_bytes(camt_of(PAYER, "Acme GmbH", "A2"), "morning-2.xml", actor="bank")
    evening = bank.import_bytes(camt_of(OTHER_PAYER, "Beta Ltd", "B"), "evening.xml", actor="bank")

    assert again.skipped == 1
    assert evening.skipped == 0
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")


def test_a_payers_statement_finds_its_credit_after_another_payers_of_the_same_content() -> None:
    """Acme's credit from its camt.053, then the CSV export (no IBAN column) of Acme's and
    Beta's, then Beta's camt.053: Beta's statement is the export's second credit."""
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt_of(PAYER, "Acme GmbH", "A"), "morning.xml", actor="bank")
    export = NOON_CSV + b"2024-04-02,50.00,EUR,Order 7,Beta Ltd\n"
    bank.import_bytes(export, "noon.csv", actor="bank")
    evening = bank.import_bytes(camt_of(OTHER_PAYER, "Beta Ltd", "B"), "evening.xml", actor="bank")

    assert evening.skipped == 1
    assert len(app.bank_credits()) == 2
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")
