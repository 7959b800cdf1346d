"""Two identical instalments, each named by its own bank reference, each taken back.

Acme pays two instalments of 50.00 "Order 7" on 2 April. The CSV export, with the payer's IBAN
and our account but no reference column, books both by their content. The bank's morning
camt.053 lists the first under its reference U7, its evening camt.053 the second under U8 (each
the only such credit of its statement): both are skipped, U7 naming the first credit and U8 the
second. On 5 April the bank reverses U7 and U8: both credits are taken back, and the bank holds
nothing of them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_bank_reversal_of_a_credit_skipped_by_content import CREDITED, REVERSED, entry, statement
from test_bank_suspense_resolution_days import OURS, PAYER, acme_with_invoice, ledger_balances

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

CSV_EXPORT = (
    "date,amount,currency,remittance,name,iban,account\n"
    f"2024-04-02,50.00,EUR,Order 7,Acme GmbH,{PAYER},{OURS}\n"
    f"2024-04-02,50.00,EUR,Order 7,Acme GmbH,{PAYER},{OURS}\n"
).encode()


def camt_of_one(reference: str, message: str) -> bytes:
    """A camt.053 of 2 April listing one instalment under the bank's ``reference``."""
    return statement(entry("2024-04-02", CREDITED, "50.00", reference, "Order 7", PAYER)).replace(
        b"<MsgId>M", f"<MsgId>{message}".encode()
    )


def test_the_bank_reversing_both_instalments_takes_back_both_credits() -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(CSV_EXPORT, "apr02.csv", actor="bank")
    morning = bank.import_bytes(camt_of_one("U7", "A"), "morning.xml", actor="bank")
    evening = bank.import_bytes(camt_of_one("U8", "B"), "evening.xml", actor="bank")
    assert (morning.skipped, evening.skipped) == (1, 1)
    assert ledger_balances(app, date(2024, 4, 4))["Assets:Bank"] == Decimal("100.00")

    apr05 = bank.import_bytes(
        statement(
            entry("2024-04-05", REVERSED, "50.00", "U7", "Order 7", PAYER),
            entry("2024-04-05", REVERSED, "50.00", "U8", "Order 7", PAYER),
        ),
        "apr05.xml",
        actor="bank",
    )

    assert (apr05.recorded, apr05.skipped) == (2, 0)
    assert all(c.reversed_on == date(2024, 4, 5) for c in app.bank_credits())
    assert ledger_balances(app, date(2024, 4, 30)).get("Assets:Bank", Decimal("0")) == Decimal("0")
