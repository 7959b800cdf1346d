"""The bank takes back money a person assigned to a customer after the bank's day.

An unknown payer's 99.00 EUR (bank reference U7) arrives on 2 April and waits in suspense. The
bank reverses it on 5 April, but the 5 April statement is imported late: on 10 April a person
has already assigned the 99.00 to Acme, 60.00 to its invoice. When the statement comes, it is
imported, with its other credits: the credit keeps the bank's day (taken back on 5 April), and
Acme's payment made from it bounces on the first day the books allow, the day it was assigned
and allocated (10 April), so its invoice is open again from then. The days before keep their
answers, and on every day of April the customer statement, the receivables aging, Acme's summary
and the Beancount ledger tell the same story.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from test_bank_suspense_resolution_days import (
    OURS,
    acme_with_invoice,
    days,
    eur,
    figures,
    ledger_balances,
)

from q2c_adapters.accounting.beancount_ledger import LedgerBook
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import BankCredit, QuoteToCash
from q2c_core.projections import CustomerStatement, ReceivablesAging, catch_up

BOOKED, REVERSED = date(2024, 4, 2), date(2024, 4, 5)
CREDIT = "<CdtDbtInd>CRDT</CdtDbtInd>"
REVERSAL = "<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd>"


def entry(day: str, indicator: str, amount: str, reference: str, payer: str, text: str) -> str:
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt>{indicator}<Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt>
<NtryDtls><TxDtls><Refs><AcctSvcrRef>{reference}</AcctSvcrRef></Refs>
<RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""


def statement(day: str, *entries: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M{day}</MsgId><CreDtTm>{day}T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S{day}</Id><CreDtTm>{day}T06:00:00</CreDtTm>
<Acct><Id><IBAN>{OURS}</IBAN></Id><Ccy>EUR</Ccy></Acct>
{"".join(entries)}
</Stmt></BkToCstmrStmt></Document>""".encode()


UNKNOWN_99 = entry("2024-04-02", CREDIT, "99.00", "U7", "Initech LLC", "order 5521")
U7_TAKEN_BACK = entry("2024-04-05", REVERSAL, "99.00", "U7", "Initech LLC", "order 5521")
GLOBEX_15 = entry("2024-04-05", CREDIT, "15.00", "G1", "Globex Inc", "sample fee")


def agreeing(app: QuoteToCash, acme: UUID, day: date) -> tuple[Decimal, Decimal]:
    """Acme's open and credit as of ``day``, after checking the summary, the customer
    statement, the receivables aging and the ledger all say so."""
    summary = app.customer_summary(acme, as_of=day)
    shown, aging = CustomerStatement(), ReceivablesAging()
    catch_up(app, [shown, aging])
    said = shown.statement(acme, as_of=day)
    rows = [r.total.amount for r in aging.aging(day) if r.customer_id == acme.hex]
    book = LedgerBook(app)
    held = ledger_balances(app, day)
    receivable = held.get(book.receivable(acme), Decimal(0))
    credit = -held.get(book.customer_credit(acme), Decimal(0))
    assert summary.open.amount == said.open.amount == sum(rows, Decimal(0)) == receivable, day
    assert summary.credit.amount == said.credit.amount == credit, day
    return receivable, credit


