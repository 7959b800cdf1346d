"""Refunded credit in the books and exports: a refund pays customer credit out of the bank on
its day, Beancount (bean-check itself) accepts the ledger and the journal, and their balances are
q2c's own figures; a payment that bounces after a refund leaves the customer owing the refund,
which the books move from the customer's credit (a liability, never in debit) to a receivable,
and back once the customer's money covers it. The payments export lists refunds and credit as
the aggregates do."""

from __future__ import annotations

import csv
import errno
import io
import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from beancount import loader
from beancount.core import data
from test_beancount_ledger import (
    balance_assertions,
    daily_credit_assertions,
    issue,
    load_ok,
    manual_line,
    refunds_owed_account,
)
from test_delivery import booked_ids

from q2c_adapters.accounting.beancount_ledger import (
    BANK,
    BeancountJournal,
    LedgerBook,
    export_ledger,
    ledger_transactions,
)
from q2c_adapters.accounting.exports import export
from q2c_adapters.delivery import Delivery, MemoryDeliveryStore
from q2c_core import Money, QuoteToCash, ReceivablesAging, TaxRate
from q2c_core.projections import catch_up
from q2c_core.projections.receivables import REFUNDS_OWED as REFUNDS_OWED_KIND

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def refunds_story(app: QuoteToCash) -> tuple[list[UUID], UUID]:
    """Acme overpays a 605.00 invoice by 395.00 and gets 300.00 back on 10 February; Initech
    pays 500.00 for a 242.00 invoice, gets 200.00 back on 5 February, then the bank takes the
    500.00 back on 12 February: Initech owes the invoice and the 200.00 it was paid out."""
    vat = TaxRate.standard(21)
    customers, bounced = [], None
    for name, net, paid, back, bounce in (
        ("Acme", "500", "1000", "300", False),
        ("Initech", "200", "500", "200", True),
    ):
        c = app.register_customer(name, "EUR", account_manager="mia", actor=A, tax_rate=vat)
        inv = app.draft_invoice(
            c, [manual_line("L1", net, vat)], drafted_on=date(2024, 1, 10), actor="b"
        )
        issue(app, inv, date(2024, 1, 10))
        p = app.receive_payment(c, eur(paid), received_on=date(2024, 2, 1), reference="in", actor=A)
        app.allocate_payment(p, allocated_on=date(2024, 2, 1), actor=A)
        on = date(2024, 2, 5) if bounce else date(2024, 2, 10)
        app.refund_customer_credit(c, eur(back), refunded_on=on, reference=f"OUT-{name}", actor=A)
        if bounce:
            app.bounce_payment(p, bounced_on=date(2024, 2, 12), reason="returned", actor="bank")
            bounced = p
        customers.append(c)
    assert bounced is not None
    return customers, bounced


def bank_assertion(app: QuoteToCash, text: str) -> str:
    """q2c's bank figure: money received, less refunds and payments the bank took back."""
    entries, _, _ = loader.load_string(text)
    day = max(e.date for e in entries) + timedelta(days=1)
    bank = Decimal(0)
    for c in app.customers():
        for p in app.payments(c.id):
            bank += p.amount.amount - p.refunded.amount
            bank -= p.amount.amount if p.is_bounced else 0
    return f"{day} balance {BANK} {bank:.4f} EUR\n"


def test_the_ledger_books_refunds_and_agrees_with_q2c(tmp_path: Path) -> None:
    app = QuoteToCash.open("memory:")
    (acme, initech), _ = refunds_story(app)
    assert app.customer_credit(acme) == eur(95)
    assert app.customer_credit(initech) == eur(-200)
    assert app.customer_summary(initech).open == eur("242.00")
    text = export_ledger(app)
    checked = text + balance_assertions(app, [acme, initech], text) + bank_assertion(app, text)
    entries = load_ok(checked)
    [refund] = [
        e
        for e in entries
        if isinstance(e, data.Transaction) and e.meta.get("reference") == "OUT-Acme"
    ]
    assert refund.date == date(2024, 2, 10) and refund.narration == "Customer credit refunded"
    assert {p.account.split(":")[0] for p in refund.postings} == {"Liabilities", "Assets"}
    assert [p.units.number for p in refund.postings] == [Decimal("300.00"), Decimal("-300.00")]
    [bounce] = [
        e
        for e in entries
        if isinstance(e, data.Transaction) and e.narration.startswith("Payment b")
    ]
    assert bounce.meta["owed_back"] == "200.00 EUR"
    bean_check(tmp_path, checked)


