"""A running journal books a history dated before 1970 as Beancount accepts it, or not at all.

q2c takes any business day, and the command line any year from 1000: a firm loading its old
books, or a clerk typing 1024 for 2024. The running journal opened every account on 1970-01-01,
so an invoice issued on 1 March 1024 was written against accounts not open yet, and Beancount
refused the whole journal ("inactive account") while the full export, which opens each account
on its first day, loaded. Now an account the journal opens is opened on 1970-01-01 or on the
first day the event's block uses it, if that is earlier, so the journal books such a history
as the export does. An account the journal opened already on a later day cannot be opened
again: an event booking it before that day is refused (parked, naming the day and the
account, the journal left loading) rather than written into a journal Beancount refuses.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from beancount import loader
from beancount.core import data
from test_beancount_ledger import issue, load_ok, manual_line

from q2c_adapters.accounting.beancount_ledger import BeancountJournal, export_ledger
from q2c_adapters.delivery import Delivery, MemoryDeliveryStore
from q2c_core import Money, QuoteToCash, TaxRate


def balances(text: str) -> dict[tuple[str, str], Decimal]:
    """Every account's closing balance by currency, as Beancount reads the text."""
    held: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in load_ok(text):
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                assert posting.units is not None and posting.units.number is not None
                held[(posting.account, posting.units.currency)] += posting.units.number
    return {key: amount for key, amount in held.items() if amount}


def acme_billed_in(app: QuoteToCash, year: int) -> None:
    """Acme's invoice of 1,000.00 + 21% issued on 1 March of ``year``, paid on 20 March."""
    vat = TaxRate.standard(21)
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    invoice = app.draft_invoice(
        acme, [manual_line("L1", "1000", vat)], drafted_on=date(year, 3, 1), actor="billy"
    )
    issue(app, invoice, date(year, 3, 1))
    paid = app.receive_payment(
        acme, Money.of("1210", "EUR"), received_on=date(year, 3, 20), reference="A", actor="a"
    )
    app.allocate_payment(paid, allocated_on=date(year, 3, 20), actor="a")


def test_a_history_typed_as_1024_is_booked_by_the_journal_as_by_the_export(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open("memory:")
    acme_billed_in(app, 1024)  # the clerk typed 1024 for 2024
    path = tmp_path / "books.beancount"

    report = Delivery(app, BeancountJournal(app, str(path)), name="ledger").run()

    assert report.caught_up and not report.parked
    journal = path.read_text(encoding="utf-8")
    _, errors, _ = loader.load_string(journal)
    assert [e.message for e in errors] == []
    assert balances(journal) == balances(export_ledger(app))
    assert balances(journal)[("Income:Other", "EUR")] == Decimal("-1000.00")


def test_an_event_dated_before_an_account_the_journal_opened_is_parked_not_written(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open("memory:")
    acme_billed_in(app, 2024)
    path = tmp_path / "books.beancount"
    store = MemoryDeliveryStore()
    assert Delivery(app, BeancountJournal(app, str(path)), name="ledger", store=store).run()
    before = path.read_text(encoding="utf-8")
    [acme] = [c.id for c in app.customers()]
    # a second transfer, its year typed 1024: the bank account was opened on 1970-01-01
    app.receive_payment(
        acme, Money.of("50", "EUR"), received_on=date(1024, 4, 2), reference="B", actor="a"
    )

    delivery = Delivery(app, BeancountJournal(app, str(path)), name="ledger", store=store)
    report = delivery.run()

    assert report.caught_up and report.parked == 1
    [parked] = delivery.parked()
    assert "1024-04-02" in parked.reason and "Assets:Bank" in parked.reason
    assert path.read_text(encoding="utf-8") == before
    _, errors, _ = loader.load_file(str(path))
    assert [e.message for e in errors] == []
