"""What names a bank credit across statements: the bank's own references, never the payer's.

A payer chooses the EndToEndId of its transfers and often writes the invoice number in it, on
every transfer; the bank gives each booking its own reference (AcctSvcrRef). A credit is known
by the bank's reference, so two transfers quoting one invoice are two payments, and the same
statement downloaded again books nothing twice. When the bank takes a credit back (a camt.053
reversal), it names the credit by that reference: its payment bounces, once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_adapters.importers.bank import BankStatementImporter, read_bank_csv, read_camt053
from q2c_core import ZERO_RATED, InvoiceLine, LineSource, Money, QuoteToCash, SourceKind, TaxRate
from q2c_core.domain.bank_credit import CreditStatus
from q2c_core.domain.import_batch import ImportRejected

EUR = "EUR"
IBAN = "DE89370400440532013000"


def acme_owes_100(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme GmbH and its invoice INV-000001 of 100.00, issued on 1 March 2024."""
    acme = app.register_customer(
        "Acme GmbH", EUR, account_manager="mia", actor="alice", tax_rate=ZERO_RATED
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
    """Credits already booked from files with two decimals are found again under their keys
    (now the keys earlier versions gave them: the formats share one content key since)."""
    rows = {
        amount: read_bank_csv(
            f"date,amount,currency,remittance,name\n2024-04-02,{amount},EUR,advance payment,"
            "Acme GmbH\n"
        )[0][0]
        for amount in ("250.00", "250.0", "250")
    }
    assert len({row.credit_key for row in rows.values()}) == 1
    assert all("h:27688316b96ba7cf329f3e76f9fb32ae:0" in row.former_keys for row in rows.values())


# -- the bank takes a credit back ------------------------------------------------------------


def reversal(day: str, amount: str, *, ref: str, reverses: str, why: str = "AM04") -> str:
    """A booked reversal (DBIT, RvslInd) by which the bank takes back credit ``reverses``."""
    return f"""
      <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>
        <Sts>BOOK</Sts><BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn>
        </BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>{reverses}</AcctSvcrRef><EndToEndId>INV-000001</EndToEndId></Refs>
          <RtrInf><Rsn><Cd>{why}</Cd></Rsn></RtrInf>
          <RmtInf><Ustrd>INV-000001</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


RENT = """
      <Ntry><Amt Ccy="EUR">1200.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2024-04-09</Dt></BookgDt><AcctSvcrRef>RENT-4</AcctSvcrRef></Ntry>"""


def line_of(document: bytes, text: str) -> int:
    """The line of the TxDtls that holds ``text``."""
    lines = document.decode().splitlines()
    found = next(n for n, t in enumerate(lines, 1) if text in t)
    return max(n for n, t in enumerate(lines, 1) if "<TxDtls>" in t and n < found)


def test_the_bank_taking_a_credit_back_bounces_its_payment_and_reopens_the_invoice(
    app_factory: Callable[[], QuoteToCash], backend_url: str
) -> None:
    """Acme's transfer TX-1 paid INV-000001 on 2 April. On 9 April Acme's bank recalls it
    (AM04, insufficient funds): our bank books a reversal naming TX-1. The payment bounces
    that day, the invoice is open again, and no later statement listing the reversal again
    bounces it twice."""
    app = app_factory()
    acme, invoice = acme_owes_100(app)
    paid = statement(credit("2024-04-02", "100.00", tx(ref="TX-1"), ref="E-1"))
    bank(app).import_bytes(paid, "apr02.xml", actor="bank-sync")
    assert app.invoice(invoice).is_settled()

    taken_back = statement(reversal("2024-04-09", "100.00", ref="TX-1-R", reverses="TX-1"), RENT)
    report = bank(app).import_bytes(taken_back, "apr09.xml", actor="bank-sync")
    assert (report.rows, report.recorded, report.skipped, report.ignored) == (2, 1, 0, 1)
    if backend_url != "memory:":
        app = app_factory()  # what the store kept
    (payment,) = app.payments(acme)
    assert payment.is_bounced and payment.bounced_on == date(2024, 4, 9)
    assert payment.bounce_reason is not None
    assert "TX-1-R" in payment.bounce_reason and "AM04" in payment.bounce_reason
    assert app.invoice(invoice).outstanding == Money.of("100.00", EUR)
    assert app.customer_credit(acme) == Money.of("0.00", EUR)

    # the same statement downloaded again, and a later one that lists the reversal again
    again = statement(
        reversal("2024-04-09", "100.00", ref="TX-1-R", reverses="TX-1"), RENT, message="MSG-2"
    )
    report = bank(app).import_bytes(again, "apr09-again.xml", actor="bank-sync")
    assert (report.rows, report.recorded, report.skipped) == (2, 0, 1)
    assert bank(app).import_bytes(taken_back, "apr09.xml", actor="bank-sync").already_imported
    assert app.payment(payment.id).bounced_on == date(2024, 4, 9)
    assert app.invoice(invoice).outstanding == Money.of("100.00", EUR)


def test_a_credit_and_its_reversal_in_one_statement(app: QuoteToCash) -> None:
    """The bank books TX-5 and takes it back the same week; one statement lists both. The
    credit is booked and its payment bounced, all in one transaction."""
    acme, invoice = acme_owes_100(app)
    week = statement(
        credit("2024-04-02", "100.00", tx(ref="TX-5"), ref="E-5"),
        reversal("2024-04-04", "100.00", ref="TX-5-R", reverses="TX-5"),
    )
    report = bank(app).import_bytes(week, "week.xml", actor="bank-sync")
    assert (report.rows, report.recorded, report.skipped) == (2, 2, 0)
    (payment,) = app.payments(acme)
    assert payment.is_bounced and payment.bounced_on == date(2024, 4, 4)
    assert app.invoice(invoice).outstanding == Money.of("100.00", EUR)


def test_a_reversed_credit_still_in_suspense_goes_back_to_its_sender(app: QuoteToCash) -> None:
    """An unknown payer's 99.00 waits in suspense (no customer, no payment); the bank takes it
    back, naming the entry E-9 it booked it under: it leaves the suspense list, returned."""
    acme_owes_100(app)
    unknown = """
        <TxDtls><RltdPties><Dbtr><Nm>Initech LLC</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>order 5521</Ustrd></RmtInf></TxDtls>"""
    bank(app).import_bytes(
        statement(credit("2024-04-02", "99.00", unknown, ref="E-9")), "apr02.xml", actor="bank"
    )
    (parked,) = app.bank_suspense()
    report = bank(app).import_bytes(
        statement(reversal("2024-04-05", "99.00", ref="E-9-R", reverses="E-9")),
        "apr05.xml",
        actor="bank",
    )
    assert (report.recorded, report.skipped) == (1, 0)
    assert app.bank_suspense() == []
    returned = app.bank_credit(parked.id)
    assert returned.status is CreditStatus.RETURNED and returned.resolved_on == date(2024, 4, 5)


@pytest.mark.parametrize(
    ("taken_back", "field", "says"),
    [
        (reversal("2024-04-09", "100.00", ref="R-1", reverses="TX-404"), "AcctSvcrRef", "TX-404"),
        (reversal("2024-04-09", "40.00", ref="R-1", reverses="TX-1"), "Amt", "whole credit"),
        (reversal("2024-04-01", "100.00", ref="R-1", reverses="TX-1"), "BookgDt", "before"),
    ],
)
def test_a_reversal_that_names_no_booked_credit_refuses_the_statement(
    app: QuoteToCash, taken_back: str, field: str, says: str
) -> None:
    """A reversal naming a credit never booked, taking back only part of one, or dated before
    it, is never dropped: the statement is refused naming its line, and nothing of it is
    recorded (not the new credit it also lists)."""
    acme, invoice = acme_owes_100(app)
    paid = statement(credit("2024-04-02", "100.00", tx(ref="TX-1"), ref="E-1"))
    bank(app).import_bytes(paid, "apr02.xml", actor="bank-sync")
    document = statement(credit("2024-04-09", "30.00", tx(ref="TX-2"), ref="E-2"), taken_back)
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        bank(app).import_bytes(document, "apr09.xml", actor="bank-sync")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (line_of(document, "<RtrInf>"), field)
    assert says in problem.rule
    assert app.recorder.max_notification_id() == before
    assert not app.payments(acme)[0].is_bounced and len(app.payments(acme)) == 1
    assert app.invoice(invoice).is_settled()


def test_a_reversal_naming_a_batch_entry_not_one_of_its_credits_refuses_the_statement(
    app: QuoteToCash,
) -> None:
    """E-7 booked two 50.00 transfers; a reversal naming E-7 does not say which it takes back."""
    acme, _ = acme_owes_100(app)
    batch = statement(credit("2024-04-02", "100.00", tx("50.00"), tx("50.00"), ref="E-7"))
    bank(app).import_bytes(batch, "apr02.xml", actor="bank-sync")
    document = statement(reversal("2024-04-09", "50.00", ref="E-7-R", reverses="E-7"))
    with pytest.raises(ImportRejected) as caught:
        bank(app).import_bytes(document, "apr09.xml", actor="bank-sync")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (line_of(document, "<RtrInf>"), "AcctSvcrRef")
    assert "'E-7'" in problem.rule and "several credits" in problem.rule
    assert not any(p.is_bounced for p in app.payments(acme))


def test_a_statement_refused_for_another_row_bounces_nothing(app: QuoteToCash) -> None:
    """All or nothing: a statement whose reversal would bounce TX-1 but that also lists a
    credit with a card number in its text is refused whole; TX-1's payment stands."""
    acme, invoice = acme_owes_100(app)
    paid = statement(credit("2024-04-02", "100.00", tx(ref="TX-1"), ref="E-1"))
    bank(app).import_bytes(paid, "apr02.xml", actor="bank-sync")
    carded = """
        <TxDtls><Refs><AcctSvcrRef>TX-2</AcctSvcrRef></Refs>
          <RmtInf><Ustrd>card 4111111111111111</Ustrd></RmtInf></TxDtls>"""
    document = statement(
        reversal("2024-04-09", "100.00", ref="TX-1-R", reverses="TX-1"),
        credit("2024-04-09", "30.00", carded, ref="E-2"),
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        bank(app).import_bytes(document, "apr09.xml", actor="bank-sync")
    assert [p.field for p in caught.value.problems] == ["RmtInf"]
    assert app.recorder.max_notification_id() == before
    assert not app.payments(acme)[0].is_bounced
    assert app.invoice(invoice).is_settled()


def test_a_reversal_with_a_credit_the_core_refuses_records_nothing(app: QuoteToCash) -> None:
    """All or nothing inside the import command too: the reversal of TX-1 is applied to the
    statement's aggregates, but TX-3 comes again with another day and amount (a reused
    reference): the statement is refused naming TX-3's line; TX-1's payment stands."""
    acme, invoice = acme_owes_100(app)
    paid = statement(
        credit("2024-04-02", "100.00", tx(ref="TX-1"), ref="E-1"),
        credit("2024-04-02", "30.00", tx(ref="TX-3"), ref="E-3"),
    )
    bank(app).import_bytes(paid, "apr02.xml", actor="bank-sync")
    document = statement(
        reversal("2024-04-09", "100.00", ref="TX-1-R", reverses="TX-1"),
        credit("2024-04-09", "35.00", tx(ref="TX-3"), ref="E-4"),
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(ImportRejected) as caught:
        bank(app).import_bytes(document, "apr09.xml", actor="bank-sync")
    (problem,) = caught.value.problems
    assert problem.field == "AcctSvcrRef" and "TX-3" in problem.rule
    lines = document.decode().splitlines()
    assert problem.line == next(n for n, t in enumerate(lines, 1) if "TX-3</AcctSvcrRef>" in t)
    assert app.recorder.max_notification_id() == before
    assert not any(p.is_bounced for p in app.payments(acme))
    assert app.invoice(invoice).is_settled()


def test_a_reversal_before_the_money_was_allocated_bounces_it_when_it_was_allocated(
    app: QuoteToCash,
) -> None:
    """Acme's 50.00 advance (TX-1) waited as its credit until it was allocated to INV-000001
    on 10 April; the bank's reversal of it dated 9 April is imported after: the statement is a
    fact, imported with its other credit. The credit keeps the bank's day (9 April); the payment
    bounces on the first day the books allow, the allocation's (10 April), re-opening the
    invoice from then: the days before keep their answers."""
    acme, invoice = acme_owes_100(app)
    advance = """
        <TxDtls><Refs><AcctSvcrRef>TX-1</AcctSvcrRef></Refs>
          <RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>advance payment</Ustrd></RmtInf></TxDtls>"""
    paid = statement(credit("2024-04-02", "50.00", advance, ref="E-1"))
    bank(app).import_bytes(paid, "apr02.xml", actor="bank-sync")
    (payment,) = app.payments(acme)
    app.allocate_payment(payment.id, allocated_on=date(2024, 4, 10), actor="bea")
    document = statement(
        reversal("2024-04-09", "50.00", ref="TX-1-R", reverses="TX-1"),
        credit("2024-04-09", "30.00", tx(ref="TX-2"), ref="E-2"),
    )
    report = bank(app).import_bytes(document, "apr09.xml", actor="bank-sync")
    assert report.recorded == 2
    assert app.payment(payment.id).bounced_on == date(2024, 4, 10)
    # (it waited in suspense as Acme's credit: taken back, returned on the bank's day)
    (reversed_credit,) = [c for c in app.bank_credits() if c.payment_id == payment.id]
    assert (reversed_credit.status, reversed_credit.resolved_on) == (
        CreditStatus.RETURNED,
        date(2024, 4, 9),
    )
    assert app.invoice(invoice).outstanding == Money.of("70.00", EUR)  # TX-2's 30.00 paid
    assert len(app.payments(acme)) == 2


def test_a_suspended_credit_whose_payment_bounces_leaves_the_suspense_list(
    app: QuoteToCash,
) -> None:
    """Acme sends 70.00 that fits no invoice: a payment kept as credit, waiting in suspense for
    a person. The bank then takes it back: nothing is left to assign, so it leaves the list
    (it stayed there, and resolving it would only have been refused)."""
    acme_owes_100(app)
    unnamed = """
        <TxDtls><Refs><AcctSvcrRef>TX-7</AcctSvcrRef></Refs>
          <RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>thanks</Ustrd></RmtInf>
        </TxDtls>"""
    odd = statement(credit("2024-04-02", "70.00", unnamed))
    bank(app).import_bytes(odd, "apr02.xml", actor="bank-sync")
    (waiting,) = app.bank_suspense()
    assert waiting.payment_id is not None
    back = statement(reversal("2024-04-05", "70.00", ref="TX-7-R", reverses="TX-7"), message="M2")
    bank(app).import_bytes(back, "apr05.xml", actor="bank-sync")
    assert app.payment(waiting.payment_id).is_bounced
    assert app.bank_suspense() == []
