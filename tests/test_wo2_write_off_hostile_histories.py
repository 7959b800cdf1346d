"""Writing off a remainder in histories that go on after it.

Acme is invoiced 1,210.00 on 10 January 2024 and pays 1,209.98 on 1 February; the 0.02 is
written off that day. Then the transfer bounces on 1 March, Acme pays 1,209.95 on 10 March and
the 0.03 left is written off on 12 March. On every day from the issue to the end of March the
customer summary, the receivables aging, the customer statement, the invoices export and the
Beancount ledger agree on what is open and what was written off; projections caught up after
each step read as those rebuilt from the events; a snapshot taken after the second write-off
matches its events and reads back the same on a reopened store. A reversal dated back before
the write-off day, a deposit written off and deducted on the final invoice, and a write-off
while the invoice was paid partly from the customer's credit read the same everywhere too.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from test_beancount_ledger import balance_assertions, issue, load_ok, manual_line
from test_refund_books import bean_check
from test_write_off_remainder import (
    BOUNCED,
    PAID,
    VAT,
    acme_pays_short,
    eur,
    invoices_export,
    write_off,
)

from q2c_adapters.accounting.beancount_ledger import LedgerBook, export_ledger
from q2c_core import QuoteToCash, verify_snapshots
from q2c_core.projections import CustomerStatement, ReceivablesAging, catch_up

A = "alice"
REPAID = date(2024, 3, 10)
SECOND = date(2024, 3, 12)


def daily_disagreements(app: QuoteToCash, customer: UUID, first: date, last: date) -> list[Any]:
    """The days from ``first`` through ``last`` on which the summary, the aging, the
    statement, the invoices export and the ledger's receivable disagree on what is open, or
    the summary, the export and the statement on what was written off (none, when all agree)."""
    aging, statements = ReceivablesAging(), CustomerStatement()
    catch_up(app, [aging, statements])
    entries = load_ok(export_ledger(app))
    receivable = LedgerBook(app).receivable(customer)
    wrong = []
    day = first
    while day <= last:
        summary = app.customer_summary(customer, as_of=day)
        statement = statements.statement(customer, as_of=day)
        rows = invoices_export(app, as_of=day).values()
        booked = sum(
            (
                p.units.number
                for e in entries
                if hasattr(e, "postings") and e.date <= day
                for p in e.postings
                if p.account == receivable
            ),
            Decimal(0),
        )
        open_ = {
            summary.open.amount,
            sum((i.outstanding.amount for i in aging.open_invoices(day)), Decimal(0)),
            statement.open.amount,
            sum((Decimal(r["outstanding"]) for r in rows), Decimal(0)),
            booked,
        }
        written_off = {
            summary.written_off.amount,
            statement.balances[0].written_off.amount,
            sum((Decimal(r["written_off"]) for r in rows), Decimal(0)),
        }
        if len(open_) > 1 or len(written_off) > 1:
            wrong.append((day, open_, written_off))
        day += timedelta(days=1)
    return wrong


def test_write_off_bounce_new_payment_and_a_second_write_off(
    app_factory: Any, backend_url: str, tmp_path: Path
) -> None:
    app = app_factory()
    acme, invoice, pay = acme_pays_short(app)
    aging, statements = ReceivablesAging(), CustomerStatement()
    catch_up(app, [aging, statements])
    assert write_off(app, invoice) == eur("0.02")
    catch_up(app, [aging, statements])
    app.bounce_payment(pay, bounced_on=BOUNCED, reason="returned", actor="bank")
    catch_up(app, [aging, statements])
    assert app.invoice(invoice).outstanding == eur("1209.98")
    again = app.receive_payment(
        acme, eur("1209.95"), received_on=REPAID, reference="TRF-2", actor="bank"
    )
    app.allocate_payment(again, allocated_on=REPAID, actor="bea")
    catch_up(app, [aging, statements])
    assert write_off(app, invoice, on=SECOND) == eur("0.03")
    catch_up(app, [aging, statements])

    inv = app.invoice(invoice)
    assert [w.amount for w in inv.write_offs] == [eur("0.02"), eur("0.03")]
    assert (inv.paid, inv.written_off, inv.outstanding) == (eur("1209.95"), eur("0.05"), eur(0))
    assert daily_disagreements(app, acme, date(2024, 1, 9), date(2024, 3, 31)) == []
    # what was open on each day: 1,210.00, nothing, 1,209.98 after the bounce, 0.03, nothing
    days = (date(2024, 1, 31), PAID, BOUNCED, REPAID, SECOND)
    assert [app.customer_summary(acme, as_of=d).open for d in days] == [
        eur("1210.00"),
        eur(0),
        eur("1209.98"),
        eur("0.03"),
        eur(0),
    ]
    statement = statements.statement(acme)
    assert [(w.written_off_on, w.amount) for w in statement.write_offs] == [
        (PAID, eur("0.02")),
        (SECOND, eur("0.03")),
    ]
    # caught up step by step = rebuilt from the events
    rebuilt_aging, rebuilt_statements = ReceivablesAging(), CustomerStatement()
    catch_up(app, [rebuilt_aging, rebuilt_statements])
    for day in (date(2024, 1, 31), PAID, BOUNCED, REPAID, SECOND, date(2024, 4, 1)):
        assert aging.open_invoices(day) == rebuilt_aging.open_invoices(day)
        assert statements.statement(acme, as_of=day) == rebuilt_statements.statement(
            acme, as_of=day
        )
    text = export_ledger(app)
    checked = text + balance_assertions(app, [acme], text)
    load_ok(checked)
    bean_check(tmp_path, checked)
    # a snapshot after the write-offs matches the events, and reads back the same
    app.take_snapshot(invoice)
    check = verify_snapshots(app)
    assert check.mismatches == () and check.checked >= 1
    if backend_url != "memory:":
        app.close()
        reopened = app_factory()
        again_read = reopened.invoice(invoice)
        assert again_read.write_offs == inv.write_offs
        assert again_read.outstanding == eur(0)


def test_a_reversal_dated_back_before_the_write_off_reads_the_same_everywhere() -> None:
    """The 0.02 is written off on 10 February; the allocation of 1 February is then found
    wrong and reversed as of 5 February: the invoice owes 1,209.98 from 5 February (1,210.00
    until the write-off, which stands), on every read and every day; reallocated on 12
    February it owes nothing again."""
    app = QuoteToCash.open("memory:")
    acme, invoice, pay = acme_pays_short(app)
    write_off(app, invoice, on=date(2024, 2, 10))
    [allocation] = app.payment(pay).live_allocations()
    app.reverse_allocation(
        pay, allocation.allocation_id, reason="wrong", actor="bea", reversed_on=date(2024, 2, 5)
    )
    assert app.invoice(invoice).outstanding == eur("1209.98")
    assert app.customer_summary(acme, as_of=date(2024, 2, 7)).open == eur("1210.00")
    assert daily_disagreements(app, acme, date(2024, 1, 9), date(2024, 2, 20)) == []
    app.allocate_payment(pay, allocated_on=date(2024, 2, 12), actor="bea")
    assert app.invoice(invoice).outstanding == eur(0)
    assert app.customer_credit(acme) == eur(0)
    assert daily_disagreements(app, acme, date(2024, 1, 9), date(2024, 2, 20)) == []


def test_a_deposit_written_off_and_deducted_then_its_payment_bounces(tmp_path: Path) -> None:
    """A 1,210.00 deposit paid 1,209.98, the 0.02 written off, deducted whole on the final
    invoice (3,630.00 - 1,210.00), which is paid; the deposit's transfer bounces in April: the
    deposit owes 1,209.98 again. Every read agrees on every day and the books balance."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A, tax_rate=VAT)
    deposit = app.draft_deposit_invoice(
        acme, eur("1000.00"), description="Deposit", drafted_on=date(2024, 1, 10), actor="b"
    )
    issue(app, deposit, date(2024, 1, 10))
    paid = app.receive_payment(acme, eur("1209.98"), received_on=PAID, reference="D", actor="b")
    app.allocate_payment(paid, allocated_on=PAID, actor="bea")
    write_off(app, deposit)
    final = app.draft_invoice(
        acme, [manual_line("L1", "3000", VAT)], drafted_on=date(2024, 3, 1), actor="b"
    )
    app.deduct_deposit(final, deposit, actor="b")
    issue(app, final, date(2024, 3, 1))
    assert app.invoice(final).total == eur("2420.00")
    rest = app.receive_payment(acme, eur("2420.00"), received_on=REPAID, reference="F", actor="b")
    app.allocate_payment(rest, allocated_on=REPAID, actor="bea")
    assert app.customer_summary(acme).open == eur(0)
    app.bounce_payment(paid, bounced_on=date(2024, 4, 2), reason="returned", actor="bank")
    assert app.invoice(deposit).outstanding == eur("1209.98")
    assert daily_disagreements(app, acme, date(2024, 1, 9), date(2024, 4, 5)) == []
    text = export_ledger(app)
    checked = text + balance_assertions(app, [acme], text)
    load_ok(checked)
    bean_check(tmp_path, checked)


