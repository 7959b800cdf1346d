"""A transfer the bank gave no reference of its own is known by its content, in every format.

Acme pays INV-000001 by transfer; the bank names the booking by no reference. The bookkeeper
imports the camt.053 statement of 2 April and the bank's CSV export of the same week (in either
order): the transfer is one payment, not two. Both readers name such a credit by one key: our
account, the day, the amount in minor units, the currency, the payer's remittance (spacing and
case aside) and the payer's account. Credits earlier versions booked under their format's own
hash are still known after the upgrade."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from uuid import UUID

import attrs
import pytest
from test_import_bank_identity import acme_owes_100

from q2c_adapters.importers.bank import BankStatementImporter, read_bank_csv, read_camt053
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportRejected, ImportSource

OURS = "DE89370400440532013000"
ACME_IBAN = "DE02100100109307118603"
EUR = "EUR"


def camt(*entries: str, account: str = OURS) -> bytes:
    """A camt.053.001.08 statement of our ``account`` with these entries."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
 <GrpHdr><MsgId>M-1</MsgId><CreDtTm>2024-04-03T06:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>S-1</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>{"".join(entries)}
 </Stmt></BkToCstmrStmt></Document>""".encode()


def transfer(
    amount: str = "100.00",
    *,
    day: str = "2024-04-02",
    ustrd: str = "INV-000001",
    bank_text: str = "",
    iban: str = ACME_IBAN,
) -> str:
    """A booked credit with no bank reference: Acme GmbH (``iban``) pays, quoting ``ustrd``;
    ``bank_text`` is the bank's own text on it (AddtlTxInf)."""
    payer_account = f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>" if iban else ""
    addtl = f"<AddtlTxInf>{bank_text}</AddtlTxInf>" if bank_text else ""
    return f"""
  <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
   <BookgDt><Dt>{day}</Dt></BookgDt><NtryDtls><TxDtls>
    <RltdPties><Dbtr><Pty><Nm>Acme GmbH</Nm></Pty></Dbtr>{payer_account}</RltdPties>
    <RmtInf><Ustrd>{ustrd}</Ustrd></RmtInf>{addtl}
   </TxDtls></NtryDtls></Ntry>"""


CSV = (
    "date,amount,currency,remittance,name,iban,account\n"
    f"2024-04-02,100.00,EUR,INV-000001,Acme GmbH,{ACME_IBAN},{OURS}\n"
)


def bank(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 30))


def paid_once(app: QuoteToCash, acme: UUID, invoice: UUID) -> None:
    (payment,) = app.payments(acme)
    assert payment.amount == Money.of("100.00", EUR)
    assert app.invoice(invoice).outstanding.is_zero()
    assert app.customer_credit(acme) == Money.of("0.00", EUR)
    assert len(app.bank_credits()) == 1


