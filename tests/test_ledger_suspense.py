"""Money from a payer q2c cannot name is in the books the day the bank booked it.

A bank statement credit q2c cannot match to a customer waits in suspense with no payment. The
bank holds the money all the same: the ledger books it on the statement's booking day against
``Liabilities:Suspense`` (unidentified receipts). When a person later assigns it to a customer,
the ledger moves it from suspense to that customer's credit on the day it was resolved (and the
allocations then move it onto the invoices' receivables), never booking the bank money a second
time nor on a day already past; when the money is sent back to its sender, it leaves the bank
and suspense on the return day. The balances a ledger exported on any day showed for the days
before stay what they were, whatever is recorded later. Every ledger is loaded and checked by
Beancount itself.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from beancount.core import data
from test_beancount_ledger import balance_assertions, issue, load_ok, manual_line

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    LedgerBook,
    event_id,
    export_ledger,
    iter_events,
    ledger_transactions,
)
from q2c_adapters.importers.bank import BankStatementImporter
from q2c_core import Money, QuoteToCash, RuleViolated, TaxRate

BANK = "Assets:Bank"
SUSPENSE = "Liabilities:Suspense"
HEADER = "date,amount,currency,remittance,name,reference\n"

Balances = dict[tuple[str, str], Decimal]


def import_statement(app: QuoteToCash, tmp_path: Path, name: str, rows: str, today: date) -> None:
    """Import a CSV statement of ``rows`` (one credit a line, in the ``HEADER`` columns)."""
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    BankStatementImporter(app, today=today).import_file(path, actor="bank")


def balances(entries: list[data.Directive], through: date) -> Balances:
    """Every account's balance by currency at the end of ``through``, as Beancount read it."""
    held: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= through:
            for posting in entry.postings:
                assert posting.units is not None
                held[(posting.account, posting.units.currency)] += posting.units.number
    return {key: amount for key, amount in held.items() if amount}


def checked(text: str) -> list[data.Directive]:
    """The ledger loaded by Beancount with no error, each transaction summing to exactly zero
    in every currency (not only within Beancount's tolerance)."""
    entries = load_ok(text)
    for entry in entries:
        if isinstance(entry, data.Transaction):
            sums: defaultdict[str, Decimal] = defaultdict(Decimal)
            for posting in entry.postings:
                assert posting.units is not None
                sums[posting.units.currency] += posting.units.number
            assert all(total == 0 for total in sums.values()), entry
    return entries


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def acme_with_invoice(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme, with an invoice of 121.00 EUR issued on 1 March."""
    acme = app.register_customer("Acme GmbH", "EUR", account_manager="mia", actor="a")
    invoice = app.draft_invoice(
        acme,
        [manual_line("L1", "100", TaxRate.standard(21))],
        drafted_on=date(2024, 3, 1),
        actor="billy",
    )
    issue(app, invoice, date(2024, 3, 1))
    return acme, invoice


def test_money_from_an_unknown_payer_is_in_the_bank_on_its_day_and_resolving_it_keeps_the_past(
    tmp_path: Path,
) -> None:
    """Initech's 99.00 EUR arrives on 3 April; nobody knows whose it is. The ledger exported on
    4 April shows it in the bank and in suspense. On 2 May a person assigns it to Acme and
    allocates 60.00 to Acme's invoice: the ledger exported then shows, for every day up to
    1 May, exactly what the earlier export showed, and from 2 May the money as Acme's (60.00
    paying the invoice, 39.00 as credit), suspense empty, the bank still 99.00."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    import_statement(
        app,
        tmp_path,
        "april",
        "2024-04-03,99.00,EUR,order 5521,Initech LLC,C-9\n",
        date(2024, 4, 4),
    )
    [credit] = app.bank_suspense()
    assert credit.payment_id is None

    before = checked(export_ledger(app))
    on_the_day = balances(before, date(2024, 4, 3))
    assert on_the_day[(BANK, "EUR")] == Decimal("99.00")
    assert on_the_day[(SUSPENSE, "EUR")] == Decimal("-99.00")
    assert (BANK, "EUR") not in balances(before, date(2024, 4, 2))

    app.resolve_bank_credit(
        credit.id,
        resolved_on=date(2024, 5, 2),
        actor="a",
        customer_id=acme,
        allocations=[(invoice, Money.of("60.00", "EUR"))],
    )
    text = export_ledger(app)
    after = checked(text + balance_assertions(app, [acme], text))
    for day in days(date(2024, 3, 1), date(2024, 5, 1)):
        assert balances(after, day) == balances(before, day), day

    book = LedgerBook(app)
    resolved = balances(after, date(2024, 5, 2))
    assert resolved[(BANK, "EUR")] == Decimal("99.00")  # booked once, on 3 April
    assert (SUSPENSE, "EUR") not in resolved
    assert resolved[(book.customer_credit(acme), "EUR")] == Decimal("-39.00")
    assert resolved[(book.receivable(acme), "EUR")] == Decimal("61.00")
    assert app.customer_credit(acme) == Money.of("39.00", "EUR")

    # the resolution is booked on the day it was made, linked to the payment it created
    [payment] = app.payments(acme)
    moved = [
        e
        for e in after
        if isinstance(e, data.Transaction)
        and any(p.account == SUSPENSE for p in e.postings)
        and e.date == date(2024, 5, 2)
    ]
    assert len(moved) == 1
    assert f"payment-{payment.id.hex}" in moved[0].links
    assert moved[0].payee == "Acme GmbH"


