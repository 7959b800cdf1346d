"""What names a bank credit across statements: the bank's own references, never the payer's.

A payer chooses the EndToEndId of its transfers and often writes the invoice number in it, on
every transfer; the bank gives each booking its own reference (AcctSvcrRef). A credit is known
by the bank's reference, so two transfers quoting one invoice are two payments, and the same
statement downloaded again books nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID

from q2c_adapters.importers.bank import BankStatementImporter, read_bank_csv, read_camt053
from q2c_core import InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate

EUR = "EUR"
IBAN = "DE89370400440532013000"


def acme_owes_100(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme GmbH and its invoice INV-000001 of 100.00, issued on 1 March 2024."""
    acme = app.register_customer(
        "Acme GmbH", EUR, account_manager="mia", actor="alice", tax_rate=TaxRate.standard(0)
    )
    line = InvoiceLine(
        line_id="L1",
        description="Services",
        quantity=Decimal(1),
        unit_price=Money.of("100", EUR),
        tax=TaxRate.standard(0),
        source=LineSource(SourceKind.MANUAL, note="test"),
    )
    invoice = app.draft_invoice(acme, [line], drafted_on=date(2024, 3, 1), actor="billy")
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice, role=role, approved_on=date(2024, 3, 1), actor=who)
    app.issue_invoice(invoice, issued_on=date(2024, 3, 1), actor="bea")
    return acme, invoice


def statement(*entries: str, message: str = "MSG-1") -> bytes:
    """A camt.053.001.02 statement of our account with these entries; ``message`` tells two
    downloads of one statement apart (the bank stamps each with a new message id)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
 <GrpHdr><MsgId>{message}</MsgId><CreDtTm>2024-05-03T06:00:00</CreDtTm></GrpHdr>
 <Stmt><Id>S-1</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>{"".join(entries)}
 </Stmt></BkToCstmrStmt></Document>""".encode()


def tx(amount: str = "", *, ref: str = "", end_to_end: str = "INV-000001") -> str:
    """One transaction of an entry: Acme pays, quoting INV-000001 (also as its EndToEndId)."""
    refs = (f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else "") + (
        f"<EndToEndId>{end_to_end}</EndToEndId>"
    )
    amt = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    return f"""
        <TxDtls><Refs>{refs}</Refs>{amt}
          <RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>INV-000001</Ustrd></RmtInf>
        </TxDtls>"""


def credit(day: str, amount: str, *txs: str, ref: str = "") -> str:
    """A booked credit entry; ``ref`` is the bank's reference for the entry."""
    own = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    return f"""
      <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>{own}
        <NtryDtls>{"".join(txs) or tx()}</NtryDtls>
      </Ntry>"""


def bank(app: QuoteToCash) -> BankStatementImporter:
    return BankStatementImporter(app, today=date(2024, 5, 3))