@pytest.mark.parametrize("camt_first", [True, False])
def test_a_transfer_without_a_reference_in_the_statement_and_the_csv_export_is_paid_once(
    tmp_path: Path, camt_first: bool
) -> None:
    """Every cell agrees (day, amount, remittance, payer and payer's account): one payment,
    whichever file comes first."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_owes_100(app)
    files = [(camt(transfer()), "apr02.xml"), (CSV.encode(), "apr02.csv")]
    first, second = files if camt_first else files[::-1]
    assert bank(app).import_bytes(*first, actor="bank-sync").recorded == 1
    report = bank(app).import_bytes(*second, actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 1, 0)
    paid_once(app, acme, invoice)
    app.close()


@pytest.mark.parametrize("camt_first", [True, False])
def test_the_banks_own_text_spacing_and_case_do_not_make_a_second_transfer(
    app: QuoteToCash, camt_first: bool
) -> None:
    """The camt.053 carries the bank's text (AddtlTxInf) beside the payer's purpose; the CSV
    export writes the purpose in capitals, in a column of its own beside the bank's text (or
    leaves that out), and the payer's IBAN in groups of four: the payer's purpose names it."""
    acme, invoice = acme_owes_100(app)
    statement = camt(transfer(ustrd="Rechnung  INV-000001", bank_text="SEPA-GUTSCHRIFT"))
    export = (
        "Buchungstag;Betrag;Währung;Verwendungszweck;Buchungstext;Auftraggeber;IBAN;Account\n"
        "02.04.2024;100,00;EUR;RECHNUNG INV-000001;Gutschrift;ACME GMBH;"
        "DE02 1001 0010 9307 1186 03;DE89 3704 0044 0532 0130 00\n"
    )
    files = [(statement, "apr02.xml"), (export.encode(), "apr02.csv")]
    first, second = files if camt_first else files[::-1]
    bank(app).import_bytes(*first, actor="bank-sync")
    report = bank(app).import_bytes(*second, actor="bank-sync")
    assert (report.recorded, report.skipped) == (0, 1)
    paid_once(app, acme, invoice)


def test_two_payers_sending_the_same_on_one_day_are_still_two_credits(app: QuoteToCash) -> None:
    """Same day, amount and remittance, two payers' accounts: the content key tells them apart in
    either format."""
    acme_owes_100(app)
    other = "FR1420041010050500013M02606"
    bank(app).import_bytes(camt(transfer(), transfer(iban=other)), "apr02.xml", actor="bank")
    export = CSV + f"2024-04-02,100.00,EUR,INV-000001,Acme GmbH,{other},{OURS}\n"
    report = bank(app).import_bytes(export.encode(), "apr02.csv", actor="bank")
    assert (report.recorded, report.skipped, report.suspended) == (0, 2, 0)
    assert len(app.bank_credits()) == 2


def earlier_hash(*parts: str) -> str:
    """A content key as earlier versions of the readers wrote it (first occurrence)."""
    return "h:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + ":0"


# what each format's reader hashed before the formats agreed
EARLIER_CAMT_KEY = earlier_hash(OURS, "2024-04-02", "100.00", EUR, "INV-000001", ACME_IBAN)
EARLIER_CSV_KEY = earlier_hash(
    OURS, "2024-04-02", "100.00", EUR, "INV-000001", "Acme GmbH", ACME_IBAN
)


@pytest.mark.parametrize(
    ("booked_from", "old_key"),
    [("camt", EARLIER_CAMT_KEY), ("csv", EARLIER_CSV_KEY)],
)
def test_a_transfer_booked_before_the_upgrade_is_not_booked_again_in_either_format(
    app: QuoteToCash, booked_from: str, old_key: str
) -> None:
    """An earlier version booked the transfer under its format's own hash: after the upgrade,
    the camt.053 and the CSV export of it are both skipped."""
    acme, invoice = acme_owes_100(app)
    statement = camt(transfer())
    if booked_from == "camt":
        rows, problems, _ = read_camt053(statement, today=date(2024, 4, 30))
    else:
        rows, problems, _ = read_bank_csv(CSV, today=date(2024, 4, 30))
    assert problems == [] and old_key in rows[0].former_keys
    app.import_bank_credits(
        ImportSource(hashlib.sha256(b"old").hexdigest(), "old", ImportKind.BANK_STATEMENT),
        [attrs.evolve(rows[0], credit_key=old_key, former_keys=(), aliases=())],
        imported_on=date(2024, 4, 3),
        actor="bank-sync",
    )
    for data, name in ((statement, "apr02.xml"), (CSV.encode(), "apr02.csv")):
        report = bank(app).import_bytes(data, name, actor="bank-sync")
        assert (report.recorded, report.skipped) == (0, 1), name
    paid_once(app, acme, invoice)


# -- one file, the statements of two of our accounts --------------------------------------------

THEIRS = "FR1420041010050500013M02606"  # our second account, at another bank


def two_statements(first: str, second: str) -> bytes:
    """One camt.053 file holding the statement of our account and that of our second one."""
    document = camt(first).decode()
    other = f"<Stmt><Id>S-2</Id><Acct><Id><IBAN>{THEIRS}</IBAN></Id></Acct>{second}</Stmt>"
    return document.replace("</Stmt>", "</Stmt>" + other).encode()


def referenced(amount: str, ref: str, remittance: str) -> str:
    return transfer(amount, ustrd=remittance).replace(
        "<TxDtls>", f"<TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>"
    )


def test_two_accounts_banks_using_the_same_reference_in_one_file_are_two_credits(
    app: QuoteToCash,
) -> None:
    """Each bank numbers its credits itself: both gave 2024040200001. Two credits, both paid."""
    acme, invoice = acme_owes_100(app)
    document = two_statements(
        referenced("100.00", "2024040200001", "INV-000001"),
        referenced("250.00", "2024040200001", "advance payment"),
    )
    report = bank(app).import_bytes(document, "both.xml", actor="bank")
    # (the advance payment names no invoice: Acme's credit, waiting for one)
    assert (report.recorded, report.suspended, report.skipped) == (1, 1, 0)
    assert app.invoice(invoice).outstanding.is_zero()
    assert app.customer_credit(acme) == Money.of("250.00", EUR)
    again = bank(app).import_bytes(document + b"\n", "both (again).xml", actor="bank")
    assert (again.recorded, again.skipped) == (0, 2)


def test_one_day_amount_and_remittance_on_two_accounts_from_two_payers_are_two_credits(
    app: QuoteToCash,
) -> None:
    acme_owes_100(app)
    other_payer = "BE68539007547034"
    document = two_statements(transfer(), transfer(iban=other_payer))
    report = bank(app).import_bytes(document, "both.xml", actor="bank")
    assert report.recorded + report.suspended == 2 and report.skipped == 0
    assert len(app.bank_credits()) == 2


# -- how a camt.053 file may write things -------------------------------------------------------


def taken_back(indicator: str) -> str:
    """The bank takes back credit 2024040200001 on 5 April, its RvslInd written ``indicator``."""
    return f"""
  <Ntry><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>{indicator}</RvslInd>
   <Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-04-05</Dt></BookgDt><NtryDtls><TxDtls>
    <Refs><AcctSvcrRef>2024040200001</AcctSvcrRef></Refs></TxDtls></NtryDtls></Ntry>"""


@pytest.mark.parametrize("indicator", ["1", "true", " TRUE "])
def test_a_reversal_written_as_xs_boolean_one_bounces_the_payment(
    app: QuoteToCash, indicator: str
) -> None:
    acme, invoice = acme_owes_100(app)
    bank(app).import_bytes(
        camt(referenced("100.00", "2024040200001", "INV-000001")), "apr02.xml", actor="bank"
    )
    report = bank(app).import_bytes(camt(taken_back(indicator)), "apr05.xml", actor="bank")
    assert (report.recorded, report.ignored) == (1, 0)
    (payment,) = app.payments(acme)
    assert payment.is_bounced
    assert app.invoice(invoice).outstanding == Money.of("100.00", EUR)


@pytest.mark.parametrize("indicator", ["0", "false", ""])
def test_a_debit_whose_reversal_indicator_says_no_is_an_ordinary_debit(
    app: QuoteToCash, indicator: str
) -> None:
    acme, invoice = acme_owes_100(app)
    bank(app).import_bytes(
        camt(referenced("100.00", "2024040200001", "INV-000001")), "apr02.xml", actor="bank"
    )
    report = bank(app).import_bytes(camt(taken_back(indicator)), "apr05.xml", actor="bank")
    assert (report.recorded, report.ignored) == (0, 1)
    assert not app.payments(acme)[0].is_bounced
    assert app.invoice(invoice).outstanding.is_zero()


def test_a_reversal_indicator_that_is_no_boolean_refuses_the_statement(app: QuoteToCash) -> None:
    acme_owes_100(app)
    with pytest.raises(ImportRejected) as refused:
        bank(app).import_bytes(camt(taken_back("yes")), "apr05.xml", actor="bank")
    (problem,) = refused.value.problems
    assert problem.field == "RvslInd" and "true or false" in problem.rule
    assert app.bank_credits() == []


def test_a_remittance_with_an_xml_comment_or_entities_is_read_whole(app: QuoteToCash) -> None:
    """The bank's software split the payer's text with a comment and wrote & as an entity."""
    _, invoice = acme_owes_100(app)
    document = camt(transfer(ustrd="Acme &amp; Co: INV-<!-- line 2 -->000001 &#x2014; thanks"))
    report = bank(app).import_bytes(document, "apr02.xml", actor="bank")
    assert report.recorded == 1
    (credit,) = app.bank_credits()
    assert credit.credit.remittance == "Acme & Co: INV-000001 \u2014 thanks"
    assert app.invoice(invoice).outstanding.is_zero()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_statement_saved_in_utf16_or_utf32_is_read_as_camt053(
    app: QuoteToCash, encoding: str
) -> None:
    """An export tool saved the statement as UTF-16 (or -32) with its byte-order mark."""
    _, invoice = acme_owes_100(app)
    text = camt(transfer(ustrd="INV-000001 Müller")).decode()
    declared = text.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    data = declared.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    report = bank(app).import_bytes(data, "apr02.xml", actor="bank")
    assert report.recorded == 1
    assert app.bank_credits()[0].credit.remittance == "INV-000001 Müller"
    assert app.invoice(invoice).outstanding.is_zero()
