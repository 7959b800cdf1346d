"""The ledger's bank holds what the bank held, on the day the bank took money back.

An unknown payer's 99.00 EUR (bank reference U7) arrives on 2 April and waits in suspense. The
bank takes it back on 5 April, but the 5 April statement is imported late: on 10 April a person
has already assigned the 99.00 to Acme, 60.00 to its invoice. Acme's payment bounces on 10
April (the first day the books allow), while the credit keeps the bank's day. The books'
``Assets:Bank`` follows the bank's statement on every day: the money leaves the bank on 5
April. From 5 to 9 April the books still credit it to a payer (in suspense, or on Acme's
credit): that is an item in ``Liabilities:Suspense`` for an accountant to clear, and it clears
itself on the day the payment bounces. When the payment bounces on the bank's own day, nothing
more is booked.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from beancount.core import data
from test_bank_reversal_after_assignment import (
    CREDIT,
    REVERSAL,
    REVERSED,
    U7_TAKEN_BACK,
    entry,
    statement,
    unknown_99_assigned_to_acme,
)
from test_bank_suspense_resolution_days import acme_with_invoice, days, eur
from test_beancount_ledger import load_ok

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    LedgerBook,
    Transaction,
    event_id,
    export_ledger,
    iter_events,
    ledger_header,
)
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import QuoteToCash

APRIL = days(date(2024, 4, 1), date(2024, 4, 20))
BANK, SUSPENSE = "Assets:Bank", "Liabilities:Suspense"
ACME_OWN_30 = entry("2024-04-02", CREDIT, "30.00", "A1", "Acme GmbH", "advance")
A1_TAKEN_BACK = entry("2024-04-05", REVERSAL, "30.00", "A1", "Acme GmbH", "advance")


def by_day(entries: list[data.Directive]) -> dict[date, dict[str, Decimal]]:
    """Each account's balance at the end of each day of April, from Beancount's own reading."""
    result: dict[date, dict[str, Decimal]] = {}
    for day in APRIL:
        held: defaultdict[str, Decimal] = defaultdict(Decimal)
        for e in entries:
            if isinstance(e, data.Transaction) and e.date <= day:
                for posting in e.postings:
                    assert posting.units is not None and posting.units.number is not None
                    held[posting.account] += posting.units.number
        result[day] = dict(held)
    return result


def bank_statement_balance(day: date, amount: str) -> Decimal:
    """What the bank held of the credit at the end of ``day``: in from 2 April, out on 5 April."""
    return Decimal(amount) if date(2024, 4, 2) <= day < REVERSED else Decimal(0)


def check_every_day(
    app: QuoteToCash, acme: UUID, amount: str, suspense: dict[date, Decimal]
) -> dict[date, dict[str, Decimal]]:
    """Export and load the ledger (no errors), and check, each day 1-20 April, the bank against
    the statement, the suspense account against ``suspense`` and Acme's receivable and credit
    against its summary."""
    balances = by_day(load_ok(export_ledger(app)))
    book = LedgerBook(app)
    for day in APRIL:
        held = balances[day]
        assert held.get(BANK, Decimal(0)) == bank_statement_balance(day, amount), day
        assert held.get(SUSPENSE, Decimal(0)) == suspense.get(day, Decimal(0)), day
        summary = app.customer_summary(acme, as_of=day)
        assert held.get(book.receivable(acme), Decimal(0)) == summary.open.amount, day
        assert -held.get(book.customer_credit(acme), Decimal(0)) == summary.credit.amount, day
    return balances


def test_the_books_bank_follows_the_statement_when_the_reversal_comes_after_the_assignment(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _, bank, credit, payment_id = unknown_99_assigned_to_acme(app, date(2024, 4, 10))
    bank.import_bytes(statement("2024-04-05", U7_TAKEN_BACK), "apr05.xml", actor="bank")
    assert app.bank_credit(credit.id).reversed_on == REVERSED
    assert app.payment(payment_id).bounced_on == date(2024, 4, 10)

    # unidentified on 2-4 April (owed to a payer not yet named); from 5 April the bank has
    # taken it back, which clears the suspense the books still held it in
    unidentified = {day: Decimal("-99.00") for day in days(date(2024, 4, 2), date(2024, 4, 4))}
    balances = check_every_day(app, acme, "99.00", unidentified)
    # a running journal, given the events one by one, books the same
    journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
    for event in iter_events(app):
        journal.deliver(event_id(event), event)
    assert by_day(load_ok(journal.read())) == balances
    assert app.customer_summary(acme, as_of=date(2024, 4, 20)).open == eur("119.00")


def test_a_payment_bounced_after_the_banks_day_is_an_item_in_suspense_until_then(
    tmp_path: Path,
) -> None:
    """Acme's own 30.00, its payment from 2 April, allocated on 10 April; the bank took it back
    on 5 April, imported after: from 5 to 9 April the books still credit it to Acme while the
    bank holds nothing, 30.00 debit in suspense, and from 10 April all agrees again."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    bank = BankStatementImporter(app, today=date(2024, 4, 30))
    bank.import_bytes(statement("2024-04-02", ACME_OWN_30), "apr02.xml", actor="bank")
    [credit] = app.bank_suspense()
    payment_id = app.resolve_bank_credit(
        credit.id, resolved_on=date(2024, 4, 10), actor="ana", allocations=[(invoice, eur("30"))]
    )
    bank.import_bytes(statement("2024-04-05", A1_TAKEN_BACK), "apr05.xml", actor="bank")
    assert app.payment(payment_id).bounced_on == date(2024, 4, 10)

    taken_back = {day: Decimal("30.00") for day in days(REVERSED, date(2024, 4, 9))}
    check_every_day(app, acme, "30.00", taken_back)


