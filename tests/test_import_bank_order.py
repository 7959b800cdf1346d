"""A statement is applied in the order the bank booked it, not the order its lines are in.

Many banks export newest first. Acme paid INV-000001 on 2 April and, by mistake, again on 10
April: the payment of the 2nd pays the invoice and the one of the 10th waits as Acme's credit,
whichever line comes first, so the receivables as of the 5th show the invoice paid either way.
A reversal is applied on its day among the credits: the bank took back the 2nd's money on the
5th, so the transfer of the 8th pays the invoice again."""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build
from test_import_bank_identity import reversal
from test_import_bank_placeholders import OURS

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import Money, QuoteToCash
from q2c_core.projections import ReceivablesAging, catch_up

HEADER = "date;amount;currency;remittance;name;reference\n"
EARLY = "02.04.2024;1190,00;EUR;INV-000001;ACME GMBH;B-1\n"
LATE = "10.04.2024;1190,00;EUR;INV-000001 again;ACME GMBH;B-2\n"


def bank(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 11))


@pytest.mark.parametrize("lines", [EARLY + LATE, LATE + EARLY], ids=["oldest", "newest first"])
def test_the_earlier_payment_pays_the_invoice_whatever_the_line_order(
    app: QuoteToCash, lines: str
) -> None:
    ids = build(app)
    bank(app).import_bytes((HEADER + lines).encode(), "april.csv", actor="bank-sync")
    paid = {p.reference: p for p in app.payments(ids["acme"])}
    assert [a.invoice_id for a in paid["B-1"].allocations] == [ids["INV-000001"]]
    assert not paid["B-2"].allocations
    assert [c.credit.bank_reference for c in app.bank_suspense()] == ["B-2"]

    aging = ReceivablesAging()
    catch_up(app, [aging])
    as_of_5th = {o.number for o in aging.open_invoices(date(2024, 4, 5))}
    assert "INV-000001" not in as_of_5th


def camt(*entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
 <GrpHdr><MsgId>M-1</MsgId><CreDtTm>2024-04-11T06:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>S-1</Id><Acct><Id><IBAN>{OURS}</IBAN></Id></Acct>{"".join(entries)}
 </Stmt></BkToCstmrStmt></Document>""".encode()


def credit(day: str, ref: str, text: str) -> str:
    return f"""
      <Ntry><Amt Ccy="EUR">1190.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <NtryDtls><TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>
          <RltdPties><Dbtr><Nm>ACME GMBH</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
        </TxDtls></NtryDtls></Ntry>"""


def test_a_reversal_is_applied_on_its_day_among_the_credits(app: QuoteToCash) -> None:
    """Newest first: the 8th's transfer, the 5th's reversal of the 2nd's, the 2nd's. Applied
    by day, the 2nd pays INV-000001, the 5th takes it back, the 8th pays it again."""
    ids = build(app)
    week = camt(
        credit("2024-04-08", "TX-8", "INV-000001 again"),
        reversal("2024-04-05", "1190.00", ref="TX-2-R", reverses="TX-2"),
        credit("2024-04-02", "TX-2", "INV-000001"),
    )
    report = bank(app).import_bytes(week, "week.xml", actor="bank-sync")
    assert (report.recorded, report.suspended) == (3, 0)
    paid = {p.reference: p for p in app.payments(ids["acme"])}
    assert paid["TX-2"].is_bounced
    assert [a.invoice_id for a in paid["TX-8"].allocations] == [ids["INV-000001"]]
    assert app.invoice(ids["INV-000001"]).outstanding.is_zero()
    assert app.customer_credit(ids["acme"]) == Money.of("0.00", "EUR")
