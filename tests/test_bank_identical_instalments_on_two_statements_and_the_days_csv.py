"""Identical credits booked under their bank references by two statements, then the day's CSV
export without the references.

Acme pays its 100.00 in two identical instalments of 50.00 "Order 7" from its IBAN on 2 April.
The bank's morning camt.053 lists the first under its reference U7, the evening camt.053 the
second under U8 (each the first such credit of its statement). Then the day's CSV export, with
an IBAN column but no reference, lists both. The bank holds 100.00: the export's first row is
U7, its second U8, never new money.

So too for one credit of 50.00 under U7 on each of our two accounts, and the day's CSV export
with an IBAN column but no account column listing both: 100.00 in the bank.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_bank_reversal_of_a_credit_skipped_by_content import CREDITED, entry
from test_bank_suspense_resolution_days import OURS, PAYER, acme_with_invoice, ledger_balances

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

SECOND_ACCOUNT = "DE44500105175407324931"


def camt_of(account: str, reference: str, message: str) -> bytes:
    """A camt.053 of 2 April on our ``account`` with Acme's 50.00 "Order 7" under ``reference``."""
    credit = entry("2024-04-02", CREDITED, "50.00", reference, "Order 7", PAYER)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>{message}</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S</Id><Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>{credit}
</Stmt></BkToCstmrStmt></Document>""".encode()


def test_the_days_csv_export_names_both_instalments_of_the_morning_and_evening_statements() -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt_of(OURS, "U7", "A"), "morning.xml", actor="bank")
    bank.import_bytes(camt_of(OURS, "U8", "B"), "evening.xml", actor="bank")
    csv_of_the_day = (
        "date,amount,currency,remittance,name,iban,account\n"
        f"2024-04-02,50.00,EUR,Order 7,Acme GmbH,{PAYER},{OURS}\n"
        f"2024-04-02,50.00,EUR,Order 7,Acme GmbH,{PAYER},{OURS}\n"
    ).encode()

    export = bank.import_bytes(csv_of_the_day, "apr02.csv", actor="bank")

    assert (export.recorded + export.suspended, export.skipped) == (0, 2)
    assert sorted(c.credit.bank_reference for c in app.bank_credits()) == ["U7", "U8"]
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")


def test_the_days_csv_export_without_an_account_column_names_the_credit_of_each_account() -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt_of(OURS, "U7", "A"), "first-account.xml", actor="bank")
    bank.import_bytes(camt_of(SECOND_ACCOUNT, "U7", "B"), "second-account.xml", actor="bank")
    assert len(app.bank_credits()) == 2
    csv_of_the_day = (
        "date,amount,currency,remittance,name,iban\n"
        f"2024-04-02,50.00,EUR,Order 7,Acme GmbH,{PAYER}\n"
        f"2024-04-02,50.00,EUR,Order 7,Acme GmbH,{PAYER}\n"
    ).encode()

    export = bank.import_bytes(csv_of_the_day, "apr02.csv", actor="bank")

    assert (export.recorded + export.suspended, export.skipped) == (0, 2)
    assert sorted(c.credit.account for c in app.bank_credits()) == sorted([OURS, SECOND_ACCOUNT])
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")
