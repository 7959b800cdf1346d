"""The bank takes back a credit its statement brought in after part of it was refunded.

Acme's 119.00 EUR invoice is issued on 1 March. Acme's bank transfer of 169.00 (reference A1,
booked 2 April) is imported from the statement: 119.00 pays the invoice and 50.00 is left as
Acme's credit, which is refunded on 3 April. The bank reverses the 169.00 on 5 April (a later
statement). A refund is never undone: Acme now owes the invoice again and the 50.00 it was paid
out of money that bounced.

In postings: the receipt is Dr Bank 169 / Cr Customer credit 169, the allocation Dr Customer
credit 119 / Cr Receivables 119, the refund Dr Customer credit 50 / Cr Bank 50 (credit 0.00),
the bounce Dr Receivables 119 / Cr Customer credit 119 and Dr Customer credit 169 / Cr Bank 169:
the credit would be 50.00 in debit, which a liability never is, so the 50.00 are moved to
``Assets:RefundsOwed`` (Dr Refunds owed 50 / Cr Customer credit 50). The books then hold
Receivables 119.00, Customer credit 0.00, Refunds owed 50.00 and Bank -50.00, while Acme's
summary says open 119.00, credit -50.00 and owed back 50.00: the credit account holds the
credit while it is positive, the refunds owed account what it is negative by. The same as a
payment entered and bounced by hand (``test_refund_books``), checked here day by day on the
import's paths, with Beancount's own bean-check.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from beancount.core import data
from test_bank_reversal_after_assignment import CREDIT, REVERSAL, entry, statement
from test_bank_suspense_resolution_days import acme_with_invoice, days, eur
from test_beancount_ledger import load_ok
from test_ledger_bank_reversal_day import by_day
from test_refund_books import bean_check

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    LedgerBook,
    event_id,
    export_ledger,
    iter_events,
)
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash
from q2c_core.projections import CustomerStatement, ReceivablesAging, catch_up
from q2c_core.projections.receivables import REFUNDS_OWED

BANK, SUSPENSE = "Assets:Bank", "Liabilities:Suspense"
REFUNDED, REVERSED = date(2024, 4, 3), date(2024, 4, 5)


def acme_refunded_then_reversed(
    app: QuoteToCash, amount: str, text: str, hand_bounce: bool
) -> UUID:
    """Acme's transfer of ``amount`` (remittance ``text``, "{number}" standing for the
    invoice's number) is imported on 2 April, 50.00 of its credit refunded on 3 April, and the
    bank's reversal of 5 April imported after; with ``hand_bounce`` a clerk bounced the payment
    on 4 April, when Acme's bank announced the recall."""
    acme, invoice = acme_with_invoice(app)
    remittance = text.format(number=app.invoice(invoice).number)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    paid = entry("2024-04-02", CREDIT, amount, "A1", "Acme GmbH", remittance)
    bank.import_bytes(statement("2024-04-02", paid), "apr02.xml", actor="bank")
    assert app.customer_credit(acme) == eur("50.00")
    app.refund_customer_credit(
        acme, eur("50.00"), refunded_on=REFUNDED, reference="OUT-50", actor="ana"
    )
    if hand_bounce:
        [payment] = app.payments(acme)
        app.bounce_payment(
            payment.id, bounced_on=REVERSED - timedelta(days=1), reason="recall", actor="clara"
        )
    taken_back = entry("2024-04-05", REVERSAL, amount, "A1", "Acme GmbH", remittance)
    report = bank.import_bytes(statement("2024-04-05", taken_back), "apr05.xml", actor="bank")
    assert report.recorded == 1  # the bank's reversal
    return acme


@pytest.mark.parametrize(
    ("amount", "text", "hand_bounce"),
    [
        ("169.00", "invoice {number}", False),  # 119.00 pays the invoice, 50.00 left as credit
        ("50.00", "advance", False),  # fits no invoice: all of it Acme's credit
        ("169.00", "invoice {number}", True),  # bounced by hand the day before the bank's
    ],
)
def test_the_books_tie_to_acmes_summary_on_every_day_after_a_refund_and_the_banks_reversal(
    tmp_path: Path, amount: str, text: str, hand_bounce: bool
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme = acme_refunded_then_reversed(app, amount, text, hand_bounce)

    summary = app.customer_summary(acme, as_of=REVERSED)
    assert (summary.open, summary.credit, summary.owed_back) == (
        eur("119.00"),
        eur("-50.00"),  # the refund, paid out of money the bank took back
        eur("50.00"),
    )

    ledger = export_ledger(app)
    entries = load_ok(ledger)
    opened = {e.account: e.date for e in entries if isinstance(e, data.Open)}
    balances = by_day(entries)
    book = LedgerBook(app)
    shown, aging = CustomerStatement(), ReceivablesAging()
    catch_up(app, [shown, aging])
    assertions = []
    for day in days(date(2024, 4, 1), REVERSED + timedelta(days=2)):
        summary = app.customer_summary(acme, as_of=day)
        said = shown.statement(acme, as_of=day)
        assert (said.open, said.credit) == (summary.open, summary.credit), day
        rows = [r for r in aging.aging(day) if r.customer_id == acme.hex]
        owed = sum((r.total.amount for r in rows if r.kind == REFUNDS_OWED), Decimal(0))
        assert owed == summary.owed_back.amount == max(-summary.credit.amount, Decimal(0)), day
        listed = app.bank_suspense(as_of=day)
        waiting = sum((c.suspense_amount(day).amount for c in listed), Decimal(0))
        # the bank's: in on 2 April, 50.00 out on 3 April, all of it taken back on 5 April
        in_bank = Decimal(amount) * (date(2024, 4, 2) <= day < REVERSED)
        in_bank -= Decimal("50.00") * (day >= REFUNDED)
        expected = {
            BANK: in_bank,
            SUSPENSE: -waiting,
            book.receivable(acme): summary.open.amount,
            book.customer_credit(acme): -max(summary.credit.amount, Decimal(0)),
            book.refunds_owed(acme): owed,
        }
        for account, figure in expected.items():
            assert balances[day].get(account, Decimal(0)) == figure, (day, account)
            if account in opened and opened[account] <= day:
                # Beancount checks a balance at the start of its day: the end of ``day``
                assertions.append(f"{day + timedelta(days=1)} balance {account} {figure:.4f} EUR")
    assert balances[REVERSED][book.refunds_owed(acme)] == Decimal("50.00")
    bean_check(tmp_path, ledger + "\n" + "\n".join(assertions) + "\n")

    # a running journal, given the events one by one, books the same
    journal = BeancountJournal(app, str(tmp_path / "journal.beancount"))
    for event in iter_events(app):
        journal.deliver(event_id(event), event)
    assert by_day(load_ok(journal.read())) == balances
    app.close()
