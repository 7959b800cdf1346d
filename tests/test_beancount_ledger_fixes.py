"""The Beancount journal and ledger where a review found them wrong.

- A journal whose disk fills up in the middle of an event's block: the delivery stops ("sink
  down"), and whether it is retried by the same journal or after a restart, every transaction is
  booked once. The disk filling up is real: a child process (so the test run itself keeps its
  limits) sets the file-size limit just above the journal's size while the journal books a
  maintenance invoice, and the kernel refuses the rest of the write. A crash that leaves half a
  block on disk (the process killed during the write) is the file as such a crash leaves it.
- A deposit credited, whatever the disposition, gives the deposit back (it is the customer's
  money, never revenue to write off); crediting the deduction on a final invoice holds it again.
- One payment over many invoices is booked without rebuilding the payment for each allocation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from beancount import loader
from beancount.core import data
from test_beancount_ledger import balance_assertions, issue, load_ok, manual_line
from test_delivery import booked_ids, expected_ids

import q2c_adapters
from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    LedgerBook,
    export_ledger,
    ledger_transactions,
)
from q2c_adapters.delivery import Delivery, MemoryDeliveryStore
from q2c_core import (
    BillingFrequency,
    CreditDisposition,
    InvalidValue,
    InvoiceKind,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RevenueKind,
    SourceKind,
    TaxRate,
)


def brasserie_year(app: QuoteToCash) -> tuple[UUID, UUID]:
    """A customer with a non-ASCII name billed a year of maintenance (twelve monthly
    recognitions: one long block in the journal), who pays it with one transfer. Returns the
    customer and the invoice."""
    vat = TaxRate.standard(21)
    zoe = app.register_customer(
        "Brasserie Zoë", "EUR", account_manager="mia", actor="a", tax_rate=vat
    )
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    contract = app.sign_contract(
        zoe, number="MC-Z", term=year, frequency=BillingFrequency.ANNUAL,
        signed_on=date(2024, 1, 1), actor="a",
    )  # fmt: skip
    source = LineSource(SourceKind.CONTRACT_PERIOD, contract_id=contract, period=year)
    invoice = app.draft_invoice(
        zoe, [manual_line("L1", "1200", vat, RevenueKind.MAINTENANCE, source)],
        drafted_on=date(2024, 1, 2), actor="billy",
    )  # fmt: skip
    issue(app, invoice, date(2024, 1, 2))  # 1,200.00 + 252.00
    paid = app.receive_payment(
        zoe, Money.of("1452", "EUR"), received_on=date(2024, 2, 1), reference="Z", actor="a"
    )
    app.allocate_payment(paid, allocated_on=date(2024, 2, 1), actor="a")
    return zoe, invoice


def issued_event(app: QuoteToCash, invoice: UUID) -> str:
    """The id of the event that issued the invoice."""
    notes = app.recorder.select_notifications(start=1, limit=10_000)
    [found] = [
        f"{n.originator_id}:{n.originator_version}"
        for n in notes
        if n.originator_id == invoice and n.topic.endswith("Invoice.Issued")
    ]
    return found


def assert_journal_complete(app: QuoteToCash, text: str, customer: UUID) -> None:
    """Every transaction a full export books is in the journal once, each event's block (after
    the format line) is closed, and Beancount's balance checks confirm q2c's receivable and
    customer credit."""
    assert sorted(booked_ids(text)) == sorted(expected_ids(app))
    entries = load_ok(text + balance_assertions(app, [customer], text))
    months = [
        e
        for e in entries
        if isinstance(e, data.Transaction) and e.narration.startswith("Recognise maintenance")
    ]
    assert len(months) == 12
    blocks = text[text.index("; q2c journal: ") :]
    assert blocks.count("\n; q2c booked ") == len({*booked_ids(blocks)})


DISK_FILLS_UP = """
import json, os, resource, signal, sys
from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    LedgerBook,
    export_ledger,
    ledger_transactions,
)
from q2c_adapters.delivery import Delivery
from q2c_core import QuoteToCash