def test_a_credit_sent_back_to_its_sender_leaves_the_bank_on_the_return_day(
    tmp_path: Path,
) -> None:
    """50.00 EUR from nobody q2c knows arrives on 5 April and is sent back on 20 April: in the
    bank and in suspense from 5 to 19 April, in neither from 20 April; the days before the
    return read as they did before it was recorded."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme_with_invoice(app)
    import_statement(
        app, tmp_path, "april", "2024-04-05,50.00,EUR,gift,Nobody Ltd,R-1\n", date(2024, 4, 6)
    )
    [credit] = app.bank_suspense()
    before = checked(export_ledger(app))
    app.return_bank_credit(credit.id, returned_on=date(2024, 4, 20), reason="not ours", actor="a")
    after = checked(export_ledger(app))
    for day in days(date(2024, 4, 1), date(2024, 4, 19)):
        assert balances(after, day) == balances(before, day), day
    held = balances(after, date(2024, 4, 19))
    assert held[(BANK, "EUR")] == Decimal("50.00")
    assert held[(SUSPENSE, "EUR")] == Decimal("-50.00")
    gone = balances(after, date(2024, 4, 20))
    assert (BANK, "EUR") not in gone and (SUSPENSE, "EUR") not in gone
    returned = [e for e in after if isinstance(e, data.Transaction) and e.date == date(2024, 4, 20)]
    assert len(returned) == 1 and "not ours" in returned[0].narration


def test_a_credit_booked_with_its_payment_is_booked_as_the_payment_alone(tmp_path: Path) -> None:
    """Acme's 80.00 EUR names no invoice and fits none: q2c knows the payer, so the credit
    becomes Acme's payment at once (customer credit) and waits in suspense only to be
    allocated. The ledger books it as the payment, bank against Acme's credit on the booking
    day, and never through suspense; resolving it books only the allocation."""
    app = QuoteToCash.open("memory:")
    acme, invoice = acme_with_invoice(app)
    import_statement(
        app, tmp_path, "april", "2024-04-08,80.00,EUR,thanks,Acme GmbH,A-1\n", date(2024, 4, 9)
    )
    [credit] = app.bank_suspense()
    assert credit.payment_id is not None
    app.resolve_bank_credit(
        credit.id,
        resolved_on=date(2024, 4, 15),
        actor="a",
        allocations=[(invoice, Money.of("80.00", "EUR"))],
    )
    text = export_ledger(app)
    entries = checked(text + balance_assertions(app, [acme], text))
    book = LedgerBook(app)
    assert all(
        p.account != SUSPENSE
        for e in entries
        if isinstance(e, data.Transaction)
        for p in e.postings
    )
    booked = balances(entries, date(2024, 4, 8))
    assert booked[(BANK, "EUR")] == Decimal("80.00")
    assert booked[(book.customer_credit(acme), "EUR")] == Decimal("-80.00")
    allocated = balances(entries, date(2024, 4, 15))
    assert allocated[(BANK, "EUR")] == Decimal("80.00")
    assert allocated[(book.receivable(acme), "EUR")] == Decimal("41.00")
    assert (book.customer_credit(acme), "EUR") not in allocated


def test_an_unknown_credit_in_another_currency_stays_in_its_currency(tmp_path: Path) -> None:
    """A 12.50 USD credit from an unknown payer lands on the EUR customer's bank statement:
    the bank and suspense hold 12.50 USD; assigned to Acme it becomes Acme's USD credit."""
    app = QuoteToCash.open("memory:")
    acme, _ = acme_with_invoice(app)
    import_statement(
        app, tmp_path, "april", "2024-04-10,12.50,USD,hello,Someone,U-1\n", date(2024, 4, 11)
    )
    [credit] = app.bank_suspense()
    app.resolve_bank_credit(
        credit.id, resolved_on=date(2024, 4, 12), actor="a", customer_id=acme, allocations=[]
    )
    entries = checked(export_ledger(app))
    book = LedgerBook(app)
    waiting = balances(entries, date(2024, 4, 11))
    assert waiting[(BANK, "USD")] == Decimal("12.50")
    assert waiting[(SUSPENSE, "USD")] == Decimal("-12.50")
    resolved = balances(entries, date(2024, 4, 12))
    assert resolved[(BANK, "USD")] == Decimal("12.50")
    assert (SUSPENSE, "USD") not in resolved
    assert resolved[(book.customer_credit(acme), "USD")] == Decimal("-12.50")
    assert app.customer_credit(acme, "USD") == Money.of("12.50", "USD")


