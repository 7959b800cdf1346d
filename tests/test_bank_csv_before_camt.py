"""One credit, two statements, booked once, whichever statement comes first.

Initech pays 99.00 EUR on 2 April ("order 5521"). The bank's camt.053 of that day lists it; so
does a CSV export of the same account, which may leave out the account column, the payer's IBAN
or the bank's reference, as may the camt.053 its reference. The books hold the credit once: one
credit, one payment, whether the camt.053 or the CSV is imported first. The CSV export without
the account column, imported first into books that know no account yet, cannot say whose
account it is: the camt.053 that follows names the credit so too (by the reference, or by its
content, without the account) and finds it.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from test_bank_suspense_resolution_days import OURS, PAYER, acme_with_invoice

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash


def camt(
    reference: str, with_iban: bool, amount: str = "99.00", payer: str = "Initech LLC"
) -> bytes:
    refs = f"<Refs><AcctSvcrRef>{reference}</AcctSvcrRef></Refs>" if reference else ""
    payer = f"<DbtrAcct><Id><IBAN>{PAYER}</IBAN></Id></DbtrAcct>" if with_iban else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S</Id><CreDtTm>2024-04-02T06:00:00</CreDtTm>
<Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt>
<NtryDtls><TxDtls>{refs}
<RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr>{payer}</RltdPties>
<RmtInf><Ustrd>order 5521</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>""".encode()


def csv(
    reference: str,
    with_iban: bool,
    with_account: bool,
    amount: str = "99.00",
    payer: str = "Initech LLC",
) -> bytes:
    head = ["date", "amount", "currency", "remittance", "name"]
    row = ["2024-04-02", amount, "EUR", "order 5521", payer]
    if with_iban:
        head.append("iban")
        row.append(PAYER)
    head.append("reference")
    row.append(reference)
    if with_account:
        head.append("account")
        row.append(OURS)
    return f"{','.join(head)}\n{','.join(row)}\n".encode()


COMBINATIONS = list(
    itertools.product(("R1", ""), ("R1", ""), (True, False), (True, False), (True, False))
)


@pytest.mark.parametrize(
    ("camt_ref", "csv_ref", "with_iban", "with_account", "csv_first"), COMBINATIONS
)
def test_the_camt053_and_the_csv_export_of_one_credit_book_it_once_in_either_order(
    camt_ref: str, csv_ref: str, with_iban: bool, with_account: bool, csv_first: bool
) -> None:
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    files = [
        (camt(camt_ref, with_iban), "statement.xml"),
        (csv(csv_ref, with_iban, with_account), "export.csv"),
    ]
    if csv_first:
        files.reverse()
    first, second = (bank.import_bytes(data, name, actor="bank") for data, name in files)

    [credit] = app.bank_credits()
    assert credit.credit.amount.amount == 99
    assert (first.recorded + first.suspended, second.recorded + second.suspended) == (1, 0)
    assert second.skipped == 1
    # nobody is owed 99.00 twice: the credit waits in suspense once, with no payment
    assert [c.id for c in app.bank_suspense()] == [credit.id]


def test_a_csv_export_without_the_account_column_comes_first_then_the_camt053(tmp_path) -> None:
    """The story the parametrized test covers, told once: the CSV of no account and no
    reference is booked as a credit of no known account; the camt.053 with the bank's
    reference, of our account, is the same credit and adds nothing."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    export = bank.import_bytes(csv("", True, False), "export.csv", actor="bank")
    statement = bank.import_bytes(camt("R1", True), "statement.xml", actor="bank")
    assert (export.suspended, statement.recorded, statement.suspended) == (1, 0, 0)
    assert statement.skipped == 1
    assert len(app.bank_credits()) == 1


def test_acmes_payment_of_its_invoice_in_both_statements_pays_it_once(tmp_path) -> None:
    """Acme pays its 119.00 invoice; the CSV export (no account column, no reference) comes
    first, then the camt.053 with the reference: one payment, the invoice paid once, nothing
    left as customer credit."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(
        csv("", True, False, amount="119.00", payer="Acme GmbH"), "export.csv", actor="bank"
    )
    statement = bank.import_bytes(
        camt("R1", True, amount="119.00", payer="Acme GmbH"), "statement.xml", actor="bank"
    )
    assert (statement.recorded, statement.skipped) == (0, 1)
    [credit] = app.bank_credits()
    assert credit.payment_id is not None
    summary = app.customer_summary(acme)
    assert summary.open.amount == 0
    assert app.invoice(invoice).outstanding.amount == 0
