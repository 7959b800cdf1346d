"""Each customer has its own ledger accounts, named the same way for the customer's whole life.

- A CRM sync registers six customers within a second, two pairs of them with names that read
  alike once accents and signs are gone ("Müller GmbH" and "Möller GmbH", "A&B Ltd" and
  "A+B Ltd"), two of them by their ERP reference: six receivable accounts, each holding its own
  customer's open invoices, and Beancount's own checker passes the ledger.
- A customer renamed between an invoice and its payment: the running journal, delivered between
  the steps, books the payment on the account the invoice was booked on, so every account's
  balance is the full export's, and the customer's receivable is q2c's open 0.00.
- Names in other scripts (Greek, Japanese) give valid, distinct, readable accounts.
- A journal delivered before accounts were named this way is refused with the advice to export
  the ledger anew, rather than continued under a second set of accounts.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from beancount import loader
from beancount.core import account, data
from test_beancount_ledger import issue, manual_line

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    customer_component,
    export_ledger,
)
from q2c_adapters.delivery import Delivery, MemoryDeliveryStore
from q2c_core import InvalidValue, Money, QuoteToCash, TaxRate

BEAN_CHECK = Path(sys.executable).parent / "bean-check"
NO_TAX = TaxRate.standard(0)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def bill(app: QuoteToCash, customer: UUID, amount: str, day: date) -> UUID:
    """Issue one invoice of ``amount`` (no tax) to the customer on ``day``."""
    invoice = app.draft_invoice(
        customer, [manual_line("L1", amount, NO_TAX)], drafted_on=day, actor="billy"
    )
    issue(app, invoice, day)
    return invoice


def pay(app: QuoteToCash, customer: UUID, amount: str, day: date) -> None:
    """The customer pays ``amount``, allocated to its open invoices."""
    payment = app.receive_payment(
        customer, eur(amount), received_on=day, reference="transfer", actor="alice"
    )
    app.allocate_payment(payment, allocated_on=day, actor="alice")


def bean_check(path: Path) -> None:
    """Beancount's own checker passes the file: exit code 0 and nothing said."""
    run = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True)
    assert (run.returncode, run.stdout.strip(), run.stderr.strip()) == (0, "", "")


def balances(text: str) -> dict[str, Decimal]:
    """Every account's EUR balance over the whole ledger (accounts that moved, zero included)."""
    entries, errors, _ = loader.load_string(text)
    assert errors == [], [e.message for e in errors]
    totals: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                assert posting.units.number is not None
                totals.setdefault(posting.account, Decimal(0))
                totals[posting.account] += posting.units.number
    return totals


def customer_accounts(text: str, root: str) -> set[str]:
    """The accounts opened under ``root`` (``Assets:Receivables``)."""
    return set(re.findall(rf"^\d{{4}}-\d{{2}}-\d{{2}} open ({root}:\S+)", text, re.MULTILINE))