def test_a_running_journal_books_suspense_as_a_full_export_does(tmp_path: Path) -> None:
    """A journal fed event by event, and reopened from its file between the credit's booking
    and its resolution (a restart: its book reads the log anew), holds the same transactions
    as a full export of the same log: one credit resolved, one returned."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, invoice = acme_with_invoice(app)
    import_statement(
        app,
        tmp_path,
        "april",
        "2024-04-03,99.00,EUR,order 5521,Initech LLC,C-9\n"
        "2024-04-05,50.00,EUR,gift,Nobody Ltd,R-1\n",
        date(2024, 4, 6),
    )
    path = tmp_path / "books.beancount"
    journal = BeancountJournal(app, str(path))
    for event in iter_events(app):
        journal.deliver(event_id(event), event)
    first, second = sorted(app.bank_suspense(), key=lambda c: c.credit.booked_on)
    app.resolve_bank_credit(
        first.id,
        resolved_on=date(2024, 5, 2),
        actor="a",
        customer_id=acme,
        allocations=[(invoice, Money.of("60.00", "EUR"))],
    )
    app.return_bank_credit(second.id, returned_on=date(2024, 4, 20), reason="not ours", actor="a")
    reopened = BeancountJournal(app, str(path))
    for event in iter_events(app):
        reopened.deliver(event_id(event), event)

    journal_text = path.read_text(encoding="utf-8")
    exported = export_ledger(app)
    journal_entries = checked(journal_text)
    exported_entries = checked(exported + balance_assertions(app, [acme], exported))
    for day in days(date(2024, 3, 1), date(2024, 5, 3)):
        assert balances(journal_entries, day) == balances(exported_entries, day), day
    rendered = sorted(t.render() for t in ledger_transactions(app))
    in_journal = sorted(
        block
        for block in ("\n" + journal_text).split("\n\n")
        if block[:4].isdigit() and " * " in block.splitlines()[0]
    )
    assert [r.rstrip("\n") for r in rendered] == [
        b.split("\n; q2c booked")[0].rstrip("\n") for b in in_journal
    ]
    assert balances(exported_entries, date(2024, 5, 2))[(BANK, "EUR")] == Decimal("99.00")


def test_a_credit_is_resolved_or_returned_no_earlier_than_the_bank_booked_it(
    tmp_path: Path,
) -> None:
    """The 99.00 from Initech was booked by the bank on 3 April. Assigning it to Acme, or
    sending it back, "on 1 April" would move the money out of suspense before it was there (the
    ledger's suspense account below zero for two days): refused naming ``resolved_on`` /
    ``returned_on``, nothing recorded. On 3 April itself both are accepted."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")
    acme, _ = acme_with_invoice(app)
    import_statement(
        app, tmp_path, "april", "2024-04-03,99.00,EUR,order 17,Initech LLC,R-9\n", date(2024, 4, 4)
    )
    [credit] = app.bank_suspense()
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as early:
        app.resolve_bank_credit(
            credit.id, resolved_on=date(2024, 4, 1), customer_id=acme, allocations=[], actor="a"
        )
    assert early.value.field == "resolved_on"
    with pytest.raises(RuleViolated) as back:
        app.return_bank_credit(
            credit.id, returned_on=date(2024, 4, 1), reason="not ours", actor="a"
        )
    assert back.value.field == "returned_on"
    assert app.recorder.max_notification_id() == before
    app.resolve_bank_credit(
        credit.id, resolved_on=date(2024, 4, 3), customer_id=acme, allocations=[], actor="a"
    )
    assert app.bank_suspense() == []
    assert balances(checked(export_ledger(app)), date(2024, 4, 3))[(BANK, "EUR")] == Decimal(
        "99.00"
    )
