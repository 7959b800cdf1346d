"""A transfer one format names by the bank's reference and the other does not is paid once.

Acme pays INV-000001 (100.00) by transfer on 2 April. The bank's camt.053 statement gives the
booking its own reference (AcctSvcrRef); the CSV export of the same week leaves the reference
column out (or the other way round: the CSV carries it, the camt.053 does not). The bookkeeper
imports both, in either order: the transfer is one payment, the invoice is paid, nothing is left
unallocated. A credit with a reference is also known by its content (our account, day, amount,
the payer's remittance and account, and its occurrence among the statement's credits of that
content), so two transfers of identical content under two references stay two credits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from uuid import UUID

import attrs
import pytest
from test_import_bank_identity import acme_owes_100

from q2c_adapters.importers.bank import BankStatementImporter, content_key, read_camt053
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportSource

OURS = "DE89370400440532013000"
ACME_IBAN = "DE02100100109307118603"
EUR = "EUR"


def camt(*entries: str, message: str = "M-1") -> bytes:
    """A camt.053.001.08 statement of our account with these entries."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
 <GrpHdr><MsgId>{message}</MsgId><CreDtTm>2024-04-03T06:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>S-1</Id><Acct><Id><IBAN>{OURS}</IBAN></Id></Acct>{"".join(entries)}
 </Stmt></BkToCstmrStmt></Document>""".encode()


def transfer(reference: str = "", *, ustrd: str = "INV-000001", bank_text: str = "") -> str:
    """Acme's booked credit of 100.00 on 2 April quoting ``ustrd``; ``reference``: the bank's
    own (AcctSvcrRef), none when empty; ``bank_text``: the bank's own text (AddtlTxInf)."""
    refs = f"<Refs><AcctSvcrRef>{reference}</AcctSvcrRef></Refs>" if reference else ""
    addtl = f"<AddtlTxInf>{bank_text}</AddtlTxInf>" if bank_text else ""
    return f"""
  <Ntry><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
   <BookgDt><Dt>2024-04-02</Dt></BookgDt><NtryDtls><TxDtls>{refs}
    <RltdPties><Dbtr><Pty><Nm>Acme GmbH</Nm></Pty></Dbtr>
     <DbtrAcct><Id><IBAN>{ACME_IBAN}</IBAN></Id></DbtrAcct></RltdPties>
    <RmtInf><Ustrd>{ustrd}</Ustrd></RmtInf>{addtl}
   </TxDtls></NtryDtls></Ntry>"""


def csv_export(references: Sequence[str | None] = (None,), *, account_column: bool = True) -> bytes:
    """The bank's CSV export with one row of Acme's 100.00 per item of ``references``: with a
    reference column when any is not None (a None row leaves its cell empty)."""
    with_refs = any(r is not None for r in references)
    header = "date,amount,currency,remittance,name,iban" + (",reference" if with_refs else "")
    header += ",account" if account_column else ""
    lines = [header]
    for reference in references:
        row = f"2024-04-02,100.00,EUR,INV-000001,Acme GmbH,{ACME_IBAN}"
        row += f",{reference or ''}" if with_refs else ""
        row += f",{OURS}" if account_column else ""
        lines.append(row)
    return ("\n".join(lines) + "\n").encode()


def bank(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 30), account=OURS)


def paid_once(app: QuoteToCash, acme: UUID, invoice: UUID) -> None:
    """Acme's 100.00 is one payment, paying INV-000001, none of it left unallocated."""
    (payment,) = app.payments(acme)
    assert payment.amount == Money.of("100.00", EUR)
    assert app.invoice(invoice).outstanding.is_zero()
    assert app.customer_credit(acme) == Money.of("0.00", EUR)
    assert len(app.bank_credits()) == 1


ONE_TRANSFER = {
    "camt with reference, csv without": (camt(transfer("BANK-REF-1")), csv_export()),
    "camt with reference and the bank's text, csv without": (
        camt(transfer("BANK-REF-1", bank_text="SEPA-GUTSCHRIFT")),
        csv_export(),
    ),
    "camt with reference, csv with an empty reference cell": (
        camt(transfer("BANK-REF-1")),
        csv_export([""]),
    ),
    "csv with reference, camt without": (camt(transfer()), csv_export(["BANK-REF-1"])),
    "camt with reference, csv without account column nor reference": (
        camt(transfer("BANK-REF-1")),
        csv_export(account_column=False),
    ),
}