def bean_check(tmp_path: Path, text: str) -> None:
    """Beancount's own checker accepts the ledger (skipped where it is not installed)."""
    checker = shutil.which("bean-check") or str(Path(sys.executable).parent / "bean-check")
    if not Path(checker).is_file():
        pytest.skip("bean-check is not installed")
    books = tmp_path / "books.beancount"
    books.write_text(text)
    done = subprocess.run([checker, str(books)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def acme_bounces_after_a_refund(app: QuoteToCash, *, pays_again: bool = True) -> UUID:
    """Acme is invoiced 300.00 on 10 January and pays 500.00 on 1 February: 300.00 pays the
    invoice and 200.00 is left as credit, refunded on 5 February. On 12 February the bank takes
    the 500.00 back: the invoice is owed again, and so are the 200.00 paid out. Then
    ``acme_pays_again`` (unless ``pays_again`` is False)."""
    none = TaxRate.standard(0)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "300", none)], drafted_on=date(2024, 1, 10), actor="b"
    )
    issue(app, invoice, date(2024, 1, 10))
    first = app.receive_payment(
        acme, eur(500), received_on=date(2024, 2, 1), reference="first", actor=A
    )
    app.allocate_payment(first, allocated_on=date(2024, 2, 1), actor=A)
    app.refund_customer_credit(
        acme, eur(200), refunded_on=date(2024, 2, 5), reference="OUT-200", actor=A
    )
    app.bounce_payment(first, bounced_on=date(2024, 2, 12), reason="returned", actor="bank")
    if pays_again:
        acme_pays_again(app, acme)
    return acme


def acme_pays_again(app: QuoteToCash, acme: UUID) -> None:
    """Acme pays 500.00 again on 1 March, allocated to the invoice on 4 March."""
    again = app.receive_payment(
        acme, eur(500), received_on=date(2024, 3, 1), reference="again", actor=A
    )
    app.allocate_payment(again, allocated_on=date(2024, 3, 4), actor=A)


def balances_on(entries: list[data.Directive], day: date) -> dict[str, Decimal]:
    """Each account's balance at the end of ``day`` (in EUR)."""
    result: dict[str, Decimal] = {}
    for e in entries:
        if isinstance(e, data.Transaction) and e.date <= day:
            for p in e.postings:
                assert p.units is not None and p.units.number is not None
                result[p.account] = result.get(p.account, Decimal(0)) + p.units.number
    return result


def refunds_owed_in_aging(app: QuoteToCash, customer: UUID, day: date) -> Decimal:
    """What the receivables aging counts as refunds owed back by the customer on ``day``."""
    aging = ReceivablesAging()
    catch_up(app, [aging])
    rows = [r for r in aging.aging(day) if r.customer_id == customer.hex]
    return sum((r.total.amount for r in rows if r.kind == REFUNDS_OWED_KIND), Decimal(0))


# Bank, Acme's receivable, Acme's credit, Acme's refunds owed, at the end of each day
ACME_BOOKS = {
    date(2024, 1, 10): ("0", "300.00", "0", "0"),  # invoiced
    date(2024, 2, 1): ("500.00", "0.00", "-200.00", "0"),  # paid, 200.00 left as credit
    date(2024, 2, 5): ("300.00", "0.00", "0.00", "0"),  # the credit refunded
    date(2024, 2, 11): ("300.00", "0.00", "0.00", "0"),
    date(2024, 2, 12): ("-200.00", "300.00", "0.00", "200.00"),  # bounced: both owed
    date(2024, 2, 29): ("-200.00", "300.00", "0.00", "200.00"),
    date(2024, 3, 1): ("300.00", "300.00", "-300.00", "0.00"),  # paid again: the refund covered
    date(2024, 3, 4): ("300.00", "0.00", "0.00", "0.00"),  # the invoice paid
}


