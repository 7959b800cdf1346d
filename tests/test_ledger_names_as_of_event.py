"""The ledger names each customer as the booked fact does, so it is a pure function of the log.

- Alpha BV is invoiced, the nightly journal books the invoice, Alpha BV renames itself Omega BV,
  pays, is refunded part of it and gets a credit note. The invoice stays booked under
  "Alpha BV" (the buyer its PDF, UBL and CSV name, as issued), and so does the credit note
  (issued after the rename, it names its invoice's buyer); the payment, its allocation and the
  refund under "Omega BV". The running
  journal and a full export, made after everything, book the same transactions under the same
  names, and Beancount's own checker passes both; the accounts keep the registered name.
- Whatever renames, invoices and payments come in whatever order, and whenever the journal is
  delivered (or its process restarted), the journal's transactions are the full export's, and
  each document's payee is the buyer the document names.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_beancount_ledger import issue, manual_line
from test_ledger_account_names import NO_TAX, bean_check, eur

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    customer_component,
    export_ledger,
)
from q2c_adapters.delivery import Delivery, MemoryDeliveryStore
from q2c_core import CreditDisposition, QuoteToCash, buyer_details

# a transaction's first line and its ``customer:`` metadata
_TXN = re.compile(r'^(\d{4}-\d\d-\d\d \* "([^"]*)" "([^"]*)".*)\n((?:  \w+: .*\n)*)', re.MULTILINE)


def heads(text: str) -> list[tuple[str, str, str]]:
    """Each transaction's (first line, payee, customer metadata), in the text's order."""
    found = []
    for m in _TXN.finditer(text):
        meta = dict(re.findall(r'^  (\w+): "(.*)"$', m.group(4), re.MULTILINE))
        found.append((m.group(1), m.group(2), meta.get("customer", "")))
    return found


def payee_of(text: str, narration: str) -> tuple[str, str]:
    """The payee and customer metadata of the one transaction with this narration."""
    [(payee, customer)] = [(p, c) for line, p, c in heads(text) if f'"{narration}"' in line]
    return payee, customer


class Journal:
    """The nightly journal: a Beancount file the ledger delivery, a process kept running,
    appends to (``restart``: the process is started anew, the journal opened again)."""

    def __init__(self, app: QuoteToCash, path: Path) -> None:
        self.app, self.path, self.store = app, path, MemoryDeliveryStore()
        self.restart()

    def restart(self) -> None:
        self.journal = BeancountJournal(self.app, str(self.path))

    def deliver(self) -> None:
        report = Delivery(self.app, self.journal, name="ledger", store=self.store).run()
        assert report.caught_up

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def test_a_renamed_customer_is_booked_by_the_name_each_fact_was_recorded_under(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open("memory:")
    alpha = app.register_customer("Alpha BV", "EUR", account_manager="mia", actor="bea")
    journal = Journal(app, tmp_path / "journal.beancount")
    day = date(2024, 5, 2)
    invoice = app.draft_invoice(
        alpha, [manual_line("L1", "100.00", NO_TAX)], drafted_on=day, actor="billy"
    )
    number = issue(app, invoice, day)
    journal.deliver()  # the night after: the invoice is booked

    app.rename_customer(alpha, new_name="Omega BV", actor="bea")
    payment = app.receive_payment(
        alpha, eur("150.00"), received_on=date(2024, 5, 20), reference=number, actor="bea"
    )
    app.allocate_payment(payment, allocated_on=date(2024, 5, 20), actor="bea")
    app.refund_customer_credit(
        alpha, eur("50.00"), refunded_on=date(2024, 5, 21), reference="back", actor="bea"
    )
    credit = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        reason="goodwill",
        disposition=CreditDisposition.WRITTEN_OFF,
        drafted_on=date(2024, 5, 22),
        actor="billy",
    )
    credit_number = issue(app, credit, date(2024, 5, 22))
    journal.deliver()  # the next night: the rest

    exported = export_ledger(app)
    # the invoice names the buyer it was issued to, in the ledger as on its PDF
    assert buyer_details(app.invoice(invoice), app.customer(alpha)).name == "Alpha BV"
    for text in (journal.text(), exported):
        assert payee_of(text, f"Invoice {number}") == ("Alpha BV", "Alpha BV")
        assert payee_of(text, "Payment received") == ("Omega BV", "Omega BV")
        assert payee_of(text, f"Payment allocated to {number}") == ("Omega BV", "Omega BV")
        assert payee_of(text, "Customer credit refunded") == ("Omega BV", "Omega BV")
        # a credit note names the buyer its credited invoice was issued to
        narration = f"Credit note {credit_number} for {number} (written off)"
        assert payee_of(text, narration) == ("Alpha BV", "Alpha BV")
    # the journal booked what the export books, under the same names
    assert sorted(heads(journal.text())) == sorted(heads(exported))
    # the accounts keep the name the customer was registered with
    assert f"Assets:Receivables:{customer_component(alpha, 'Alpha BV')}" in exported
    bean_check(journal.path)
    (tmp_path / "export.beancount").write_text(exported, encoding="utf-8")
    bean_check(tmp_path / "export.beancount")


# one step of a customer's life: invoiced, paid (and allocated), renamed, the journal delivered
# or its process restarted
STEP = st.sampled_from(["invoice", "pay", "rename", "deliver", "restart"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=10))
def test_the_journal_books_what_a_full_export_books_whatever_renames_come_between(
    steps: list[str],
) -> None:
    app = QuoteToCash.open("memory:")
    customer = app.register_customer("Name 0", "EUR", account_manager="mia", actor="bea")
    invoices: list[UUID] = []
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(app, Path(folder) / "journal.beancount")
        for n, step in enumerate(steps, start=1):
            day = date(2024, 1, n)
            if step == "invoice":
                drafted = app.draft_invoice(
                    customer, [manual_line("L1", "10.00", NO_TAX)], drafted_on=day, actor="b"
                )
                issue(app, drafted, day)
                invoices.append(drafted)
            elif step == "pay":
                payment = app.receive_payment(
                    customer, eur("7.00"), received_on=day, reference=f"p{n}", actor="bea"
                )
                app.allocate_payment(payment, allocated_on=day, actor="bea")
            elif step == "rename":
                app.rename_customer(customer, new_name=f"Name {n}", actor="bea")
            elif step == "restart":
                journal.restart()
            else:
                journal.deliver()
        journal.deliver()
        exported = export_ledger(app)
        assert sorted(heads(journal.text())) == sorted(heads(exported))
        current = app.customer(customer)
        for invoice in invoices:
            document = app.invoice(invoice)
            buyer = buyer_details(document, current).name
            assert payee_of(exported, f"Invoice {document.number}") == (buyer, buyer)
