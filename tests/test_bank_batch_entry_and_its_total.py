"""A batch entry of the camt.053 and the CSV export's one row of its total are the same money.

Acme pays INV-000001 (119.00 EUR) in two transfers the bank books on 2 April as one entry, E1:
60.00 and 59.00. The camt.053 lists both transactions; the CSV export of the day shows one row,
119.00, under the reference E1. Imported in either order, the money is received once: the
second statement is skipped, and the books' bank holds 119.00, booked once. A CSV
row under E1 of another amount than the entry's is refused, naming its line: never new money.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from test_bank_suspense_resolution_days import OURS, acme_with_invoice, eur, ledger_balances

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected


def transfer(amount: str, text: str) -> str:
    return f"""<TxDtls><Amt Ccy="EUR">{amount}</Amt><RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr>
</RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls>"""


def camt_batch(second: str = "59.00") -> bytes:
    total = Decimal("60.00") + Decimal(second)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S</Id><Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">{total}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt><AcctSvcrRef>E1</AcctSvcrRef>
<NtryDtls>{transfer("60.00", "INV-000001 part 1")}{transfer(second, "INV-000001 part 2")}
</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>""".encode()


def csv_total(amount: str = "119.00") -> bytes:
    return (
        "date,amount,currency,remittance,name,reference,account\n"
        f"2024-04-02,{amount},EUR,SEPA collective credit 2 items,,E1,{OURS}\n"
    ).encode()


@pytest.mark.parametrize("camt_first", [True, False], ids=["camt-first", "csv-first"])
def test_the_batch_entry_and_the_csv_row_of_its_total_are_received_once(camt_first: bool) -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    files = [(camt_batch(), "apr02.xml"), (csv_total(), "apr02.csv")]
    if not camt_first:
        files.reverse()
    bank.import_bytes(*files[0], actor="bank")
    credits = len(app.bank_credits())

    second = bank.import_bytes(*files[1], actor="bank")

    assert second.recorded == second.suspended == 0
    assert second.skipped == (1 if camt_first else 2)
    assert len(app.bank_credits()) == credits
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("119.00")
    received = sum((c.credit.amount for c in app.bank_credits()), eur("0.00"))
    assert received == eur("119.00")


def test_a_csv_row_under_the_entrys_reference_with_another_amount_is_refused() -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt_batch(), "apr02.xml", actor="bank")

    with pytest.raises(ImportRejected) as refused:
        bank.import_bytes(csv_total("120.00"), "apr02.csv", actor="bank")

    assert [(p.line, p.field) for p in refused.value.problems] == [(2, "reference")]
    assert len(app.bank_credits()) == 2


def test_the_entrys_transactions_not_adding_up_to_the_csv_total_booked_are_refused() -> None:
    app = QuoteToCash.open("memory:")
    _acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(csv_total(), "apr02.csv", actor="bank")

    with pytest.raises(ImportRejected) as refused:
        bank.import_bytes(camt_batch("58.00"), "apr02.xml", actor="bank")

    assert {p.field for p in refused.value.problems} == {
        "AcctSvcrRef"
    }  # (the camt.053 names it so)
    assert len(app.bank_credits()) == 1
    assert app.invoice(invoice).outstanding == eur("119.00")
