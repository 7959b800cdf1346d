"""Money and credit dated back meet an invoice as it stood on their day and every day since
(its total less the credit notes applied by then and the allocations then in force): an
allocation or a credit note dated back is accepted only if on none of those days the invoice
owes less than nothing with it (a credit note dated back first gives back the money paying the
invoice on its day, as it does when recorded that day), so no past day shows an invoice paid or
credited twice over, and the same facts recorded in another order give the same statements."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_projections_story import eur, issue
from test_receivables_as_of import line

from q2c_core import (
    CreditDisposition,
    InvoiceLine,
    LineSource,
    OverAllocation,
    Q2CError,
    QuoteToCash,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
)
from q2c_core.projections import Commissions, CustomerStatement, ReceivablesAging, catch_up

A = "alice"


def march(day: int) -> date:
    return date(2026, 3, day)


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme", "EUR", account_manager="mia", actor=A)


def enhancement_invoice(app: QuoteToCash, cust: UUID, on: date) -> UUID:
    """121.00: an enhancement of 100.00 (5 % commission) and 21 % tax."""
    work = InvoiceLine(
        "L1",
        "report export",
        Decimal(1),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.MANUAL, note="agreed"),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )
    invoice = app.draft_invoice(cust, [work], drafted_on=on, actor="billy")
    issue(app, invoice, on)
    return invoice


def credit_note(app: QuoteToCash, invoice: UUID, on: date, line_id: str = "L1") -> UUID:
    """A credit note for one line, drafted and approved; issued by the caller."""
    note = app.draft_credit_note(
        invoice,
        line_ids=[line_id],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="returned",
        drafted_on=on,
        actor="billy",
    )
    app.approve_invoice(note, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(note, role="account_manager", approved_on=on, actor="mia")
    return note


def read_models(app: QuoteToCash) -> tuple[CustomerStatement, ReceivablesAging, Commissions]:
    models = CustomerStatement(), ReceivablesAging(), Commissions()
    catch_up(app, list(models))
    return models


def paid_on_the_20th_and_taken_back_on_the_25th(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme's invoice of 1 March (121.00) and two payments of 121.00 received on the 5th: the
    first was allocated to it on the 20th and taken back off on the 25th (wrong invoice)."""
    cust = acme(app)
    invoice = enhancement_invoice(app, cust, march(1))
    first = app.receive_payment(cust, eur(121), received_on=march(5), reference="p1", actor=A)
    second = app.receive_payment(cust, eur(121), received_on=march(5), reference="p2", actor=A)
    [allocation] = app.allocate_payment(
        first, [(invoice, eur(121))], allocated_on=march(20), actor=A
    )
    app.reverse_allocation(
        first, allocation, reason="wrong invoice", actor=A, reversed_on=march(25)
    )
    return invoice, first, second


