"""Refunded credit in the books and exports: a refund pays customer credit out of the bank on
its day, Beancount (bean-check itself) accepts the ledger and the journal, and their balances are
q2c's own figures; a payment that bounces after a refund leaves the customer's credit account
owing the refund. The payments export lists refunds and credit as the aggregates do."""

from __future__ import annotations

import csv
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
from test_beancount_ledger import balance_assertions, issue, load_ok, manual_line

from q2c_adapters.accounting.beancount_ledger import BANK, BeancountJournal, export_ledger
from q2c_adapters.accounting.exports import export
from q2c_adapters.delivery import Delivery
from q2c_core import Money, QuoteToCash, TaxRate

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
    bean_check = shutil.which("bean-check") or str(Path(sys.executable).parent / "bean-check")
    if not Path(bean_check).is_file():
        pytest.skip("bean-check is not installed")
    books = tmp_path / "books.beancount"
    books.write_text(checked)
    done = subprocess.run([bean_check, str(books)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


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
