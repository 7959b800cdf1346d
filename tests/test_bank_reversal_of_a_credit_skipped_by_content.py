"""The bank takes back a credit that q2c booked from a CSV export without the bank's reference.

Acme pays INV-000001 (119.00 EUR) on 2 April. The CSV export, without a reference column, books
the credit first: the invoice is paid. The camt.053 of 2 April lists the same credit under the
bank's reference U7: it is skipped, the credit already booked, and it tells q2c that U7 names
that credit. On 5 April the bank reverses U7, and Globex's 15.00 (G1) arrives: the statement is
imported whole, the payment bounces, INV-000001 is open again for 119.00, and G1 waits in
suspense.
"""

from __future__ import annotations

from datetime import date

from test_bank_suspense_resolution_days import OURS, PAYER, acme_with_invoice, eur

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

CREDITED = "<CdtDbtInd>CRDT</CdtDbtInd>"
REVERSED = "<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>"


def entry(
    day: str,
    indicator: str,
    amount: str,
    reference: str,
    text: str,
    iban: str,
    payer: str = "Acme GmbH",
) -> str:
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt>{indicator}<Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>{reference}</AcctSvcrRef></Refs>
<RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>
</RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""


def statement(*entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S</Id><Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>{"".join(entries)}
</Stmt></BkToCstmrStmt></Document>""".encode()


def test_a_reversal_takes_back_the_credit_a_csv_export_booked_before_its_camt053_was_skipped() -> (
    None
):
    app = QuoteToCash.open("memory:")
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    csv_export = (
        "date,amount,currency,remittance,name,iban,account\n"
        f"2024-04-02,119.00,EUR,INV-000001,Acme GmbH,{PAYER},{OURS}\n"
    ).encode()
    bank.import_bytes(csv_export, "apr02.csv", actor="bank")
    same_day = bank.import_bytes(
        statement(entry("2024-04-02", CREDITED, "119.00", "U7", "INV-000001", PAYER)),
        "apr02.xml",
        actor="bank",
    )
    assert (same_day.recorded, same_day.skipped) == (0, 1)
    assert app.invoice(invoice).outstanding == eur("0.00")

    apr05 = bank.import_bytes(
        statement(
            entry("2024-04-05", REVERSED, "119.00", "U7", "INV-000001", PAYER),
            entry(
                "2024-04-05",
                CREDITED,
                "15.00",
                "G1",
                "sample fee",
                "DE44500105175407324931",
                payer="Globex Ltd",
            ),
        ),
        "apr05.xml",
        actor="bank",
    )

    assert (apr05.recorded, apr05.suspended) == (1, 1)
    assert app.invoice(invoice).outstanding == eur("119.00")
    [payment] = app.payments(acme)
    assert payment.is_bounced
    [taken_back] = [c for c in app.bank_credits() if c.credit.amount == eur("119.00")]
    assert taken_back.reversed_on == date(2024, 4, 5)
    assert [c.credit.bank_reference for c in app.bank_suspense()] == ["G1"]

    again = bank.import_bytes(
        statement(entry("2024-04-05", REVERSED, "119.00", "U7", "INV-000001", PAYER)),
        "apr05-again.xml",
        actor="bank",
    )
    assert (again.recorded, again.skipped) == (0, 1)
