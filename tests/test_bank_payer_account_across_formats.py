"""One transfer is one payment, whichever statement names the payer's account.

Acme pays its invoice INV-000001 (119.00 EUR) on 2 April. The bank's camt.053 gives the payer's
IBAN (and perhaps the bank's reference, AcctSvcrRef R1); its CSV export of the same day gives
neither an IBAN column nor (perhaps) the reference. A statement that does not name the payer's
account may be of any payer: the two statements are the same 119.00, imported in either order,
with or without our account in the CSV. Two payers' credits of the same content, both named,
stay two credits; so do Acme's, named by its IBAN, and Beta Ltd's, whose entry the bank gave no
payer's account (no DbtrAcct): that is no account, not any payer's.
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


def from_beta(statement: bytes) -> bytes:
    """A credit of Beta Ltd whose entry names no payer's account (no DbtrAcct: a cash deposit,
    a non-SEPA transfer): the bank names no account, which is not "any payer"."""
    return statement.replace(b"Acme GmbH", b"Beta Ltd")


@pytest.mark.parametrize("acme_first", [True, False], ids=["acme-first", "beta-first"])
def test_a_payer_the_bank_names_no_account_of_is_not_another_payer_named_by_its_iban(
    acme_first: bool,
) -> None:
    """Acme's 50.00 from its IBAN and Beta's 50.00 without DbtrAcct, the same text, in the
    morning's and the evening's statements of 2 April: the bank holds 100.00, two credits."""
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    files = [
        (camt("", PAYER, "50.00"), "acme.xml"),
        (from_beta(camt("", "", "50.00")), "beta.xml"),
    ]
    if not acme_first:
        files.reverse()
    first, second = (bank.import_bytes(data, name, actor="bank") for data, name in files)

    assert (first.skipped, second.skipped) == (0, 0)
    assert sorted(c.credit.debtor_name for c in app.bank_credits()) == ["Acme GmbH", "Beta Ltd"]
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")


def test_a_csv_with_an_iban_column_left_empty_names_no_account_not_any_payer() -> None:
    """A CSV export with the IBAN column names payers: an empty cell is a credit the bank named
    no account of (Beta's), not Acme's credit the camt.053 named by its IBAN."""
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(camt("", PAYER, "50.00"), "acme.xml", actor="bank")
    beta = (
        "date,amount,currency,remittance,name,iban,account\n"
        f"2024-04-02,50.00,EUR,INV-000001,Beta Ltd,,{OURS}\n"
    ).encode()
    later = bank.import_bytes(beta, "beta.csv", actor="bank")

    assert (later.recorded + later.suspended, later.skipped) == (1, 0)
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")


def camt_of_two(first_payer: str, second_payer: str) -> bytes:
    """One camt.053 of 2 April with two credits of 50.00 for INV-000001: Acme's, from its IBAN
    when ``first_payer`` names it, then Beta's, from ``second_payer`` (none: no DbtrAcct)."""
    acme, beta = camt("", first_payer, "50.00"), from_beta(camt("", second_payer, "50.00"))
    entry = beta[beta.index(b"<Ntry>") : beta.index(b"</Stmt>")]
    return acme.replace(b"</Stmt>", entry + b"</Stmt>")


CSV_OF_TWO = (
    b"date,amount,currency,remittance,name\n"
    b"2024-04-02,50.00,EUR,INV-000001,Acme GmbH\n"
    b"2024-04-02,50.00,EUR,INV-000001,Beta Ltd\n"
)


@pytest.mark.parametrize("camt_first", [True, False], ids=["camt-first", "csv-first"])
@pytest.mark.parametrize(
    ("first_payer", "second_payer"),
    [(PAYER, ""), ("", PAYER), (PAYER, OTHER_PAYER)],
    ids=["acme-named-beta-not", "acme-not-beta-named", "both-named"],
)
def test_a_camt053_of_two_payers_and_the_csv_export_naming_neither_are_the_same_two_credits(
    camt_first: bool, first_payer: str, second_payer: str
) -> None:
    """The camt.053 names Acme's and Beta's accounts where the bank knew them; the CSV export
    of the day names no payer's account: each of its two rows is one of the camt's credits,
    the first the first, and the bank holds 100.00, whichever came first."""
    app = QuoteToCash.open("memory:")
    acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    files = [(camt_of_two(first_payer, second_payer), "apr02.xml"), (CSV_OF_TWO, "apr02.csv")]
    if not camt_first:
        files.reverse()
    first, second = (bank.import_bytes(data, name, actor="bank") for data, name in files)

    assert (first.recorded + first.suspended, second.skipped) == (2, 2)
    assert len(app.bank_credits()) == 2
    assert ledger_balances(app, date(2024, 4, 30))["Assets:Bank"] == Decimal("100.00")