@pytest.mark.parametrize("assigned_on", [date(2024, 4, 3), REVERSED])
def test_a_payment_bounced_on_the_banks_day_books_nothing_more(
    tmp_path: Path, assigned_on: date
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _, bank, credit, _ = unknown_99_assigned_to_acme(app, assigned_on)
    before = export_ledger(app).count("\n20")
    bank.import_bytes(statement("2024-04-05", U7_TAKEN_BACK), "apr05.xml", actor="bank")
    assert app.bank_credit(credit.id).payment_bounced_on == REVERSED

    text = export_ledger(app)
    # the bounce (its allocation taken off, the money out of the bank), and nothing more
    assert text.count("\n20") == before + 2
    unidentified = {day: Decimal("-99.00") for day in days(date(2024, 4, 2), assigned_on)}
    del unidentified[assigned_on]
    check_every_day(app, acme, "99.00", unidentified)


def _balances(transactions: list[Transaction]) -> dict[date, dict[str, Decimal]]:
    text = ledger_header(transactions) + "".join(
        "\n" + t.render() for t in sorted(transactions, key=lambda t: t.day)
    )
    return by_day(load_ok(text))


def test_the_bounce_and_the_reversal_book_the_same_in_either_order(tmp_path: Path) -> None:
    """The reversal saves the payment's bounce and the credit's reversal together: a book given
    them in either order books the same balances on every day."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    _, _, bank, _, _ = unknown_99_assigned_to_acme(app, date(2024, 4, 10))
    bank.import_bytes(statement("2024-04-05", U7_TAKEN_BACK), "apr05.xml", actor="bank")

    events = list(iter_events(app))
    names = [type(e).__qualname__ for e in events]
    bounce = names.index("Payment.PaymentBounced")
    reversal = names.index("BankCredit.CreditReversedByBank")
    assert bounce < reversal  # saved together, the invoice reopened between
    swapped = [*events[:bounce], events[reversal], *events[bounce:reversal]]
    swapped += events[reversal + 1 :]
    assert sorted(map(id, swapped)) == sorted(map(id, events))

    in_log_order = LedgerBook(app)
    the_other_way = LedgerBook(app)
    first = [t for e in events for t in in_log_order.transactions(e)]
    second = [t for e in swapped for t in the_other_way.transactions(e)]
    assert sorted(t.render() for t in first) == sorted(t.render() for t in second)
    assert _balances(first) == _balances(second)
    assert _balances(first)[date(2024, 4, 7)].get(BANK, Decimal(0)) == 0