def test_money_dated_back_to_an_invoice_paid_since_by_other_money_is_refused() -> None:
    """The second payment allocated to the invoice as of the 10th was accepted: from the 20th
    to the 25th the invoice was then paid twice (242.00 paid, -121.00 open on the 22nd, 10.00
    commission, off the aging). Refused, naming the invoice, the 20th and the 0.00 it owed
    then, nothing recorded. On the 22nd the invoice is paid by the first payment alone and the
    second is customer credit; dated the 25th, when the first was taken back off, it is taken."""
    app = QuoteToCash.open("memory:")
    invoice, _, second = paid_on_the_20th_and_taken_back_on_the_25th(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        app.allocate_payment(second, [(invoice, eur(121))], allocated_on=march(10), actor=A)
    assert refused.value.aggregate_id == invoice and refused.value.field == "amount"
    assert "INV-000001 owed on 2026-03-20" in str(refused.value)
    assert "0.00 EUR" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    # oldest first as of the 10th finds nothing it may pay on every day since
    assert app.allocate_payment(second, allocated_on=march(10), actor=A) == []
    statements, aging, commissions = read_models(app)
    on_the_22nd = statements.statement(app.invoice(invoice).customer_id, march(22))
    [owed] = on_the_22nd.invoices
    assert (owed.paid, owed.outstanding) == (eur(121), eur(0))
    assert (on_the_22nd.open, on_the_22nd.credit) == (eur(0), eur(121))
    assert commissions.balances(march(22)) == {("mia", "EUR"): eur(5)}
    assert [i.outstanding for i in aging.open_invoices(march(26))] == [eur(121)]
    app.allocate_payment(second, [(invoice, eur(121))], allocated_on=march(25), actor=A)
    assert app.invoice(invoice).outstanding == eur(0)


def test_a_bank_statement_imported_late_pays_an_invoice_only_as_it_stood_on_the_booking_day(
    tmp_path: Path,
) -> None:
    """The statement of the 10th, imported on the 30th, names INV-000001, which the first
    payment paid from the 20th to the 25th: it was allocated on the 10th, and the invoice was
    paid twice from the 20th to the 25th. The credit now waits in suspense (it names only an
    invoice owing nothing on one of those days); resolved on the 25th, it pays the invoice. (It
    waits as money that may be one of the two 121.00 received by hand on the 5th, no payment
    made: the same amount within a week, ``MAYBE_RECORDED_BY_HAND``, where it once waited as
    Acme's credit, ``NO_INVOICE``: the import no longer counts such money twice silently.)"""
    from q2c_adapters.importers.bank import BankStatementImporter
    from q2c_core.domain.bank_credit import SuspenseReason

    app = QuoteToCash.open("memory:")
    invoice, _, _ = paid_on_the_20th_and_taken_back_on_the_25th(app)
    statement = tmp_path / "march.csv"
    statement.write_text(
        "date,amount,currency,remittance,name,reference\n"
        "2026-03-10,121.00,EUR,INV-000001,Acme,TRF-10\n"
    )
    report = BankStatementImporter(app, today=march(30)).import_file(statement, actor="bank")
    assert (report.recorded, report.suspended) == (0, 1)
    [parked] = app.bank_suspense()
    assert parked.suspense_reason is SuspenseReason.MAYBE_RECORDED_BY_HAND
    assert parked.payment_id is None
    app.resolve_bank_credit(
        parked.id, allocations=[(invoice, eur(121))], resolved_on=march(25), actor="bea"
    )
    assert app.invoice(invoice).outstanding == eur(0)


@pytest.mark.parametrize("recorded", ["un-applied without a day", "snapshot without them"])
def test_an_invoice_from_before_it_kept_its_payments_works_them_out_from_the_payments(
    tmp_path: Path, recorded: str
) -> None:
    """The story of the 20th to the 25th, recorded before invoices kept the payments taken
    back off them: the invoice's un-application without its day, or its snapshot without
    ``applications``. The invoice finds them from its events and the payments (taken back off
    on the 25th), so the second payment as of the 10th is still refused, and the 25th taken."""
    db = tmp_path / "q2c.db"
    app = QuoteToCash.open(f"sqlite:///{db}")
    cust = acme(app)
    invoice = enhancement_invoice(app, cust, march(1))
    first = app.receive_payment(cust, eur(121), received_on=march(5), reference="p1", actor=A)
    second = app.receive_payment(cust, eur(121), received_on=march(5), reference="p2", actor=A)
    [allocation] = app.allocate_payment(
        first, [(invoice, eur(121))], allocated_on=march(20), actor=A
    )
    if recorded == "un-applied without a day":
        payment, owed = app.payment(first), app.invoice(invoice)
        payment.reverse_allocation(allocation, "wrong invoice", A, march(25))
        owed.unapply_payment(allocation, "wrong invoice", A)  # (no day, as recorded before)
        app.save(payment, owed)
        assert app.invoice(invoice).applications is None
    else:
        app.reverse_allocation(
            first, allocation, reason="wrong invoice", actor=A, reversed_on=march(25)
        )
        app.take_snapshot(invoice)
        app.close()
        with sqlite3.connect(db) as conn:
            taken = conn.execute(
                "SELECT originator_version, state FROM stored_snapshots WHERE originator_id = ?",
                (invoice.hex,),
            ).fetchall()
            for version, state in taken:  # (every 4 events, and the one just taken)
                facts = json.loads(bytes(state))
                del facts["state"]["applications"]
                conn.execute(
                    "UPDATE stored_snapshots SET state = ? "
                    "WHERE originator_id = ? AND originator_version = ?",
                    (json.dumps(facts, separators=(",", ":")).encode(), invoice.hex, version),
                )
        app = QuoteToCash.open(f"sqlite:///{db}")
        assert "applications" not in vars(app.invoice(invoice))
    with pytest.raises(OverAllocation):
        app.allocate_payment(second, [(invoice, eur(121))], allocated_on=march(10), actor=A)
    app.allocate_payment(second, [(invoice, eur(121))], allocated_on=march(25), actor=A)
    assert app.invoice(invoice).outstanding == eur(0)
    app.close()


def test_a_credit_note_dated_before_a_bounce_cannot_give_the_bounced_money_back() -> None:
    """The invoice was paid on the 10th; the payment bounced on the 15th; a credit note dated
    the 12th was then issued, and gave nothing back (the bounce had already taken the money
    off): on the 12th the invoice showed 121.00 paid and 121.00 credited. Dated on its day the
    note would have given the money back on the 12th, but the bounce of the 15th stands:
    refused, naming the invoice, the 12th and the 0.00 it owed, nothing recorded. Dated the
    15th it is issued, and every day adds up."""
    app = QuoteToCash.open("memory:")
    cust = acme(app)
    invoice = enhancement_invoice(app, cust, march(1))
    payment = app.receive_payment(cust, eur(121), received_on=march(5), reference="p", actor=A)
    app.allocate_payment(payment, allocated_on=march(10), actor=A)
    app.bounce_payment(payment, bounced_on=march(15), reason="R01", actor="bank")
    note = credit_note(app, invoice, march(12))
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        app.issue_invoice(note, issued_on=march(12), actor="bea")
    assert refused.value.aggregate_id == invoice
    assert "0.00 EUR invoice INV-000001 owed then" in str(refused.value)
    assert "taken back off on 2026-03-15" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.issue_invoice(note, issued_on=march(15), actor="bea")
    statements, _, _ = read_models(app)
    for day, paid, credited in ((11, 121, 0), (12, 121, 0), (15, 0, 121), (16, 0, 121)):
        s = statements.statement(cust, march(day))
        [owed] = [i for i in s.invoices if i.kind != "credit_note"]
        assert (owed.paid, owed.credited, owed.outstanding) == (eur(paid), eur(credited), eur(0))
        assert s.credit == eur(0), day


def test_a_credit_note_dated_back_gives_back_the_money_paying_the_invoice_on_its_day() -> None:
    """Paid on the 10th, credited by a note dated the 12th issued on the 20th: the money comes
    back to the customer on the 12th, as if the note had been recorded that day."""
    app = QuoteToCash.open("memory:")
    cust = acme(app)
    invoice = enhancement_invoice(app, cust, march(1))
    payment = app.receive_payment(cust, eur(121), received_on=march(5), reference="p", actor=A)
    app.allocate_payment(payment, allocated_on=march(10), actor=A)
    app.receive_payment(cust, eur(50), received_on=march(18), reference="later", actor=A)
    app.issue_invoice(credit_note(app, invoice, march(12)), issued_on=march(12), actor="bea")
    [given_back] = app.payment(payment).allocations
    assert given_back.reversed_on == march(12)
    statements, _, _ = read_models(app)
    assert statements.statement(cust, march(11)).credit == eur(0)
    assert statements.statement(cust, march(12)).credit == eur(121)


def test_a_credit_note_dated_before_money_that_paid_the_invoice_later_is_refused() -> None:
    """Paid in full on the 20th; a credit note dated the 12th would leave the invoice paid and
    credited from the 20th: refused, naming the 20th and the 0.00 the invoice owed then. Once
    the allocation of the 20th is taken back off (its money is credit), the note is issued."""
    app = QuoteToCash.open("memory:")
    cust = acme(app)
    invoice = enhancement_invoice(app, cust, march(1))
    payment = app.receive_payment(cust, eur(121), received_on=march(5), reference="p", actor=A)
    [allocation] = app.allocate_payment(payment, allocated_on=march(20), actor=A)
    note = credit_note(app, invoice, march(12))
    before = app.recorder.max_notification_id()
    with pytest.raises(OverAllocation) as refused:
        app.issue_invoice(note, issued_on=march(12), actor="bea")
    assert "INV-000001 twice over on 2026-03-20, when it owed 0.00 EUR" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.reverse_allocation(payment, allocation, reason="credited", actor=A, reversed_on=march(20))
    app.issue_invoice(note, issued_on=march(12), actor="bea")
    assert app.customer_credit(cust) == eur(121)


def test_money_a_credit_note_counted_when_it_gave_money_back_is_not_taken_back_before_it() -> None:
    """121.00 (100.00 + 21.00, no tax) paid 61.00 on the 10th and 60.00 on the 11th; a credit
    note for the 21.00 line on the 20th gives back 21.00 of the newest money, the 11th's. The
    10th's allocation reversed as of the 15th was accepted: recorded in date order the note
    would have found 61.00 owed and given nothing back, so the 20th ended with 39.00 paid
    instead of 60.00 and 21.00 of credit that was never given back. Refused, naming the
    reversal's day and the note's, nothing recorded; reversed on the 20th it is taken."""
    app = QuoteToCash.open("memory:")
    cust = acme(app)
    invoice = app.draft_invoice(
        cust, [line("L1", "100"), line("L2", "21")], drafted_on=march(1), actor="billy"
    )
    issue(app, invoice, march(1))
    first = app.receive_payment(cust, eur(61), received_on=march(10), reference="a", actor=A)
    [tenth] = app.allocate_payment(first, allocated_on=march(10), actor=A)
    second = app.receive_payment(cust, eur(60), received_on=march(11), reference="b", actor=A)
    app.allocate_payment(second, allocated_on=march(11), actor=A)
    app.issue_invoice(credit_note(app, invoice, march(20), "L2"), issued_on=march(20), actor="bea")
    assert app.payment(second).unallocated == eur(21)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.reverse_allocation(first, tenth, reason="wrong", actor=A, reversed_on=march(15))
    assert (refused.value.field, refused.value.value) == ("reversed_on", march(15))
    assert "on or after 2026-03-20" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.reverse_allocation(first, tenth, reason="wrong", actor=A, reversed_on=march(20))
    assert app.invoice(invoice).outstanding == eur(61)


# -- the same facts in any order ---------------------------------------------------------------

DAY0 = date(2024, 3, 1)

FACTS = st.lists(
    st.tuples(
        st.integers(0, 9),  # what
        st.integers(0, 5),  # which invoice, payment or allocation
        st.integers(1, 9),  # how much
        st.integers(0, 40),  # which day (from DAY0, or from the day of what it changes)
    ),
    min_size=3,
    max_size=40,
)


class Books:
    """One customer's receivables. Each fact names its invoice, payment or allocation by the
    order the generated history first recorded it, and holds its business day; the facts
    accepted are kept, to record them again elsewhere in date order."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.cust = acme(app)
        self.invoices: dict[int, UUID] = {}
        self.payments: dict[int, UUID] = {}
        self.allocations: dict[int, tuple[int, str]] = {}  # (payment, allocation id)
        self.accepted: list[tuple[date, tuple[Any, ...]]] = []

    def record(self, day: date, fact: tuple[Any, ...]) -> bool:
        """Record one fact; False, nothing kept, when the rules refuse it."""
        app = self.app
        what = fact[0]
        try:
            if what == "invoice":
                n, prices = fact[1], fact[2]
                lines = [line(f"L{k}", p) for k, p in enumerate(prices, 1)]
                invoice = app.draft_invoice(self.cust, lines, drafted_on=day, actor="billy")
                issue(app, invoice, day)
                self.invoices[n] = invoice
            elif what == "payment":
                n, amount = fact[1], fact[2]
                self.payments[n] = app.receive_payment(
                    self.cust, eur(amount), received_on=day, reference=f"P{n}", actor=A
                )
            elif what == "allocation":
                n, pay, inv, amount = fact[1:]
                [made] = app.allocate_payment(
                    self.payments[pay], [(self.invoices[inv], amount)], allocated_on=day, actor=A
                )
                self.allocations[n] = (pay, made)
            elif what == "reversal":
                pay, made = self.allocations[fact[1]]
                app.reverse_allocation(
                    self.payments[pay], made, reason="undo", actor=A, reversed_on=day
                )
            elif what == "bounce":
                app.bounce_payment(self.payments[fact[1]], bounced_on=day, reason="R01", actor=A)
            elif what == "credit note":
                note = credit_note(app, self.invoices[fact[1]], day, fact[2])
                try:
                    app.issue_invoice(note, issued_on=day, actor="bea")
                except Q2CError:
                    app.void_invoice(note, reason="refused", actor="billy", voided_on=day)
                    raise
        except Q2CError:
            return False
        self.accepted.append((day, fact))
        return True

    def record_alone(self, day: date, fact: tuple[Any, ...]) -> bool:
        """Record a fact on the first day from ``day`` that holds no other: a statement tells
        what a day ended with, not the order of one day's facts, so each has a day of its own
        (a day's facts recorded in another order may differ: a credit note gives back the money
        paying the invoice when it is recorded)."""
        taken = {on for on, _ in self.accepted}
        while day in taken:
            day += timedelta(days=1)
        return self.record(day, fact)

    def generate(self, what: int, i: int, amount: int, days: int) -> None:
        """A fact from drawn numbers, dated so that the rules take most of them."""
        app = self.app
        later = timedelta(days=days % 20)
        inv = i % len(self.invoices) if self.invoices else None
        pay = i % len(self.payments) if self.payments else None
        if what == 0 or inv is None:
            prices = (f"{10 * amount}", "33.33")
            self.record_alone(DAY0 + timedelta(days=days), ("invoice", len(self.invoices), prices))
        elif what == 1 or pay is None:
            self.record_alone(
                DAY0 + timedelta(days=days), ("payment", len(self.payments), 35 * amount)
            )
        elif what in (2, 3, 4, 5):  # a part of what is free today, dated any day since
            payment, invoice = app.payment(self.payments[pay]), app.invoice(self.invoices[inv])
            part = round(min(payment.unallocated, invoice.outstanding).amount * amount / 9, 2)
            first = max(payment.received_on, invoice.issued_on or DAY0)
            if part > 0:
                fact = ("allocation", len(self.allocations), pay, inv, eur(part))
                self.record_alone(first + later, fact)
        elif what == 6 and self.allocations:
            n = [*self.allocations][i % len(self.allocations)]
            pay, made = self.allocations[n]
            allocation = app.payment(self.payments[pay]).allocation(made)
            if allocation.is_live:
                self.record_alone(allocation.allocated_on + later, ("reversal", n))
        elif what == 7 and amount > 6:  # now and then the bank returns a payment
            payment = app.payment(self.payments[pay])
            # (after its allocations and their reversals: a bounce dated before a reversal
            # recorded earlier is a payment's matter, not what this test is about)
            moved = [a.reversed_on or a.allocated_on for a in payment.allocations]
            self.record_alone(max([payment.received_on, *moved]) + later, ("bounce", pay))
        elif what >= 8:
            invoice = app.invoice(self.invoices[inv])
            on = (invoice.issued_on or DAY0) + later
            self.record_alone(on, ("credit note", inv, f"L{1 + amount % 2}"))


def statement_of(books: Books, statements: CustomerStatement, day: date) -> tuple[Any, ...]:
    """A day's statement with invoices and payments named by the facts' numbers."""
    s = statements.statement(books.cust, day)
    invoices = {v.hex: k for k, v in books.invoices.items()}
    payments = {v.hex: k for k, v in books.payments.items()}
    return (
        (s.invoiced, s.paid, s.open, s.credit),
        sorted(
            (invoices[i.invoice_id], i.total, i.paid, i.credited, i.outstanding)
            for i in s.invoices
            if i.invoice_id in invoices
        ),
        sorted((payments[p.payment_id], p.allocated, p.unallocated) for p in s.payments),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=FACTS)
def test_every_day_adds_up_and_the_facts_in_date_order_give_the_same_statements(
    facts: list[tuple[int, int, int, int]],
) -> None:
    """Invariant: however invoices, payments received, allocations (dated back or not), their
    reversals, bounces and credit notes (dated back or not) are recorded, on every day every
    invoice's paid + credited is at most its total (it owes nothing below zero), and the
    statement of that day equals the one built from the same facts, those the rules accepted,
    recorded in the order of their days (each on a day of its own): each of them is accepted
    then too."""
    books = Books(QuoteToCash.open("memory:"))
    for fact in facts:
        books.generate(*fact)
    in_order = Books(QuoteToCash.open("memory:"))
    for day, fact in sorted(books.accepted, key=lambda kept: kept[0]):
        assert in_order.record(day, fact), (day, fact)
    statements, again = CustomerStatement(), CustomerStatement()
    catch_up(books.app, [statements])
    catch_up(in_order.app, [again])
    for day in (DAY0 + timedelta(days=d) for d in range(-1, 130)):
        told = statement_of(books, statements, day)
        for _, total, paid, credited, _ in told[1]:
            assert paid + credited <= total, day
        assert told == statement_of(in_order, again, day), day