def test_six_customers_registered_within_a_second_get_six_receivable_accounts(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open("memory:")
    started = time.monotonic()
    names = ["Müller GmbH", "Möller GmbH", "A&B Ltd", "A+B Ltd", "Nordwind AG", "Nordwind AG "]
    customers = [
        app.register_customer(
            name.strip(),
            "EUR",
            account_manager="mia",
            actor="crm-sync",
            # the two Nordwinds come from the ERP: their ids are derived from its keys
            reference=f"ERP-{n}" if name.startswith("Nordwind") else "",
        )
        for n, name in enumerate(names)
    ]
    assert time.monotonic() - started < 1.0
    for n, customer in enumerate(customers):
        bill(app, customer, str(100 + n), date(2026, 1, 5))
    # the second of each pair pays 80.00 over its invoice: credit held for it alone
    for customer in customers[1::2]:
        pay(app, customer, "180.00", date(2026, 1, 6))

    text = export_ledger(app)
    path = tmp_path / "books.beancount"
    path.write_text(text, encoding="utf-8")
    bean_check(path)

    receivables = customer_accounts(text, "Assets:Receivables")
    assert len(receivables) == 6
    totals = balances(text)
    for customer, name in zip(customers, names, strict=True):
        component = customer_component(customer, name.strip())
        summary = app.customer_summary(customer)
        assert totals[f"Assets:Receivables:{component}"] == summary.open.amount
        assert totals.get(f"Liabilities:CustomerCredit:{component}", Decimal(0)) == (
            -summary.credit.amount
        )
    # accents read as their letters: the names stay readable
    assert any(a.startswith("Assets:Receivables:Muller-GmbH-") for a in receivables)
    assert any(a.startswith("Assets:Receivables:Moller-GmbH-") for a in receivables)


def test_a_customer_renamed_between_invoice_and_payment_keeps_its_accounts(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    path = tmp_path / "journal.beancount"
    store = MemoryDeliveryStore()

    def deliver() -> None:
        report = Delivery(app, BeancountJournal(app, str(path)), name="ledger", store=store).run()
        assert report.caught_up

    bill(app, acme, "100.00", date(2026, 1, 5))
    deliver()
    app.rename_customer(acme, new_name="Acme Holding", actor="alice")
    deliver()
    pay(app, acme, "100.00", date(2026, 1, 6))
    deliver()
    # the old name is free again: a new customer takes it, and gets accounts of its own
    newcomer = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    bill(app, newcomer, "40.00", date(2026, 1, 7))
    deliver()

    journal = path.read_text(encoding="utf-8")
    bean_check(path)
    exported = export_ledger(app)
    assert balances(journal) == balances(exported)

    totals = balances(journal)
    assert customer_accounts(journal, "Assets:Receivables") == {
        f"Assets:Receivables:{customer_component(acme, 'Acme')}",
        f"Assets:Receivables:{customer_component(newcomer, 'Acme')}",
    }
    for customer in (acme, newcomer):
        summary = app.customer_summary(customer)
        component = customer_component(customer, "Acme")
        assert totals[f"Assets:Receivables:{component}"] == summary.open.amount
        assert totals[f"Assets:Receivables:{component}"] == (
            Decimal("0.00") if customer == acme else Decimal("40.00")
        )


def test_names_in_other_scripts_get_valid_distinct_accounts(tmp_path: Path) -> None:
    app = QuoteToCash.open("memory:")
    names = ["Ωmega AE", "σigma AE", "株式会社テスト", "テスト株式会社", "ﬁne Café"]
    customers = [
        app.register_customer(name, "EUR", account_manager="mia", actor="crm-sync")
        for name in names
    ]
    for customer in customers:
        bill(app, customer, "10.00", date(2026, 2, 2))
    text = export_ledger(app)
    path = tmp_path / "books.beancount"
    path.write_text(text, encoding="utf-8")
    bean_check(path)

    components = [customer_component(c, n) for c, n in zip(customers, names, strict=True)]
    assert len(set(components)) == len(names)
    for component in components:
        assert account.is_valid(f"Assets:Receivables:{component}"), component
    # the letters stay: a reader finds the customer by its name
    assert components[0].startswith("Ωmega-AE-")
    assert components[1].startswith("Σigma-AE-")
    assert "株式会社テスト" in components[2]
    assert components[4].startswith("Fine-Cafe-")
    assert customer_accounts(text, "Assets:Receivables") == {
        f"Assets:Receivables:{c}" for c in components
    }


def test_a_journal_whose_accounts_were_named_the_old_way_is_refused(tmp_path: Path) -> None:
    """Accounts used to be named by a short id (8 hex digits); a journal holding those would
    open a second set of accounts for the same customers. It is refused, naming the path and
    saying to export the ledger anew; nothing is written to it."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    bill(app, acme, "100.00", date(2026, 1, 5))
    path = tmp_path / "journal.beancount"
    Delivery(app, BeancountJournal(app, str(path)), name="ledger").run()
    new = customer_component(acme, "Acme")
    old_text = path.read_text(encoding="utf-8").replace(new, f"Acme-{acme.hex[:8]}")
    path.write_text(old_text, encoding="utf-8")
    pay(app, acme, "100.00", date(2026, 1, 6))

    with pytest.raises(InvalidValue) as refused:
        BeancountJournal(app, str(path))
    assert refused.value.field == "path" and refused.value.value == str(path)
    assert f"Assets:Receivables:Acme-{acme.hex[:8]}" in refused.value.rule
    assert "export" in refused.value.rule
    assert path.read_text(encoding="utf-8") == old_text

    # exported anew, the ledger is continued
    fresh = tmp_path / "anew.beancount"
    report = Delivery(app, BeancountJournal(app, str(fresh)), name="anew").run()
    assert report.caught_up
    assert balances(fresh.read_text(encoding="utf-8"))[f"Assets:Receivables:{new}"] == 0
