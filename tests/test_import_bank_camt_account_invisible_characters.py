"""A camt.053 account holding an invisible or full-width character is refused, not booked twice.

Globex's 99.00 came in on our account DE89 3704 0044 0532 0130 00 with Tuesday's camt.053.
Wednesday's statement listed it again (the bank's statements overlap), but a tool on the way
had left a zero-width space in the statement's IBAN (or wrote it in full-width letters, or
left a word joiner in the payer's DbtrAcct): the same credit was booked a second time, as a
credit of another account, and waited in suspense. Every key of a credit holds its accounts,
as the CSV reader already knew: such a statement is refused, naming the line and the element,
nothing recorded. No-break spaces stay taken for spaces.
"""

from __future__ import annotations

from datetime import date

import pytest
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.domain.import_batch import ImportRejected

OURS = "DE89370400440532013000"
PAYER = "GB33BUKB20201555555555"


def statement(ours: str, payer: str, ref: str, day: str = "2024-04-02") -> bytes:
    refs = f"<Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>" if ref else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>{day}</MsgId></GrpHdr>
<Stmt><Id>{day}</Id>
<Acct><Id><IBAN>{ours}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">99.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2024-04-02</Dt></BookgDt>
<NtryDtls><TxDtls>{refs}
<RltdPties><Dbtr><Pty><Nm>Initech LLC</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>{payer}</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Ustrd>order 5521</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
""".encode()


@pytest.mark.parametrize("ref", ["TX-7", ""], ids=["with reference", "without"])
@pytest.mark.parametrize(
    ("element", "line", "ours", "payer"),
    [
        ("Acct/Id/IBAN", 5, "DE89\u200b370400440532013000", PAYER),
        ("Acct/Id/IBAN", 5, "ＤＥ89370400440532013000", PAYER),
        ("DbtrAcct", 8, OURS, "GB33\u2060BUKB20201555555555"),
    ],
    ids=["our account, zero-width space", "our account, full-width", "payer's, word joiner"],
)
def test_the_same_credit_with_an_account_touched_up_is_refused_not_booked_twice(
    app: QuoteToCash, ref: str, element: str, line: int, ours: str, payer: str
) -> None:
    build(app)
    importer = BankStatementImporter(app, today=date(2024, 4, 3))
    importer.import_bytes(statement(OURS, PAYER, ref), "tuesday.xml", actor="bank")
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        wednesday = statement(ours, payer, ref, day="2024-04-03")
        importer.import_bytes(wednesday, "wednesday.xml", actor="bank")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (line, element)
    assert "invisible or full-width" in problem.rule
    assert app.recorder.max_notification_id() == before
    assert len(app.bank_credits()) == 1


def test_no_break_spaces_in_the_accounts_are_spaces(app: QuoteToCash) -> None:
    build(app)
    importer = BankStatementImporter(app, today=date(2024, 4, 3))
    importer.import_bytes(statement(OURS, PAYER, ""), "tuesday.xml", actor="bank")
    spaced = statement(
        "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000",
        "GB33\u00a0BUKB\u00a02020\u00a01555\u00a05555\u00a055",
        "",
        day="2024-04-03",
    )
    report = importer.import_bytes(spaced, "wednesday.xml", actor="bank")
    assert (report.recorded, report.suspended, report.skipped) == (0, 0, 1)
    assert len(app.bank_credits()) == 1


def test_an_account_not_an_iban_is_named_by_its_own_element(app: QuoteToCash) -> None:
    """A statement of an account the bank numbers without an IBAN (Acct/Id/Othr/Id)."""
    build(app)
    iban = f"<IBAN>{OURS}</IBAN></Id><Ccy>"
    othr = "<Othr><Id>0532\u200b013000</Id></Othr></Id><Ccy>"
    other = statement(OURS, PAYER, "TX-7").decode().replace(iban, othr).encode()
    with pytest.raises(ImportRejected) as caught:
        BankStatementImporter(app, today=date(2024, 4, 3)).import_bytes(
            other, "other.xml", actor="bank"
        )
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (5, "Acct/Id/Othr/Id")
    assert app.bank_credits() == []