def test_a_refund_a_bounce_leaves_owed_is_a_receivable_until_acme_pays_again(
    tmp_path: Path,
) -> None:
    """The accountant's view of Acme's story, day by day: when the bounce leaves Acme owing
    the 200.00 refunded, the customer credit account (a liability) stays at nothing and the
    200.00 are on Acme's refunds owed receivable, as the aging's "refunds owed" row counts
    them; Acme's new payment covers them and the receivable clears. The customer credit
    account never has a debit balance, on any day; Beancount checks every day's balances."""
    app = QuoteToCash.open("memory:")
    acme = acme_bounces_after_a_refund(app)
    text = export_ledger(app)
    entries = load_ok(text)
    book = LedgerBook(app)
    owed = refunds_owed_account(app, acme)
    accounts = (BANK, book.receivable(acme), book.customer_credit(acme), owed)
    assert owed.startswith("Assets:RefundsOwed:Acme-")
    for day, expected in ACME_BOOKS.items():
        held = balances_on(entries, day)
        booked = tuple(held.get(account, Decimal(0)) for account in accounts)
        assert booked == tuple(Decimal(x) for x in expected), day
        assert booked[3] == refunds_owed_in_aging(app, acme, day), day
    day = date(2024, 1, 1)
    while day <= date(2024, 4, 1):
        assert balances_on(entries, day).get(book.customer_credit(acme), Decimal(0)) <= 0, day
        day += timedelta(days=1)
    moves = [
        (e.date, e.narration)
        for e in entries
        if isinstance(e, data.Transaction) and e.narration.startswith("Refunds owed back")
    ]
    assert moves == [
        (date(2024, 2, 12), "Refunds owed back moved to receivables"),
        (date(2024, 3, 1), "Refunds owed back covered by customer credit"),
    ]
    checked = (
        text
        + balance_assertions(app, [acme], text)
        + daily_credit_assertions(app, [acme], text)
        + bank_assertion(app, text)
    )
    load_ok(checked)
    bean_check(tmp_path, checked)


def test_the_journal_books_each_refund_once(tmp_path: Path) -> None:
    app = QuoteToCash.open("memory:")
    customers, _ = refunds_story(app)
    journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
    assert Delivery(app, journal, name="ledger").run().parked == 0
    assert Delivery(app, journal, name="ledger").run().delivered == 0
    text = journal.read()
    assert text.count("Customer credit refunded") == 2
    load_ok(text + balance_assertions(app, customers, text) + bank_assertion(app, text))


def test_the_payments_export_lists_refunds() -> None:
    app = QuoteToCash.open("memory:")
    (acme, initech), bounced = refunds_story(app)
    records = {r["customer"]: r for r in json.loads(export(app, "payments", "json"))}
    assert records["Acme"]["refunded"] == "300.00" and records["Acme"]["unallocated"] == "95.00"
    [refund] = records["Acme"]["refunds"]
    assert refund["amount"] == "300.00" and refund["refunded_on"] == "2024-02-10"
    assert refund["reference"] == "OUT-Acme"
    assert records["Initech"]["unallocated"] == "-200.00"
    assert records["Initech"]["payment_id"] == str(bounced)
    rows = list(csv.DictReader(io.StringIO(export(app, "payments", "csv"))))
    acme_rows = [r for r in rows if r["customer"] == "Acme"]
    assert len(acme_rows) == 2  # its allocation, then its refund
    assert acme_rows[0]["refund_refund_id"] == ""
    assert acme_rows[0]["allocation_amount"] == "605.00"
    assert acme_rows[1]["allocation_allocation_id"] == ""
    assert acme_rows[1]["refund_amount"] == "300.00"
    assert acme_rows[1]["refund_refunded_on"] == "2024-02-10"
    for c in (acme, initech):
        credit = {r["payment_id"]: r["unallocated"] for r in rows if r["customer_id"] == str(c)}
        assert sum(Decimal(v) for v in credit.values()) == app.customer_credit(c).amount


