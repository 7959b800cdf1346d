"""A reference that is no reference: Sparkasse and other German banks write ``NONREF`` (the
MT940 placeholder) as the entry's AcctSvcrRef of every credit. It names no credit: the credits
of such a statement are known by their content (day, amount, remittance, payer's account), so
two credits are never taken for one, and two payers' credits on one day are never merged.

The reader of earlier versions keyed such credits ``camt:<account>:NONREF:0``; a credit it
booked so is known again by that key when it is the same credit (the same payer's too), so an
upgraded store skips it, and books what that key once swallowed."""

from __future__ import annotations

import hashlib
from datetime import date

import attrs
import pytest
from test_import_bank import build

from q2c_adapters.importers.bank import BankStatementImporter, read_camt053
from q2c_core import Money, QuoteToCash
from q2c_core.domain.import_batch import ImportKind, ImportSource

OURS = "DE89370400440532013000"
ACME_IBAN = "DE02100100109307118603"
GLOBEX_IBAN = "FR7630006000011234567890189"


def entry(amount: str, payer: str, iban: str, text: str, day: str = "2024-04-02") -> str:
    """A Sparkasse-style booked credit: entry AcctSvcrRef NONREF, the bank's own id only as a
    proprietary reference of the transaction."""
    remittance = f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf>" if text else ""
    return f"""
      <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>NONREF</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><Prtry><Tp>FI-UMSATZ-ID</Tp><Ref>{payer}-{day}</Ref></Prtry></Refs>
          <RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>
          </RltdPties>{remittance}
        </TxDtls></NtryDtls>
      </Ntry>"""


def statement(*entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-04-02T06:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>S1</Id><Acct><Id><IBAN>{OURS}</IBAN></Id></Acct>{"".join(entries)}
  </Stmt></BkToCstmrStmt></Document>""".encode()


def bank(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 4, 5))


def test_two_credits_of_a_sparkasse_statement_are_two_payments(app: QuoteToCash) -> None:
    """Acme pays INV-000001 and Globex INV-000004 on one day; the bank writes NONREF on both.
    Both are booked and pay their invoices; the statement downloaded again books nothing."""
    ids = build(app)
    april = statement(
        entry("1190.00", "ACME GMBH", ACME_IBAN, "INV-000001"),
        entry("750.00", "Globex SA", GLOBEX_IBAN, "INV-000004"),
    )
    report = bank(app).import_bytes(april, "sparkasse.xml", actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (2, 0, 0)
    assert app.invoice(ids["INV-000001"]).outstanding.is_zero()
    assert app.invoice(ids["INV-000004"]).outstanding.is_zero()
    # NONREF is shown as no reference, not as the bank's reference for the credit
    assert {c.credit.bank_reference for c in app.bank_credits()} == {""}

    again = bank(app).import_bytes(april + b"\n", "sparkasse (again).xml", actor="bank-sync")
    assert (again.recorded, again.skipped) == (0, 2)
    assert len(app.bank_credits()) == 2


@pytest.mark.parametrize("placeholder", ["NONREF", "NOTPROVIDED", "nonref", "NOREF", "N/A"])
def test_a_placeholder_reference_names_no_credit(placeholder: str) -> None:
    """Two credits of one day under the same placeholder get two keys, none built from it."""
    april = statement(
        entry("300.00", "Globex SA", GLOBEX_IBAN, ""),
        entry("300.00", "ACME GMBH", ACME_IBAN, ""),
    ).replace(b"<AcctSvcrRef>NONREF<", f"<AcctSvcrRef>{placeholder}<".encode())
    rows, problems, _ = read_camt053(april, today=date(2024, 4, 5))
    assert problems == []
    assert len({r.credit_key for r in rows}) == 2
    assert not any(placeholder in r.credit_key for r in rows)


def test_two_payers_paying_the_same_amount_on_one_day_are_two_credits(app: QuoteToCash) -> None:
    """Globex pays its 300.00 and Acme sends 300.00 on the same day, neither with a remittance:
    two credits. Before, the second was taken for the first and Acme's 300.00 vanished."""
    ids = build(app)
    april = statement(
        entry("300.00", "Globex SA", GLOBEX_IBAN, ""),
        entry("300.00", "ACME GMBH", ACME_IBAN, ""),
    )
    report = bank(app).import_bytes(april, "sparkasse.xml", actor="bank-sync")
    assert (report.rows, report.skipped) == (2, 0)
    payers = sorted(c.credit.debtor_name for c in app.bank_credits())
    assert payers == ["ACME GMBH", "Globex SA"]
    assert app.invoice(ids["INV-000005"]).outstanding.is_zero()
    assert [p.amount for p in app.payments(ids["acme"])] == [Money.of("300.00", "EUR")]


def test_every_later_sparkasse_statement_is_booked_too(app: QuoteToCash) -> None:
    """Tuesday's statement carries another NONREF credit: booked, not refused as Monday's."""
    ids = build(app)
    monday = statement(entry("1190.00", "ACME GMBH", ACME_IBAN, "INV-000001"))
    tuesday = statement(entry("750.00", "Globex SA", GLOBEX_IBAN, "INV-000004", "2024-04-03"))
    bank(app).import_bytes(monday, "monday.xml", actor="bank-sync")
    report = bank(app).import_bytes(tuesday, "tuesday.xml", actor="bank-sync")
    assert (report.recorded, report.skipped) == (1, 0)
    assert app.invoice(ids["INV-000004"]).outstanding.is_zero()


def test_a_store_that_booked_nonref_credits_before_skips_them_and_books_what_was_merged(
    app: QuoteToCash,
) -> None:
    """The earlier reader booked Globex's 300.00 under ``camt:<ours>:NONREF:0`` and took
    Acme's 300.00 of the same day for it. The statement imported again after the upgrade skips
    Globex's credit (booked) and books Acme's, which that key swallowed."""
    ids = build(app)
    april = statement(
        entry("300.00", "Globex SA", GLOBEX_IBAN, ""),
        entry("300.00", "ACME GMBH", ACME_IBAN, ""),
    )
    rows, problems, _ = read_camt053(april, today=date(2024, 4, 5))
    assert problems == []
    old_key = f"camt:{OURS}:NONREF:0"
    assert all(old_key in r.former_keys for r in rows)
    as_before = [attrs.evolve(rows[0], credit_key=old_key, former_keys=())]
    app.import_bank_credits(
        ImportSource(hashlib.sha256(b"apr02").hexdigest(), "apr02.xml", ImportKind.BANK_STATEMENT),
        as_before,
        imported_on=date(2024, 4, 3),
        actor="bank-sync",
    )
    assert app.invoice(ids["INV-000005"]).outstanding.is_zero()

    report = bank(app).import_bytes(april, "apr02 (again).xml", actor="bank-sync")
    assert (report.recorded + report.suspended, report.skipped) == (1, 1)
    assert len(app.payments(ids["globex"])) == 1
    assert [p.amount for p in app.payments(ids["acme"])] == [Money.of("300.00", "EUR")]
