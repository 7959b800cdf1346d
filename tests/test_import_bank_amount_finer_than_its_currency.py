"""A bank amount finer than its currency's minor unit is refused saying so.

A CSV export (a converter that left a third decimal) read 10.005 EUR. It was refused as "must be
more than zero, in whole minor units": the clerk looked at a positive amount and read that it
was not. The problem now says what is wrong: 10.005 is not whole minor units of EUR, which has
two decimals. Nothing is recorded. A camt.053 amount, and one in a currency without decimals
(JPY), are refused alike; zero still reads as it did.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

HEADER = "date,amount,currency,reference,remittance\n"


def refused(app: QuoteToCash, data: bytes, name: str = "april.csv") -> list[tuple[int, str, str]]:
    before = app.recorder.max_notification_id()
    importer = BankStatementImporter(app, today=date(2024, 4, 30), account="DE89370400440532013000")
    with pytest.raises(ImportRejected) as caught:
        importer.import_bytes(data, name, actor="bank")
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    return [(p.line, p.field, p.rule) for p in caught.value.problems]


def test_a_csv_amount_of_a_tenth_of_a_cent_says_it_is_not_whole_cents(app: QuoteToCash) -> None:
    text = HEADER + "2024-04-02,99.50,EUR,R1,INV-1\n2024-04-02,10.005,EUR,R2,INV-2\n"
    ((line, field, rule),) = refused(app, text.encode())
    assert (line, field) == (3, "amount")
    assert "more than zero" not in rule
    assert "whole minor units of EUR" in rule and "2 decimals" in rule and "10.005" in rule


def test_a_yen_amount_with_decimals_says_the_yen_has_none(app: QuoteToCash) -> None:
    text = HEADER + "2024-04-02,1500.50,JPY,R1,INV-1\n"
    ((line, field, rule),) = refused(app, text.encode())
    assert (line, field) == (2, "amount")
    assert "whole minor units of JPY" in rule and "no decimals" in rule


def test_a_camt_amount_of_a_tenth_of_a_cent_says_so_too(app: QuoteToCash) -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2024-04-02T06:00:00</CreDtTm>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">750.005</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>B-4</AcctSvcrRef></Refs></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"""
    ((_, field, rule),) = refused(app, data, "april.xml")
    assert field == "Amt"
    assert "more than zero" not in rule and "whole minor units of EUR" in rule


def test_a_zero_amount_still_reads_more_than_zero(app: QuoteToCash) -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2024-04-02T06:00:00</CreDtTm>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>B-4</AcctSvcrRef></Refs></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>"""
    ((_, field, rule),) = refused(app, data, "april.xml")
    assert field == "Amt" and "more than zero" in rule