url, path, target, then = sys.argv[1:5]

class DiskFillsUp:
    def __init__(self, journal):
        self.journal = journal
        self.full = True

    def deliver(self, event_id, event):
        if event_id != target or not self.full:
            return self.journal.deliver(event_id, event)
        self.full = False
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(path) + 1500, hard))
        try:
            self.journal.deliver(event_id, event)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
app = QuoteToCash.open(url)
sink = DiskFillsUp(BeancountJournal(app, path))
first = Delivery(app, sink, name="ledger").run()
result = {"error": first.error, "stopped": first.stopped_at, "size": os.path.getsize(path)}
if then == "retry":
    second = Delivery(app, sink, name="ledger").run()
    result["retried"] = second.caught_up
print(json.dumps(result))
"""


@pytest.mark.parametrize("then", ["retry", "restart"])
def test_a_disk_full_in_the_middle_of_a_block_books_every_transaction_once(
    tmp_path: Path, then: str
) -> None:
    """The disk fills up while the journal writes the maintenance invoice's thirteen
    transactions: the delivery stops there and the journal is left as it was before that event
    (it loads, and holds nothing of it). Retried by the same journal once there is room, or by
    a new one after a restart, the invoice is booked once, with all twelve months."""
    pytest.importorskip("resource")
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    path = tmp_path / "books.beancount"
    app = QuoteToCash.open(url)
    zoe, invoice = brasserie_year(app)
    target = issued_event(app, invoice)
    app.close()
    src = str(Path(q2c_adapters.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run(
        [sys.executable, "-c", DISK_FILLS_UP, url, str(path), target, then],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result["error"].startswith("OSError: [Errno 27]")  # File too large
    app = QuoteToCash.open(url)
    if then == "retry":
        assert result["retried"] is True
    else:
        left = path.read_text(encoding="utf-8")
        assert result["size"] == len(left.encode("utf-8"))
        assert target not in booked_ids(left) and "Zoë" not in left
        load_ok(left)
        report = Delivery(app, BeancountJournal(app, str(path)), name="ledger").run()
        assert report.caught_up and report.delivered > 0
    assert_journal_complete(app, path.read_text(encoding="utf-8"), zoe)
    app.close()


@pytest.mark.parametrize(
    "kept", ["first-line", "inside-name", "all-but-end-line", "inside-end-line"]
)
def test_a_block_cut_short_by_a_crash_is_cut_off_and_booked_again(
    tmp_path: Path, kept: str
) -> None:
    """The process dies while the journal writes the maintenance invoice's block, before the
    delivery records its position: the file ends with part of the block (cut anywhere, even
    inside the "ë" of the customer's name or of the block's end line). The journal opened again
    cuts that part off, loudly, and the delivery from its recorded position books the event
    whole."""
    app = QuoteToCash.open("memory:")
    zoe, invoice = brasserie_year(app)
    target = issued_event(app, invoice)
    path = tmp_path / "books.beancount"
    journal = BeancountJournal(app, str(path))
    before = MemoryDeliveryStore()
    delivery = Delivery(app, journal, name="ledger", store=before)
    while True:
        [nxt] = app.recorder.select_notifications(start=delivery.position + 1, limit=1)
        if f"{nxt.originator_id}:{nxt.originator_version}" == target:
            break
        delivery.run(limit=1)
    good = path.read_bytes()
    journal.deliver(target, app.mapper.to_domain_event(nxt))  # the block the crash cut short
    block = path.read_bytes()[len(good) :]
    if kept == "first-line":
        cut = 20
    elif kept == "inside-name":
        cut = block.index("ë".encode()) + 1
    elif kept == "all-but-end-line":
        cut = block.rindex(b"; q2c booked")
    else:
        cut = len(block) - 1
    path.write_bytes(good + block[:cut])

    with pytest.warns(RuntimeWarning, match="unfinished write"):
        reopened = BeancountJournal(app, str(path))
    assert reopened.discarded.startswith("\n")
    assert path.read_bytes() == good
    report = Delivery(app, reopened, name="ledger", store=before).run()
    assert report.caught_up
    assert_journal_complete(app, path.read_text(encoding="utf-8"), zoe)


def test_a_journal_written_before_blocks_had_an_end_line_is_continued(tmp_path: Path) -> None:
    """A journal an earlier q2c wrote (no end lines) is taken as it is: what it booked is not
    booked again, and the events after it are booked in closed blocks. One that stops in the
    middle of a line is refused, naming the path."""
    app = QuoteToCash.open("memory:")
    zoe, _ = brasserie_year(app)
    path = tmp_path / "old.beancount"
    journal = BeancountJournal(app, str(path))
    Delivery(app, journal, name="ledger", store=MemoryDeliveryStore()).run(limit=12)
    old = "".join(
        line
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("; q2c ")
    )
    assert "Invoice INV-000001" in old
    path.write_text(old, encoding="utf-8")
    report = Delivery(
        app, BeancountJournal(app, str(path)), name="ledger", store=MemoryDeliveryStore()
    ).run()
    assert report.caught_up
    text = path.read_text(encoding="utf-8")
    assert text.startswith(old)
    assert_journal_complete(app, text, zoe)

    path.write_text(old[:-5], encoding="utf-8")
    with pytest.raises(InvalidValue) as refused:
        BeancountJournal(app, str(path))
    assert refused.value.field == "path" and refused.value.value == str(path)
    assert "middle of a line" in refused.value.rule


def deposit_held(app: QuoteToCash, customer: UUID) -> Money:
    """What q2c holds of the customer's deposits (net of tax), from its own invoices: the lines
    of issued deposit invoices no credit note gave back, less the deductions on issued final
    invoices no credit note took back."""
    held = Money.zero("EUR")
    for invoice in app.invoices(customer):
        if not invoice.is_issued or invoice.kind is InvoiceKind.CREDIT_NOTE:
            continue
        credited = invoice.credited_line_ids()
        for line in invoice.lines:
            if line.revenue_kind is RevenueKind.DEPOSIT and line.line_id not in credited:
                held = held + line.net  # a deduction line is negative
    return held


def assert_ledger_agrees(app: QuoteToCash, customer: UUID) -> dict[str, Decimal]:
    """The exported ledger loads, and Beancount's balance checks confirm q2c's receivable,
    customer credit and deposits held (when it had any; to four decimals, so a cent off
    fails). Returns the account totals."""
    text = export_ledger(app)
    entries, _, _ = loader.load_string(text)
    day = max(e.date for e in entries) + timedelta(days=1)
    held = deposit_held(app, customer).amount
    account = LedgerBook(app).deposits(customer)
    deposits = f"{day} balance {account} {-held:.4f} EUR\n" if account in text or held else ""
    entries = load_ok(text + balance_assertions(app, [customer], text) + deposits)
    totals: dict[str, Decimal] = {}
    for e in entries:
        if isinstance(e, data.Transaction):
            for p in e.postings:
                assert p.units is not None and p.units.number is not None
                totals[p.account] = totals.get(p.account, Decimal(0)) + p.units.number
    return totals


def paid_deposit(app: QuoteToCash) -> tuple[UUID, UUID]:
    """A customer invoiced a 1,000.00 deposit (+ 210.00 VAT) for a project, paid in full."""
    vat = TaxRate.standard(21)
    c = app.register_customer("Bistro", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    deposit = app.draft_deposit_invoice(
        c, Money.of("1000", "EUR"), description="Down payment", drafted_on=date(2024, 3, 1),
        actor="billy",
    )  # fmt: skip
    issue(app, deposit, date(2024, 3, 1))
    paid = app.receive_payment(
        c, Money.of("1210", "EUR"), received_on=date(2024, 3, 5), reference="DEP", actor="a"
    )
    app.allocate_payment(paid, allocated_on=date(2024, 3, 5), actor="a")
    return c, deposit


@pytest.mark.parametrize(
    "disposition", [CreditDisposition.WRITTEN_OFF, CreditDisposition.REBILLABLE]
)
def test_a_credited_deposit_is_given_back_whatever_the_disposition(
    disposition: CreditDisposition,
) -> None:
    """The project is cancelled and the paid deposit invoice credited (written off, or
    re-billable): the deposit liability is released, the money waits as the customer's credit
    (1,210.00 in the bank, 1,210.00 owed back, nothing more), and nothing is a write-off
    expense, since a deposit was never revenue."""
    app = QuoteToCash.open("memory:")
    c, deposit = paid_deposit(app)
    note = app.draft_credit_note(
        deposit, line_ids=["L1"], disposition=disposition, reason="project cancelled",
        drafted_on=date(2024, 4, 1), actor="billy",
    )  # fmt: skip
    issue(app, note, date(2024, 4, 1))
    assert app.customer_credit(c) == Money.of("1210", "EUR")
    assert app.invoice(deposit).outstanding.is_zero()
    assert deposit_held(app, c).is_zero()
    totals = assert_ledger_agrees(app, c)
    assert not any(account.startswith("Expenses:") for account in totals)
    assert totals["Assets:Bank"] == Decimal("1210.00")
    assert totals["Liabilities:TaxPayable:S-21"] == Decimal("0.00")
    [booked] = [t for t in ledger_transactions(app) if dict(t.meta).get("disposition")]
    assert dict(booked.meta)["disposition"] == disposition.value
    assert "written off" not in booked.narration  # nothing was


@pytest.mark.parametrize(
    "disposition", [CreditDisposition.WRITTEN_OFF, CreditDisposition.REBILLABLE]
)
def test_crediting_the_deduction_of_a_deposit_holds_the_deposit_again(
    disposition: CreditDisposition,
) -> None:
    """The final invoice (3,000.00) deducts the paid deposit (less 1,000.00); then that
    deduction line is credited: the customer owes the final invoice whole (3,630.00) and the
    deposit is held for them again (1,000.00), not booked as a negative write-off expense."""
    app = QuoteToCash.open("memory:")
    c, deposit = paid_deposit(app)
    vat = TaxRate.standard(21)
    final = app.draft_invoice(
        c, [manual_line("L1", "3000", vat, RevenueKind.ENHANCEMENT)],
        drafted_on=date(2024, 4, 1), actor="billy",
    )  # fmt: skip
    app.deduct_deposit(final, deposit, actor="billy")
    issue(app, final, date(2024, 4, 2))  # 2,000.00 + 420.00
    [deduction] = [ln for ln in app.invoice(final).lines if ln.revenue_kind is RevenueKind.DEPOSIT]
    note = app.draft_credit_note(
        final, line_ids=[deduction.line_id], disposition=disposition,
        reason="deposit kept for the next phase", drafted_on=date(2024, 4, 3), actor="billy",
    )  # fmt: skip
    issue(app, note, date(2024, 4, 3))
    assert app.invoice(final).outstanding == Money.of("3630", "EUR")
    assert app.customer_credit(c).is_zero()
    assert deposit_held(app, c) == Money.of("1000", "EUR")
    totals = assert_ledger_agrees(app, c)
    assert not any(account.startswith("Expenses:") for account in totals)
    assert totals["Income:Enhancement"] == Decimal("-3000.00")
    assert totals["Liabilities:TaxPayable:S-21"] == Decimal("-840.00")  # 210.00 + 630.00


def test_one_payment_over_many_invoices_is_booked_reading_each_event_about_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Design problem 3: one transfer pays 300 invoices; one allocation is then reversed and the
    payment bounces. The ledger books 300 allocations, the reversal and 299 allocations taken
    off by the bounce, and agrees with q2c. Building it reads fewer stored events than the log
    holds: the payment is not rebuilt from its first event for each allocation (that read
    46,000 events here; 400 invoices took over 8 s, 800 a minute or more)."""
    app = QuoteToCash.open("memory:")
    vat = TaxRate.standard(21)
    c = app.register_customer("Bulk", "EUR", account_manager="mia", actor="a", tax_rate=vat)
    for _ in range(300):
        invoice = app.draft_invoice(
            c, [manual_line("L1", "100", vat)], drafted_on=date(2024, 1, 1), actor="billy"
        )
        issue(app, invoice, date(2024, 1, 1))
    paid = app.receive_payment(
        c, Money.of(121 * 300, "EUR"), received_on=date(2024, 2, 1), reference="bulk", actor="a"
    )
    allocations = app.allocate_payment(paid, allocated_on=date(2024, 2, 1), actor="a")
    assert len(allocations) == 300
    app.reverse_allocation(
        paid, allocations[150], reason="wrong invoice", actor="a", reversed_on=date(2024, 2, 2)
    )
    app.bounce_payment(paid, bounced_on=date(2024, 2, 5), reason="returned", actor="a")

    store = app.repository.event_store
    read = 0
    get = store.get

    def counting(*args: Any, **kwargs: Any) -> Iterator[Any]:
        nonlocal read
        for stored in get(*args, **kwargs):
            read += 1
            yield stored

    monkeypatch.setattr(store, "get", counting)
    transactions = ledger_transactions(app)
    monkeypatch.undo()
    assert 0 < read < (app.recorder.max_notification_id() or 0)  # 2,706 in the log

    narrations = [t.narration for t in transactions]
    allocated = [n for n in narrations if n.startswith("Payment allocated to")]
    assert len(allocated) == len(set(allocated)) == 300
    assert sum(n.startswith("Allocation reversed on") for n in narrations) == 1
    assert sum(n.startswith("Bounced payment taken off") for n in narrations) == 299
    assert app.customer_summary(c).open == Money.of(121 * 300, "EUR")
    totals = assert_ledger_agrees(app, c)
    assert totals["Assets:Bank"] == Decimal("0.00")


