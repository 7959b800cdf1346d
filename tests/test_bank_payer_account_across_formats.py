"""One transfer is one payment, whichever statement names the payer's account.

Acme pays its invoice INV-000001 (119.00 EUR) on 2 April. The bank's camt.053 gives the payer's
IBAN (and perhaps the bank's reference, AcctSvcrRef R1); its CSV export of the same day gives
neither an IBAN column nor (perhaps) the reference. A statement that does not name the payer's
account may be of any payer: the two statements are the same 119.00, imported in either order,
with or without our account in the CSV. Two payers' credits of the same content, both named,
stay two credits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from test_bank_suspense_resolution_days import OURS, PAYER, acme_with_invoice, ledger_balances

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

OTHER_PAYER = "DE44500105175407324931"


def camt(reference: str, payer: str = PAYER, amount: str = "119.00") -> bytes:
    refs = f"<Refs><AcctSvcrRef>{reference}</AcctSvcrRef></Refs>" if reference else ""
    account = f"<DbtrAcct><Id><IBAN>{payer}</IBAN></Id></DbtrAcct>" if payer else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S</Id><Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt>
<NtryDtls><TxDtls>{refs}
<RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr>{account}</RltdPties>
<RmtInf><Ustrd>INV-000001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>""".encode()


def csv_without_payer_account(reference: str, with_account: bool) -> bytes:
    """The CSV export of the same credit: no iban column; the reference and our account
    column only when asked."""
    head = ["date", "amount", "currency", "remittance", "name"]
    cells = ["2024-04-02", "119.00", "EUR", "INV-000001", "Acme GmbH"]
    if reference:
        head.append("reference")
        cells.append(reference)
    if with_account:
        head.append("account")
        cells.append(OURS)
    return f"{','.join(head)}\n{','.join(cells)}\n".encode()


@pytest.mark.parametrize("camt_first", [True, False], ids=["camt-first", "csv-first"])
@pytest.mark.parametrize("with_account", [True, False], ids=["our-account", "no-account"])
@pytest.mark.parametrize(
    ("camt_reference", "csv_reference"),
    [("R1", ""), ("", ""), ("", "R1")],
    ids=["ref-in-camt-only", "no-ref", "ref-in-csv-only"],
)
def test_acmes_transfer_in_a_camt053_naming_the_payer_and_a_csv_export_not_is_one_payment(
    camt_first: bool, with_account: bool, camt_reference: str, csv_reference: str
) -> None:
    app = QuoteToCash.open("memory:")
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    files = [
        (camt(camt_reference), "apr02.xml"),
        (csv_without_payer_account(csv_reference, with_account), "apr02.csv"),
    ]
    if not camt_first:
        files.reverse()
    first, second = (bank.import_bytes(data, name, actor="bank") for data, name in files)

    assert (first.recorded, second.recorded, second.skipped) == (1, 0, 1)
    assert len(app.bank_credits()) == 1
    assert len(app.payments(acme)) == 1
    assert app.customer_credit(acme).amount == Decimal("0.00")
    assert app.invoice(invoice).outstanding.amount == Decimal("0.00")
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("119.00")


def test_two_payers_sending_the_same_amount_and_text_on_one_day_are_two_credits() -> None:
    """Statements naming both payers' accounts, one after the other: another payer's money."""
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt("", PAYER, "50.00"), "morning.xml", actor="bank")
    later = bank.import_bytes(camt("", OTHER_PAYER, "50.00"), "evening.xml", actor="bank")

    assert later.skipped == 0
    assert len(app.bank_credits()) == 2
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")