@pytest.mark.parametrize("camt_first", [True, False], ids=["camt first", "csv first"])
@pytest.mark.parametrize("files", ONE_TRANSFER.values(), ids=ONE_TRANSFER.keys())
def test_a_transfer_named_by_reference_in_one_format_only_is_paid_once(
    tmp_path: Path, files: tuple[bytes, bytes], camt_first: bool
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_owes_100(app)
    statement, export = files
    named = [(statement, "apr02.xml"), (export, "apr02.csv")]
    first, second = named if camt_first else named[::-1]
    assert bank(app).import_bytes(*first, actor="bank-sync").recorded == 1
    report = bank(app).import_bytes(*second, actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 1, 0)
    paid_once(app, acme, invoice)
    # importing either again records nothing: the same file, or another download of it
    for data, name in (*named, (statement.replace(b"M-1", b"M-2"), "again.xml")):
        again = bank(app).import_bytes(data, name, actor="bank-sync")
        assert (again.recorded, again.suspended) == (0, 0)
    again = bank(app).import_bytes(export + b"\n", "again.csv", actor="bank-sync")
    assert (again.recorded, again.suspended) == (0, 0)
    paid_once(app, acme, invoice)
    app.close()
    reopened = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    paid_once(reopened, acme, invoice)
    reopened.close()


@pytest.mark.parametrize("camt_first", [True, False], ids=["camt first", "csv first"])
def test_two_transfers_of_the_same_content_under_two_references_stay_two(
    app: QuoteToCash, camt_first: bool
) -> None:
    """Acme sends 100.00 quoting INV-000001 twice on one day: the camt.053 names them by two
    references, the CSV export by none. Two payments, the invoice paid by one, the other kept as
    Acme's credit: whichever file comes first."""
    acme, invoice = acme_owes_100(app)
    statement = camt(transfer("BANK-REF-1"), transfer("BANK-REF-2"))
    export = csv_export([None, None])
    named = [(statement, "apr02.xml"), (export, "apr02.csv")]
    first, second = named if camt_first else named[::-1]
    assert bank(app).import_bytes(*first, actor="bank-sync").recorded == 1  # one pays it
    report = bank(app).import_bytes(*second, actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 2, 0)
    assert len(app.payments(acme)) == 2
    assert len(app.bank_credits()) == 2
    assert app.invoice(invoice).outstanding.is_zero()
    assert app.customer_credit(acme) == Money.of("100.00", EUR)


def test_a_second_transfer_of_the_same_content_in_one_file_is_not_taken_for_the_first(
    app: QuoteToCash,
) -> None:
    """The camt.053 lists one transfer under its reference; the CSV export lists that one and
    a second, identical one (its reference unknown to the export): the second is booked."""
    acme, invoice = acme_owes_100(app)
    bank(app).import_bytes(camt(transfer("BANK-REF-1")), "apr02.xml", actor="bank-sync")
    export = csv_export([None, None])
    report = bank(app).import_bytes(export, "apr02.csv", actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 1, 1)
    assert len(app.payments(acme)) == 2
    assert app.invoice(invoice).outstanding.is_zero()
    assert app.customer_credit(acme) == Money.of("100.00", EUR)


def test_a_credit_named_by_reference_keeps_its_key(app: QuoteToCash) -> None:
    """The credit is still booked under the bank's reference (credits booked before are known
    by it): its content is only another name for it."""
    acme_owes_100(app)
    bank(app).import_bytes(camt(transfer("BANK-REF-1")), "apr02.xml", actor="bank-sync")
    (credit,) = app.bank_credits()
    assert credit.credit_key == f"camt:{OURS}:BANK-REF-1"


def split_transfer(*lines: str) -> str:
    """Acme's 100.00 on 2 April with no reference, its remittance in these Ustrd lines (the
    bank cuts it every 35 characters)."""
    ustrd = "".join(f"<Ustrd>{line}</Ustrd>" for line in lines)
    return transfer(ustrd="").replace("<Ustrd></Ustrd>", ustrd)


PURPOSE = "INV-000001 Zahlung fuer Wartungsvertrag April 2024"
SPLIT_CSV = {
    "one cell": f"2024-04-02,100.00,EUR,{PURPOSE},Acme GmbH,{ACME_IBAN},{OURS}\n",
    "a cell broken elsewhere": (
        '2024-04-02,100.00,EUR,"INV-000001 Zahlung fuer War\ntungsvertrag April 2024",'
        f"Acme GmbH,{ACME_IBAN},{OURS}\n"
    ),
}


@pytest.mark.parametrize("camt_first", [True, False], ids=["camt first", "csv first"])
@pytest.mark.parametrize("row", SPLIT_CSV.values(), ids=SPLIT_CSV.keys())
def test_a_remittance_split_into_lines_differently_in_each_format_is_paid_once(
    tmp_path: Path, row: str, camt_first: bool
) -> None:
    """The camt.053 cuts Acme's purpose into two Ustrd lines of 35 characters; the CSV export
    writes it in one cell, or breaks it at another place: one payment, whichever comes first."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_owes_100(app)
    statement = camt(split_transfer(PURPOSE[:35], PURPOSE[35:]))
    export = ("date,amount,currency,remittance,name,iban,account\n" + row).encode()
    named = [(statement, "apr02.xml"), (export, "apr02.csv")]
    first, second = named if camt_first else named[::-1]
    assert bank(app).import_bytes(*first, actor="bank-sync").recorded == 1
    report = bank(app).import_bytes(*second, actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 1, 0)
    paid_once(app, acme, invoice)
    app.close()


def test_a_credit_booked_before_by_its_spaced_remittance_is_still_known(app: QuoteToCash) -> None:
    """A credit booked before the remittance was read whole, under the key of its spaced
    remittance (``content_key``), is the same credit when the statement comes again."""
    acme, invoice = acme_owes_100(app)
    statement = camt(split_transfer(PURPOSE[:35], PURPOSE[35:]))
    (row,) = read_camt053(statement, today=date(2024, 4, 30))[0]
    before = content_key(row.credit, f"{PURPOSE[:35]} {PURPOSE[35:]}") + ":0"
    source = ImportSource(hashlib.sha256(b"old").hexdigest(), "old", ImportKind.BANK_STATEMENT)
    app.import_bank_credits(
        source,
        [attrs.evolve(row, credit_key=before, aliases=())],
        imported_on=date(2024, 4, 3),
        actor="bank-sync",
    )
    again = bank(app).import_bytes(statement.replace(b"M-1", b"M-2"), "again.xml", actor="bank")
    assert (again.recorded, again.skipped, again.suspended) == (0, 1, 0)
    paid_once(app, acme, invoice)