def test_two_payments_received_in_one_millisecond_have_links_of_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bank statement import records its payments within a millisecond: Acme's and Globex's
    transfers got one ^payment- link, made from the id's first twelve hex digits, which in a
    time-ordered id are its millisecond; Fava's linked entries then mixed the two customers'
    money. Each payment's link is its whole id. (The clock is held still so the two ids are
    made in one millisecond, as an import makes them.)"""
    import q2c_core.domain.values as values

    monkeypatch.setattr(values.time, "time_ns", lambda: 1_767_225_600_000_000_000)
    app = QuoteToCash.open("memory:")
    vat = TaxRate.standard(21)
    payments = []
    for name in ("Acme GmbH", "Globex SA"):
        customer = app.register_customer(
            name, "EUR", account_manager="mia", actor="bea", tax_rate=vat
        )
        invoice = app.draft_invoice(
            customer, [manual_line("L1", "100.00", vat)], drafted_on=date(2026, 1, 5), actor="bea"
        )
        issue(app, invoice, date(2026, 1, 5))
        paid = app.receive_payment(
            customer,
            app.invoice(invoice).total,
            received_on=date(2026, 1, 9),
            reference=f"transfer from {name}",
            actor="bank",
        )
        app.allocate_payment(paid, allocated_on=date(2026, 1, 9), actor="bank")
        payments.append(paid)
    assert payments[0].hex[:12] == payments[1].hex[:12]  # (one millisecond)
    paid_by_link: dict[str, set[str]] = {}
    for entry in load_ok(export_ledger(app)):
        if isinstance(entry, data.Transaction) and "payment_id" in entry.meta:
            for link in entry.links:
                if link.startswith("payment-"):
                    paid_by_link.setdefault(link, set()).add(entry.meta["payment_id"])
    assert len(paid_by_link) == 2
    assert all(len(paid) == 1 for paid in paid_by_link.values()), paid_by_link
    app.close()