def assert_journal_books_as_the_export(app: QuoteToCash, text: str, customer: UUID) -> None:
    """The journal holds every transaction a full export books, once, and Beancount checks
    the customer's balances on every day (its credit never in debit, its refunds owed as the
    aging counts them)."""
    exported = ledger_transactions(app)
    assert len(booked_ids(text)) == len(exported)
    for txn in exported:
        assert text.count("\n" + txn.render()) == 1, txn.render()
    load_ok(
        text
        + balance_assertions(app, [customer], text)
        + daily_credit_assertions(app, [customer], text)
    )


def test_a_journal_opened_again_after_every_event_moves_the_refund_owed_once(
    tmp_path: Path,
) -> None:
    """The journal remembers Acme's credit by day from its own file: delivered one event at a
    time, each by a journal opened anew (a restart), it books the move of the 200.00 to the
    receivable on the bounce and back on the new payment, as the export does."""
    app = QuoteToCash.open("memory:")
    acme = acme_bounces_after_a_refund(app)
    path = str(tmp_path / "books.beancount")
    store = MemoryDeliveryStore()
    while (
        not Delivery(app, BeancountJournal(app, path), name="ledger", store=store)
        .run(limit=1)
        .caught_up
    ):
        pass
    text = BeancountJournal(app, path).read()
    assert text.count("Refunds owed back") == 2
    assert_journal_books_as_the_export(app, text, acme)


def test_a_bounce_the_disk_refused_is_booked_with_its_move_when_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk is full when the journal writes the bounce: nothing of it is written, and the
    journal does not count the 200.00 as moved. Retried, the bounce is booked with its move
    to the receivable, once."""
    app = QuoteToCash.open("memory:")
    acme = acme_bounces_after_a_refund(app)
    journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
    append = journal._append
    full = [True]

    def disk_full_at_the_bounce(data: bytes) -> None:
        if b"Payment bounced" in data and full[0]:
            full[0] = False
            raise OSError(errno.ENOSPC, "No space left on device")
        append(data)

    monkeypatch.setattr(journal, "_append", disk_full_at_the_bounce)
    store = MemoryDeliveryStore()
    first = Delivery(app, journal, name="ledger", store=store).run()
    assert first.error is not None and "No space left" in first.error
    assert "Payment bounced" not in journal.read()
    assert Delivery(app, journal, name="ledger", store=store).run().caught_up
    assert_journal_books_as_the_export(app, journal.read(), acme)


def test_a_journal_an_older_q2c_wrote_moves_the_refund_owed_with_the_next_payment(
    tmp_path: Path,
) -> None:
    """A journal written before refunds owed were moved has Acme's credit account in debit
    since the bounce. The next event of Acme's credit (its new payment) books the 200.00 onto
    the receivable on the bounce's day as well, so from then on every day is right."""
    app = QuoteToCash.open("memory:")
    acme = acme_bounces_after_a_refund(app, pays_again=False)
    path = tmp_path / "books.beancount"
    journal = BeancountJournal(app, str(path))
    store = MemoryDeliveryStore()
    assert Delivery(app, journal, name="ledger", store=store).run().caught_up
    older = journal.read()
    owed = refunds_owed_account(app, acme)
    [move] = [t for t in ledger_transactions(app) if t.narration.startswith("Refunds owed")]
    older = older.replace("\n" + move.render(), "").replace(f"\n1970-01-01 open {owed}\n", "")
    assert owed not in older
    path.write_text(older, encoding="utf-8")

    acme_pays_again(app, acme)
    assert (
        Delivery(app, BeancountJournal(app, str(path)), name="ledger", store=store).run().caught_up
    )
    text = path.read_text(encoding="utf-8")
    load_ok(
        text + balance_assertions(app, [acme], text) + daily_credit_assertions(app, [acme], text)
    )
    entries = load_ok(text)
    moves = [
        (e.date, e.narration, e.meta["event_id"])
        for e in entries
        if isinstance(e, data.Transaction) and e.narration.startswith("Refunds owed back")
    ]
    receipt = moves[0][2]
    assert moves == [
        (date(2024, 2, 12), "Refunds owed back moved to receivables", receipt),
        (date(2024, 3, 1), "Refunds owed back covered by customer credit", receipt),
    ]
