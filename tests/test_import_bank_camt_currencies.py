"""A camt.053 entry is in its account's currency; a batch's transactions in the entry's.

Globex pays its 750.00 EUR and 300.00 EUR invoices. The bank's statement of our EUR account
listed a batch entry of 1050.00 EUR whose two transactions gave their amounts in USD (the
amounts the payer instructed, 750.00 and 300.00 USD): the reader added dollars to euros, found
they "add up", and booked two USD credits that paid nothing and waited in suspense, though
the account received euros. An entry in USD on a statement of a EUR account (Acct/Ccy) was
booked as 750.00 USD received likewise. The money a EUR account received is euros: such an
entry is refused, naming its line and the amount, nothing recorded. An account of several
currencies (no Acct/Ccy) takes an entry in any of them.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected


def statement(account_ccy: str, entry: str) -> bytes:
    ccy = f"<Ccy>{account_ccy}</Ccy>" if account_ccy else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>M-1</MsgId></GrpHdr>
<Stmt><Id>S-1</Id>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id>{ccy}</Acct>
{entry}
</Stmt></BkToCstmrStmt></Document>
""".encode()


def tx(amount: str, ccy: str, ref: str, invoice: str) -> str:
    return (
        f'<TxDtls><Amt Ccy="{ccy}">{amount}</Amt><Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>'
        f"<RmtInf><Ustrd>{invoice}</Ustrd></RmtInf></TxDtls>"
    )


def entry(amount: str, ccy: str, *txs: str) -> str:
    return (
        f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-04-02</Dt></BookgDt>"
        f"<AcctSvcrRef>E-1</AcctSvcrRef><NtryDtls>{''.join(txs)}</NtryDtls></Ntry>"
    )


def refused(app: QuoteToCash, data: bytes) -> tuple[int, str, str]:
    importer = BankStatementImporter(app, today=date(2024, 4, 3))
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        importer.import_bytes(data, "statement.xml", actor="bank")
    assert app.recorder.max_notification_id() == before
    assert app.bank_credits() == []
    (problem,) = caught.value.problems
    return problem.line, problem.field, problem.rule


def test_a_batch_whose_transactions_are_in_another_currency_is_refused(app: QuoteToCash) -> None:
    build(app)
    batch = entry(
        "1050.00",
        "EUR",
        tx("750.00", "USD", "B-4", "INV-000004"),
        tx("300.00", "USD", "B-5", "INV-000005"),
    )
    line, field, rule = refused(app, statement("EUR", batch))
    assert (line, field) == (6, "TxDtls/Amt")
    assert "USD" in rule and "EUR" in rule


def test_an_entry_in_another_currency_than_the_account_is_refused(app: QuoteToCash) -> None:
    build(app)
    dollars = entry("750.00", "USD", tx("750.00", "USD", "B-4", "INV-000004"))
    line, field, rule = refused(app, statement("EUR", dollars))
    assert (line, field) == (6, "Amt")
    assert "USD" in rule and "EUR" in rule


def test_the_batch_in_the_account_s_currency_pays_both_invoices(app: QuoteToCash) -> None:
    ids = build(app)
    batch = entry(
        "1050.00",
        "EUR",
        tx("750.00", "EUR", "B-4", "INV-000004"),
        tx("300.00", "EUR", "B-5", "INV-000005"),
    )
    importer = BankStatementImporter(app, today=date(2024, 4, 3))
    report = importer.import_bytes(statement("EUR", batch), "statement.xml", actor="bank")
    assert (report.recorded, report.suspended) == (2, 0)
    assert app.invoice(ids["INV-000004"]).outstanding.amount == 0
    assert app.invoice(ids["INV-000005"]).outstanding.amount == 0


def test_an_account_of_several_currencies_takes_an_entry_in_any(app: QuoteToCash) -> None:
    build(app)
    dollars = entry("99.00", "USD", tx("99.00", "USD", "B-9", "order 5521"))
    importer = BankStatementImporter(app, today=date(2024, 4, 3))
    report = importer.import_bytes(statement("", dollars), "statement.xml", actor="bank")
    assert (report.recorded, report.suspended) == (0, 1)
    (credit,) = app.bank_credits()
    assert str(credit.credit.amount) == "99.00 USD"