def test_paid_partly_from_credit_written_off_then_the_credit_taken_back() -> None:
    """Acme holds 50.00 credit; its 1,210.00 invoice is paid 1,160.00 by transfer and 49.97
    from the credit, the 0.03 written off, the 0.03 credit left refunded. A 200.00 transfer
    then goes oldest first past the settled invoice to the next one (121.00). The credit's
    allocation is reversed in February: the invoice owes 49.97 again, the write-off stands,
    the customer's credit is 49.97 more; every read agrees on every day."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A, tax_rate=VAT)
    early = app.receive_payment(
        acme, eur("50.00"), received_on=date(2024, 1, 5), reference="PRE", actor="bank"
    )
    app.allocate_payment(early, allocated_on=date(2024, 1, 5), actor="bea")
    big = app.draft_invoice(
        acme, [manual_line("L1", "1000", VAT)], drafted_on=date(2024, 1, 10), actor="b"
    )
    issue(app, big, date(2024, 1, 10))
    small = app.draft_invoice(
        acme, [manual_line("L1", "100", VAT)], drafted_on=date(2024, 1, 11), actor="b"
    )
    issue(app, small, date(2024, 1, 11))
    transfer = app.receive_payment(
        acme, eur("1160.00"), received_on=date(2024, 1, 20), reference="T1", actor="bank"
    )
    app.allocate_payment(
        transfer, [(big, eur("1160.00"))], allocated_on=date(2024, 1, 20), actor="bea"
    )
    app.allocate_payment(early, [(big, eur("49.97"))], allocated_on=date(2024, 1, 25), actor="bea")
    assert write_off(app, big, on=date(2024, 1, 25)) == eur("0.03")
    app.refund_customer_credit(
        acme, eur("0.03"), refunded_on=date(2024, 1, 26), reference="RF", actor="bea"
    )
    more = app.receive_payment(
        acme, eur("200.00"), received_on=date(2024, 2, 2), reference="T2", actor="bank"
    )
    app.allocate_payment(more, allocated_on=date(2024, 2, 2), actor="bea")
    assert app.invoice(big).paid == eur("1209.97")
    assert app.invoice(small).outstanding == eur(0)
    assert app.customer_credit(acme) == eur("79.00")
    [from_credit] = app.payment(early).live_allocations()
    app.reverse_allocation(
        early, from_credit.allocation_id, reason="wrong", actor="bea", reversed_on=date(2024, 2, 5)
    )
    inv = app.invoice(big)
    assert (inv.outstanding, inv.written_off) == (eur("49.97"), eur("0.03"))
    assert app.customer_credit(acme) == eur("128.97")
    assert daily_disagreements(app, acme, date(2024, 1, 1), date(2024, 3, 1)) == []