def unknown_99_assigned_to_acme(
    app: QuoteToCash, assigned_on: date
) -> tuple[UUID, UUID, BankStatementImporter, BankCredit, UUID]:
    """An unknown payer's 99.00 arrives on 2 April and waits in suspense; on ``assigned_on`` a
    person assigns it to Acme, 60.00 of it to Acme's invoice. Returns (Acme, the invoice, the
    bank importer, the credit, the payment made of it)."""
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(statement("2024-04-02", UNKNOWN_99), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()
    payment_id = app.resolve_bank_credit(
        credit.id,
        resolved_on=assigned_on,
        actor="ana",
        customer_id=acme,
        allocations=[(invoice, eur("60.00"))],
    )
    return acme, invoice, bank, credit, payment_id


@pytest.mark.parametrize(
    ("assigned_on", "bounced_on"),
    [
        (date(2024, 4, 3), REVERSED),  # assigned before the bank's day: bounced on it
        (REVERSED, REVERSED),
        (date(2024, 4, 10), date(2024, 4, 10)),  # after: bounced when it was assigned
    ],
)
def test_a_reversal_imported_after_the_credit_was_assigned_bounces_the_payment(
    tmp_path: Path, assigned_on: date, bounced_on: date
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice, bank, credit, payment_id = unknown_99_assigned_to_acme(app, assigned_on)
    april = days(date(2024, 4, 1), date(2024, 4, 20))
    before = {day: figures(app, acme, day) for day in april}

    # the late statement: the bank took U7 back on 5 April, and Globex paid 15.00
    report = bank.import_bytes(
        statement("2024-04-05", U7_TAKEN_BACK, GLOBEX_15), "apr05.xml", actor="bank"
    )
    assert (report.recorded, report.suspended) == (1, 1)  # the reversal; Globex's credit

    taken_back = app.bank_credit(credit.id)
    assert taken_back.reversed_on == REVERSED  # the bank's day, kept on the credit
    payment = app.payment(payment_id)
    assert payment.bounced_on == bounced_on
    assert app.invoice(invoice).outstanding == eur("119.00")
    assert [c.credit.bank_reference for c in app.bank_suspense()] == ["G1"]

    for day in april:
        if day < bounced_on:
            assert figures(app, acme, day) == before[day], day
        open_, credit_left = agreeing(app, acme, day)
        if day >= bounced_on:
            assert (open_, credit_left) == (Decimal("119.00"), Decimal(0)), day
    # the money is gone from the bank: only Globex's 15.00 is there
    held = ledger_balances(app, date(2024, 4, 20))
    assert held["Assets:Bank"] == Decimal("15.00")
    assert held["Liabilities:Suspense"] == Decimal("-15.00")

    # the same reversal in an overlapping statement takes nothing back twice
    again = bank.import_bytes(
        statement("2024-04-05", GLOBEX_15, U7_TAKEN_BACK, UNKNOWN_99), "apr-all.xml", actor="bank"
    )
    assert (again.recorded, again.skipped) == (0, 3)
    assert app.payment(payment_id).bounced_on == bounced_on


def test_acmes_own_credit_allocated_after_the_banks_reversal_bounces_when_allocated(
    tmp_path: Path,
) -> None:
    """Acme's own 30.00 fits no invoice and waits as Acme's payment from 2 April; on 10 April
    a person puts it on the invoice; the 5 April reversal, imported after, bounces the payment
    on 10 April (the allocation's day): the credit keeps 5 April."""
    app = QuoteToCash.open("memory:")
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    own = entry("2024-04-02", CREDIT, "30.00", "A1", "Acme GmbH", "advance")
    bank.import_bytes(statement("2024-04-02", own), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()
    payment_id = app.resolve_bank_credit(
        credit.id, resolved_on=date(2024, 4, 10), actor="ana", allocations=[(invoice, eur("30"))]
    )
    taken = entry("2024-04-05", REVERSAL, "30.00", "A1", "Acme GmbH", "advance")
    bank.import_bytes(statement("2024-04-05", taken), "apr05.xml", actor="bank")

    assert app.bank_credit(credit.id).reversed_on == REVERSED
    assert app.payment(payment_id).bounced_on == date(2024, 4, 10)
    for day in days(date(2024, 4, 1), date(2024, 4, 20)):
        open_, credit_left = agreeing(app, acme, day)
        if BOOKED <= day < date(2024, 4, 10):
            assert (open_, credit_left) == (Decimal("119.00"), Decimal("30.00")), day
        else:
            assert (open_, credit_left) == (Decimal("119.00"), Decimal(0)), day
    assert app.invoice(invoice).outstanding == eur("119.00")