def test_two_transfers_quoting_one_invoice_in_their_end_to_end_id_are_two_payments(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    """Acme pays INV-000001 twice by mistake on 2 April; both transfers carry EndToEndId
    INV-000001, the bank books them as BANK-REF-1 and BANK-REF-2. Both are Acme's money: the
    first pays the invoice, the second is Acme's credit. In May Acme quotes the same
    EndToEndId again: another statement, other credits, imported like any other."""
    app = app_factory()
    acme, invoice = acme_owes_100(app)
    april = statement(
        credit("2024-04-02", "100.00", ref="BANK-REF-1"),
        credit("2024-04-02", "100.00", ref="BANK-REF-2"),
    )
    report = bank(app).import_bytes(april, "april.xml", actor="bank-sync")
    assert (report.rows, report.recorded, report.skipped, report.suspended) == (2, 1, 0, 1)
    assert app.invoice(invoice).is_settled()
    assert [p.amount for p in app.payments(acme)] == [Money.of("100.00", EUR)] * 2
    assert app.customer_credit(acme) == Money.of("100.00", EUR)

    # the same statement downloaded again: the bank's references name the same two credits
    again = statement(
        credit("2024-04-02", "100.00", ref="BANK-REF-1"),
        credit("2024-04-02", "100.00", ref="BANK-REF-2"),
        message="MSG-2",
    )
    before = app.recorder.max_notification_id()
    report = bank(app).import_bytes(again, "april-again.xml", actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 2, 0)
    assert len(app.bank_credits()) == 2

    may = statement(
        credit("2024-05-02", "100.00", ref="BANK-REF-3"),
        credit("2024-05-02", "100.00", ref="BANK-REF-4"),
        message="MSG-3",
    )
    report = bank(app).import_bytes(may, "may.xml", actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 0, 2)
    assert app.recorder.max_notification_id() > before
    if backend_url != "memory:":
        app = app_factory()  # what the store kept
    assert [c.credit.bank_reference for c in app.bank_credits()] == [
        "BANK-REF-1",
        "BANK-REF-2",
        "BANK-REF-3",
        "BANK-REF-4",
    ]
    assert app.customer_credit(acme) == Money.of("300.00", EUR)


def test_transactions_of_a_batch_entry_are_named_by_the_entry_and_their_place_in_it(
    app: QuoteToCash,
) -> None:
    """A batch entry E-7 of two 50.00 transfers quoting INV-000001: the bank gave the
    transactions no reference of their own (first entry), or repeated the entry's on each
    (second entry). Four transfers, four payments; downloaded again, none is booked twice."""
    acme, invoice = acme_owes_100(app)
    entries = (
        credit("2024-04-02", "100.00", tx("50.00"), tx("50.00"), ref="E-7"),
        credit("2024-04-03", "100.00", *[tx("50.00", ref="E-8")] * 2, ref="E-8"),
    )
    rows, problems, _ = read_camt053(statement(*entries))
    assert problems == []
    assert [r.credit_key for r in rows] == [
        f"camt:{IBAN}:E-7:0",
        f"camt:{IBAN}:E-7:1",
        f"camt:{IBAN}:E-8:0",
        f"camt:{IBAN}:E-8:1",
    ]
    report = bank(app).import_bytes(statement(*entries), "april.xml", actor="bank-sync")
    # the two halves of E-7 pay the invoice; E-8's are Acme's credit
    assert (report.rows, report.recorded, report.skipped, report.suspended) == (4, 2, 0, 2)
    assert app.invoice(invoice).is_settled()
    assert app.customer_credit(acme) == Money.of("100.00", EUR)

    again = statement(*entries, message="MSG-2")
    report = bank(app).import_bytes(again, "april-again.xml", actor="bank-sync")
    assert (report.recorded, report.skipped, report.suspended) == (0, 4, 0)
    assert len(app.payments(acme)) == 4


def test_a_credit_without_a_bank_reference_is_one_credit_however_its_amount_is_written(
    app: QuoteToCash,
) -> None:
    """The bank gives no transaction reference. Its 1-2 April export writes 250.00, the 2-3 April
    export (another profile, or the file saved again from a spreadsheet) writes 250: the same
    advance payment, booked once."""
    acme, _ = acme_owes_100(app)
    header = "date,amount,currency,remittance,name\n"
    first = header + "2024-04-02,250.00,EUR,advance payment,Acme GmbH\n"
    second = header + (
        "2024-04-02,250,EUR,advance payment,Acme GmbH\n2024-04-03,10.00,EUR,other,Acme GmbH\n"
    )
    bank(app).import_bytes(first.encode(), "apr-1-2.csv", actor="bank-sync")
    report = bank(app).import_bytes(second.encode(), "apr-2-3.csv", actor="bank-sync")
    assert (report.rows, report.skipped, report.suspended) == (2, 1, 1)
    assert [p.amount for p in app.payments(acme)] == [
        Money.of("250.00", EUR),
        Money.of("10.00", EUR),
    ]
    assert app.customer_credit(acme) == Money.of("260.00", EUR)

    # camt.053 too: an entry with no reference at all, its amount written 250.00 or 250
    report = bank(app).import_bytes(
        statement(credit("2024-04-04", "250.00")), "apr-4.xml", actor="bank-sync"
    )
    assert (report.recorded, report.skipped) == (1, 0)
    report = bank(app).import_bytes(
        statement(credit("2024-04-04", "250")), "apr-4-again.xml", actor="bank-sync"
    )
    assert (report.recorded, report.skipped) == (0, 1)
    assert len(app.payments(acme)) == 3


def test_a_statement_written_with_two_decimals_keeps_the_keys_it_had() -> None:
    """Credits already booked from files with two decimals are found again under their keys."""
    keys = {
        amount: read_bank_csv(
            f"date,amount,currency,remittance,name\n2024-04-02,{amount},EUR,advance payment,"
            "Acme GmbH\n"
        )[0][0].credit_key
        for amount in ("250.00", "250.0", "250")
    }
    assert set(keys.values()) == {"h:27688316b96ba7cf329f3e76f9fb32ae:0"}
