"""Two payers' credits in two statements naming payers, then the day's CSV export naming none.

Acme pays 50.00 "Order 7" from its IBAN on 2 April, and Beta Ltd pays 50.00 with the same text
from another IBAN. The bank's morning camt.053 lists Acme's credit, its evening camt.053 Beta's
(each the first such credit of its statement). Then the day's CSV export, without an IBAN
column, lists both. The bank holds 100.00: the export's first row is Acme's credit, its second
Beta's, never new money.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_bank_payer_account_across_formats import OTHER_PAYER
from test_bank_suspense_resolution_days import OURS, PAYER, acme_with_invoice, ledger_balances

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash


def camt_of(payer: str, name: str, message: str) -> bytes:
    """A camt.053 of 2 April with one credit of 50.00 "Order 7" from ``payer``'s IBAN."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>{message}</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S</Id><Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt>
<NtryDtls><TxDtls>
<RltdPties><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{payer}</IBAN></Id></DbtrAcct>
</RltdPties>
<RmtInf><Ustrd>Order 7</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>""".encode()


CSV_OF_THE_DAY = (
    b"date,amount,currency,remittance,name\n"
    b"2024-04-02,50.00,EUR,Order 7,Acme GmbH\n"
    b"2024-04-02,50.00,EUR,Order 7,Beta Ltd\n"
)


def test_the_days_csv_export_names_the_credits_of_the_morning_and_evening_statements() -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt_of(PAYER, "Acme GmbH", "A"), "morning.xml", actor="bank")
    bank.import_bytes(camt_of(OTHER_PAYER, "Beta Ltd", "B"), "evening.xml", actor="bank")

    export = bank.import_bytes(CSV_OF_THE_DAY, "apr02.csv", actor="bank")

    assert (export.recorded + export.suspended, export.skipped) == (0, 2)
    assert sorted(c.credit.debtor_name for c in app.bank_credits()) == ["Acme GmbH", "Beta Ltd"]
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")
