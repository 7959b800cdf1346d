"""A random walk through quote-to-cash: hypothesis drives QuoteToCash (in memory) with command
sequences and checks every invariant of DESIGN.md after every step. A refused command must raise
a q2c error and leave the notification log as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar
from uuid import UUID

from hypothesis import event as hypothesis_event
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from q2c_core import (
    AllowanceUnit,
    CreditDisposition,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Money,
    Payment,
    Period,
    PrepaidAllowance,
    Q2CError,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TaxCategory,
    TaxRate,
    TimeEntry,
    charge_key,
)
from q2c_core.domain.money import total
from q2c_core.domain.payment import PaymentAllocation

EUR = "EUR"
START = date(2024, 1, 1)
YEAR = Period(START, date(2025, 1, 1))
A = "alice"
# money and credit notes meet an invoice from its issue day on (issued on a random day of the
# year): payments are allocated and bounced on the year's last day, notes dated on the issue day
SETTLED = START + timedelta(days=364)

days = st.integers(min_value=0, max_value=364)
hour_amounts = st.sampled_from(["0.5", "1", "1.25", "2", "3.5", "4", "7.75", "8"])
# odd rates too: a money allowance charges an entry its value rounded to the cent (0.5 hours
# at 33.33 are 16.67), which is not its hours times the rate
rates = st.sampled_from(["80", "99.99", "100", "120.50", "33.33", "0.07"])
money_amounts = st.sampled_from(["10", "99.99", "121", "250.37", "500", "1000", "1234.56"])


def eur(amount: str) -> Money:
    return Money.of(amount, EUR)


class QuoteToCashMachine(RuleBasedStateMachine):
    """Random commands against one customer, with prepaid allowances of hours and of money and
    invoices flowing."""

    requests = Bundle("requests")
    invoices = Bundle("invoices")
    payments = Bundle("payments")

    def __init__(self) -> None:
        super().__init__()
        self.app = QuoteToCash.open("memory:")
        self.entry_seq = 0
        self.refusals = 0

    def teardown(self) -> None:
        self.app.close()

    @initialize()
    def customer_with_allowance(self) -> None:
        self.customer = self.app.register_customer(
            "Acme", EUR, account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
        )
        self.allowance = self.app.grant_allowance(
            self.customer,
            unit=AllowanceUnit.HOURS,
            quantity=6,
            period=YEAR,
            granted_on=START,
            actor=A,
        )
        self.money_allowance = self.app.grant_allowance(
            self.customer,
            unit=AllowanceUnit.MONEY,
            quantity="50",
            period=YEAR,
            granted_on=START,
            actor=A,
        )

    def allowances(self) -> list[PrepaidAllowance]:
        return [self.app.allowance(self.allowance), self.app.allowance(self.money_allowance)]

    # -- helpers --------------------------------------------------------------------------------

    def attempt(self, command: Callable[[], Any]) -> Any:
        """Run a command; a refusal must be a q2c error that records nothing."""
        before = self.app.recorder.max_notification_id()
        try:
            return command()
        except Q2CError:
            assert self.app.recorder.max_notification_id() == before
            self.refusals += 1
            return None

    def next_entry(self) -> str:
        self.entry_seq += 1
        return f"t{self.entry_seq}"

    # -- requests -------------------------------------------------------------------------------

    @rule(target=requests, day=days)
    def open_request(self, day: int) -> UUID:
        return self.app.open_request(
            self.customer, "enhancement", requested_on=START + timedelta(days=day), actor=A
        )

    @rule(request=requests, hours=st.integers(min_value=1, max_value=20), rate=rates)
    def estimate(self, request: UUID, hours: int, rate: str) -> None:
        self.attempt(
            lambda: self.app.estimate_request(request, hours=hours, rate=eur(rate), actor=A)
        )

    @rule(request=requests)
    def send_quote(self, request: UUID) -> None:
        self.attempt(lambda: self.app.send_quote(request, sent_on=START, actor=A))

    @rule(request=requests, below=st.booleans(), reason=st.booleans())
    def receive_po(self, request: UUID, below: bool, reason: bool) -> None:
        r = self.app.request(request)
        estimate = r.estimate.total if r.estimate else eur("100")
        amount = estimate - eur("1") if below and estimate > eur("1") else estimate
        self.attempt(
            lambda: self.app.receive_purchase_order(
                request,
                number="PO",
                amount=amount,
                received_on=START,
                actor=A,
                shortfall_reason="agreed cut" if reason else None,
            )
        )

    @rule(request=requests, money=st.booleans())
    def cover_by_allowance(self, request: UUID, money: bool) -> None:
        allowance = self.money_allowance if money else self.allowance
        self.attempt(lambda: self.app.cover_request_by_allowance(request, allowance, actor=A))

    @rule(request=requests)
    def authorize(self, request: UUID) -> None:
        self.attempt(lambda: self.app.authorize_work(request, authorized_on=START, actor=A))

    @rule(request=requests, day=days, hours=hour_amounts, rate=rates, billable=st.booleans())
    def log_work(self, request: UUID, day: int, hours: str, rate: str, billable: bool) -> None:
        entry = TimeEntry(
            self.next_entry(),
            "bob",
            START + timedelta(days=day),
            Decimal(hours),
            eur(rate),
            billable=billable or day % 3 != 0,
        )
        self.attempt(lambda: self.app.log_work(request, entry, actor="bob"))

    @rule(request=requests, day=days, hours=hour_amounts)
    def import_work(self, request: UUID, day: int, hours: str) -> None:
        entry = TimeEntry(
            self.next_entry(), "eve", START + timedelta(days=day), Decimal(hours), eur("100")
        )
        self.attempt(lambda: self.app.import_work(request, entry, source="psa", actor="import"))

    def done_on(self, request: UUID) -> date:
        """The request's work is done once its last logged day is over (or on START)."""
        return max(START, self.app.request(request).last_worked_on or START)

    @rule(request=requests)
    def complete(self, request: UUID) -> None:
        day = self.done_on(request)
        self.attempt(lambda: self.app.complete_request(request, completed_on=day, actor=A))

    @rule(
        target=requests,
        covered=st.sampled_from(["", "hours", "money"]),
        entries=st.lists(st.tuples(days, hour_amounts), min_size=1, max_size=3),
        complete=st.booleans(),
        rate=rates,
    )
    def worked_request(
        self, covered: str, entries: list[tuple[int, str]], complete: bool, rate: str
    ) -> UUID:
        """A request taken along the happy path with work logged (keeps the walk productive),
        covered by no allowance, the hours one or the money one."""
        app = self.app
        request = app.open_request(self.customer, "worked", requested_on=START, actor=A)
        app.estimate_request(request, hours=5, rate=eur("100"), actor=A)
        if covered:
            allowance = self.money_allowance if covered == "money" else self.allowance
            self.attempt(lambda: app.cover_request_by_allowance(request, allowance, actor=A))
        if app.request(request).status is RequestStatus.ESTIMATED:
            app.send_quote(request, sent_on=START, actor=A)
            app.receive_purchase_order(
                request, number="PO", amount=eur("500"), received_on=START, actor=A
            )
        app.authorize_work(request, authorized_on=START, actor=A)
        for day, hours in entries:
            entry = TimeEntry(
                self.next_entry(), "bob", START + timedelta(days=day), Decimal(hours), eur(rate)
            )
            self.attempt(lambda entry=entry: app.log_work(request, entry, actor="bob"))
        if complete:
            app.complete_request(request, completed_on=self.done_on(request), actor=A)
        return request

    # -- withdrawn work ---------------------------------------------------------------------------

    @rule(request=requests, pick=st.integers(min_value=0, max_value=9), again=st.integers(0, 4))
    def withdraw(self, request: UUID, pick: int, again: int) -> None:
        """Withdraw a logged entry as logged in error (one withdrawn already, one time in five):
        done exactly when it is on the request's work, no invoice bills it (a live line, or
        one credited for good) and no allowance has its overage billed; refused otherwise,
        recording nothing. One withdrawn already for this reason is the withdrawal sent again
        after a lost response: answered, recording nothing. Once withdrawn it is off the
        request's work and off every allowance."""
        r = self.app.request(request)
        gone = [w.entry.entry_id for w in r.withdrawn]
        live = [w.entry.entry_id for w in r.work]
        choices = gone if (again == 0 and gone) or not live else live
        if not choices:
            return
        entry_id = choices[pick % len(choices)]
        key = charge_key(request, entry_id)
        overage_billed = any(a.billed_overage.get(key, 0) > 0 for a in self.allowances())
        expected = (
            entry_id in live
            and entry_id not in r.billed
            and entry_id not in r.written_off
            and not overage_billed
        )
        repeat = entry_id in gone  # (every withdrawal here gives this one reason)
        recorded = self.app.recorder.max_notification_id()
        done = self.attempt(
            lambda: (
                self.app.withdraw_work(request, entry_id, reason="typed 80 for 8", actor=A) or True
            )
        )
        assert bool(done) == (expected or repeat), (entry_id, expected, r.billed, overage_billed)
        if repeat:
            assert self.app.recorder.max_notification_id() == recorded
        event(f"withdraw: {'sent again' if repeat else 'done' if done else 'refused'}")
        if done:
            after = self.app.request(request)
            assert entry_id in {w.entry.entry_id for w in after.withdrawn}
            assert entry_id not in {w.entry.entry_id for w in after.work}
            assert all(key not in {c.key for c in a.charges} for a in self.allowances())

    @rule(request=requests, pick=st.integers(min_value=0, max_value=9), by_hand=st.booleans())
    def withdrawn_entry_again(self, request: UUID, pick: int, by_hand: bool) -> None:
        """A withdrawn entry logged again as it was (skipped, or refused) or billed by a
        hand-made invoice (refused): either way nothing is recorded, it was never work done."""
        withdrawn = self.app.request(request).withdrawn
        if not withdrawn:
            return
        e = withdrawn[pick % len(withdrawn)].entry
        before = self.app.recorder.max_notification_id()
        if not by_hand:
            self.attempt(lambda: self.app.log_work(request, e, actor="bob"))
            assert self.app.recorder.max_notification_id() == before
            return
        invoice = self.draft_entry_by_hand(request, e, f"{e.entry_id} withdrawn")
        assert invoice is None, ("a withdrawn entry billed", e)

    # -- invoices -------------------------------------------------------------------------------

    @rule(target=invoices, request=requests)
    def draft_request_invoice(self, request: UUID) -> Any:
        invoice = self.attempt(
            lambda: self.app.draft_request_invoice(request, drafted_on=START, actor="billy")
        )
        return multiple() if invoice is None else invoice

    @rule(target=invoices, request=requests, day=days)
    def invoice_and_issue(self, request: UUID, day: int) -> Any:
        """Draft on the request's last day (of work, or its completion: an invoice bills what
        was done by its day), approve by both roles and issue in one go, on that day or a
        later one (keeps the walk productive)."""
        r = self.app.request(request)
        on = max(self.done_on(request), r.completed_on or START)
        invoice = self.attempt(
            lambda: self.app.draft_request_invoice(request, drafted_on=on, actor="billy")
        )
        if invoice is None:
            return multiple()
        self.app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
        self.app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
        issued_on = max(on, START + timedelta(days=day))
        self.app.issue_invoice(invoice, issued_on=issued_on, actor="bea")
        return invoice

    @rule(target=invoices, request=requests)
    def draft_by_hand(self, request: UUID) -> Any:
        """A hand-made invoice that bills the request's first unbilled entry by its id."""
        unbilled = self.app.request(request).unbilled_entries()
        if not unbilled:
            return multiple()
        invoice = self.draft_entry_by_hand(request, unbilled[0], "agreed work")
        return multiple() if invoice is None else invoice

    def draft_entry_by_hand(self, request: UUID, e: TimeEntry, description: str) -> Any:
        """A hand-made invoice of one line billing the time entry ``e`` by its id, drafted no
        earlier than the work it bills; None when q2c refuses it (nothing recorded)."""
        line = InvoiceLine(
            "L1",
            description,
            e.hours,
            e.rate,
            TaxRate.standard(21),
            LineSource(
                SourceKind.WORK, request_id=request, time_entry_ids=(e.entry_id,), hours=e.hours
            ),
        )
        on = max(START, e.work_date, self.app.request(request).requested_on)
        return self.attempt(
            lambda: self.app.draft_invoice(self.customer, [line], drafted_on=on, actor="billy")
        )

    @rule(
        target=invoices,
        request=requests,
        pick=st.integers(min_value=0, max_value=9),
        kind=st.sampled_from(
            [SourceKind.WORK, SourceKind.MANUAL, SourceKind.EXPENSE, SourceKind.ALLOWANCE_OVERAGE]
        ),
    )
    def bill_any_entry_by_hand(self, request: UUID, pick: int, kind: SourceKind) -> Any:
        """A hand-made invoice naming any logged entry of the request, whether unbilled, covered
        by an allowance or invoiced, on a line of any kind. A line billing the entry whole is
        drafted only when no allowance was charged with it and no live invoice bills it; an
        overage line (naming the entry's allowance, or the hours one) only when the allowance
        has that much of the entry's overage unbilled. Otherwise the draft is refused and
        records nothing."""
        work = self.app.request(request).work
        if not work:
            return multiple()
        e = work[pick % len(work)].entry
        key = charge_key(request, e.entry_id)
        charged_on = [a for a in self.allowances() if key in {c.key for c in a.charges}]
        if kind is SourceKind.ALLOWANCE_OVERAGE:
            allowance = charged_on[0] if charged_on else self.app.allowance(self.allowance)
            money = allowance.unit is AllowanceUnit.MONEY
            quantity, price = (Decimal(1), e.value) if money else (e.hours, e.rate)
            wanted = e.value.amount if money else e.hours
            expected = bool(charged_on) and wanted <= allowance.unbilled_overage().get(key, 0)
            allowance_id: UUID | None = allowance.id
        else:
            quantity, price = e.hours, e.rate
            expected = not charged_on and e.entry_id not in self.app.request(request).billed
            allowance_id = None
        line = InvoiceLine(
            "L1",
            f"{e.entry_id} by hand",
            quantity,
            price,
            TaxRate.standard(21),
            LineSource(
                kind,
                request_id=request,
                time_entry_ids=(e.entry_id,),
                hours=e.hours,
                allowance_id=allowance_id,
            ),
            RevenueKind.ENHANCEMENT,
        )
        # (drafted no earlier than the work it bills, nor than its request was asked for)
        on = max(START, e.work_date, self.app.request(request).requested_on)
        invoice = self.attempt(
            lambda: self.app.draft_invoice(self.customer, [line], drafted_on=on, actor="billy")
        )
        assert (invoice is not None) == expected, (kind, e, charged_on, invoice)
        return multiple() if invoice is None else invoice

    @rule(invoice=invoices, who=st.sampled_from(["bea", "mia", "billy"]))
    def approve(self, invoice: UUID, who: str) -> None:
        roles = ["billing", "account_manager"]
        for role in roles:
            self.attempt(
                lambda role=role: self.app.approve_invoice(
                    invoice, role=role, approved_on=START, actor=who if role == "billing" else "mia"
                )
            )

    @rule(invoice=invoices, day=days)
    def issue(self, invoice: UUID, day: int) -> None:
        self.attempt(
            lambda: self.app.issue_invoice(
                invoice, issued_on=START + timedelta(days=day), actor="bea"
            )
        )

    @rule(invoice=invoices, day=days)
    def void(self, invoice: UUID, day: int) -> None:
        self.attempt(
            lambda: self.app.void_invoice(
                invoice, reason="mistake", actor="billy", voided_on=START + timedelta(days=day)
            )
        )

    @rule(
        target=invoices,
        invoice=invoices,
        pick=st.integers(min_value=1, max_value=7),
        rebill=st.booleans(),
    )
    def credit(self, invoice: UUID, pick: int, rebill: bool) -> Any:
        lines = [ln.line_id for ln in self.app.invoice(invoice).lines]
        chosen = [ln for n, ln in enumerate(lines) if pick >> (n % 3) & 1] or lines[:1]
        disposition = CreditDisposition.REBILLABLE if rebill else CreditDisposition.WRITTEN_OFF
        on = self.app.invoice(invoice).issued_on or START
        note = self.attempt(
            lambda: self.app.draft_credit_note(
                invoice,
                line_ids=chosen,
                disposition=disposition,
                reason="dispute",
                drafted_on=on,
                actor="billy",
            )
        )
        return multiple() if note is None else note

    @rule(target=invoices, invoice=invoices, rebill=st.booleans(), pay_back=st.booleans())
    def credit_and_issue(self, invoice: UUID, rebill: bool, pay_back: bool) -> Any:
        """Credit the first uncredited line of an issued invoice (not in a note drafted and not
        issued yet: a line is in one live note at a time) and issue the note, after
        un-applying payments when it asks (keeps the walk productive)."""
        original = self.app.invoice(invoice)
        if not original.is_issued or original.kind is InvoiceKind.CREDIT_NOTE:
            return multiple()
        if pay_back:
            for applied in original.payments:
                self.app.reverse_allocation(
                    applied.payment_id, applied.allocation_id, reason="credit", actor=A
                )
        taken = set(original.credited_line_ids())
        for other in self.app.invoices(original.customer_id):
            if other.credits_invoice_id == invoice and other.status in (
                InvoiceStatus.DRAFT,
                InvoiceStatus.APPROVED,
            ):
                taken |= {ln.source.line_id for ln in other.lines if ln.source}
        open_lines = [ln.line_id for ln in original.lines if ln.line_id not in taken]
        if not open_lines:
            return multiple()
        disposition = CreditDisposition.REBILLABLE if rebill else CreditDisposition.WRITTEN_OFF
        on = original.issued_on or START
        note = self.app.draft_credit_note(
            invoice,
            line_ids=open_lines[:1],
            disposition=disposition,
            reason="dispute",
            drafted_on=on,
            actor="billy",
        )
        for role, who in (("billing", "bea"), ("account_manager", "mia")):
            self.app.approve_invoice(note, role=role, approved_on=on, actor=who)
        self.attempt(lambda: self.app.issue_invoice(note, issued_on=on, actor="bea"))
        if len(self.app.invoice(invoice).write_offs) > len(original.write_offs):
            event("credit note: took back a write-off")
        return note

    # -- payments -------------------------------------------------------------------------------

    @rule(target=payments, amount=money_amounts)
    def receive_payment(self, amount: str) -> UUID:
        return self.app.receive_payment(
            self.customer, eur(amount), received_on=START, reference="transfer", actor=A
        )

    @rule(target=payments, amount=money_amounts)
    def receive_and_allocate(self, amount: str) -> UUID:
        """A payment that is allocated oldest-first at once (keeps the walk productive)."""
        payment = self.receive_payment(amount)
        self.app.allocate_payment(payment, allocated_on=SETTLED, actor=A)
        return payment

    @rule(payment=payments)
    def allocate_oldest_first(self, payment: UUID) -> None:
        self.attempt(lambda: self.app.allocate_payment(payment, allocated_on=SETTLED, actor=A))

    @rule(payment=payments, invoice=invoices, amount=money_amounts)
    def allocate_explicitly(self, payment: UUID, invoice: UUID, amount: str) -> None:
        self.attempt(
            lambda: self.app.allocate_payment(
                payment, [(invoice, eur(amount))], allocated_on=SETTLED, actor=A
            )
        )

    @rule(payment=payments, pick=st.integers(min_value=0, max_value=9))
    def reverse(self, payment: UUID, pick: int) -> None:
        allocations = self.app.payment(payment).allocations
        if allocations:
            chosen = allocations[pick % len(allocations)].allocation_id
            self.attempt(
                lambda: self.app.reverse_allocation(payment, chosen, reason="undo", actor=A)
            )

    @rule(payment=payments)
    def bounce(self, payment: UUID) -> None:
        self.attempt(
            lambda: self.app.bounce_payment(payment, bounced_on=SETTLED, reason="returned", actor=A)
        )

    @rule(amount=money_amounts)
    def refund_credit(self, amount: str) -> None:
        """Pay customer credit back, oldest payment first (refused beyond the credit)."""
        self.attempt(
            lambda: self.app.refund_customer_credit(
                self.customer, eur(amount), refunded_on=SETTLED, reference="refund", actor=A
            )
        )

    # -- remainders written off -----------------------------------------------------------------

    @rule(
        target=invoices,
        request=requests,
        entries=st.lists(st.tuples(days, hour_amounts), min_size=1, max_size=3),
        cents=st.sampled_from([1, 2, 5, 99]),
        day=days,
        then=st.sampled_from(["", "", "credit", "credit as re-billable"]),
    )
    def invoiced_paid_short_and_written_off(
        self, request: UUID, entries: list[tuple[int, str]], cents: int, day: int, then: str
    ) -> Any:
        """A request completed, invoiced and issued (``invoice_and_issue``; a new one worked
        when it cannot be), paid a few cents short on the issue day (the bank took its fee off
        the transfer) and the rest written off that day within a tolerance of a euro: the
        credit rules after it take back what of the write-off a note leaves the money paying
        (their notes are dated on the issue day too); half the time one of them credits a line
        of it at once (``then``)."""
        self.complete(request)
        invoice = self.invoice_and_issue(request, day)
        if not isinstance(invoice, UUID):
            fresh = self.worked_request("", entries, True, "99.99")
            invoice = self.invoice_and_issue(fresh, day)
        if not isinstance(invoice, UUID):
            return invoice
        inv = self.app.invoice(invoice)
        short = eur(str(Decimal(cents) / 100))
        if inv.outstanding <= short:
            return invoice
        assert inv.issued_on is not None
        on = inv.issued_on
        amount = inv.outstanding - short
        payment = self.app.receive_payment(
            self.customer, amount, received_on=on, reference="short", actor=A
        )
        self.app.allocate_payment(payment, [(invoice, amount)], allocated_on=on, actor=A)
        written = self.app.write_off_remainder(
            invoice, written_off_on=on, reason="bank fee", actor=A, at_most=eur("1")
        )
        assert written == short and self.app.invoice(invoice).outstanding.is_zero()
        event("paid short, the rest written off")
        if not then:
            return invoice
        note = self.credit_and_issue(invoice, rebill=then != "credit", pay_back=False)
        return multiple(invoice, note) if isinstance(note, UUID) else invoice

    @rule(
        invoice=invoices,
        at_most=st.sampled_from(["0", "0.01", "1", "1000"]),
        back=st.integers(min_value=-1, max_value=3),
    )
    def write_off(self, invoice: UUID, at_most: str, back: int) -> None:
        """Write off what an invoice owes, ``back`` days after the last day money or credit met
        it (a day before, too): done exactly when it is an issued invoice (not a note) owing
        something, no more than ``at_most``, on no day before that one (nor its issue)."""
        inv = self.app.invoice(invoice)
        last = inv.last_money_day() if inv.is_issued else None
        base = max([d for d in (inv.issued_on, last) if d is not None], default=START)
        on = base + timedelta(days=back)
        owed = inv.outstanding
        last_written = inv.write_offs[-1] if inv.write_offs else None
        if (
            last_written is not None
            and not owed.is_positive()
            and last_written.amount.is_positive()
            and (last_written.written_off_on, last_written.reason) == (on, "small remainder")
            and last_written.amount <= eur(at_most)
        ):
            # the same write-off sent again (a retry): answered with its amount, nothing recorded
            before = self.app.recorder.max_notification_id()
            assert (
                self.app.write_off_remainder(
                    invoice,
                    written_off_on=on,
                    reason="small remainder",
                    actor=A,
                    at_most=eur(at_most),
                )
                == last_written.amount
            )
            assert self.app.recorder.max_notification_id() == before
            event("write off: sent again")
            return
        expected = (
            inv.is_issued
            and inv.kind is not InvoiceKind.CREDIT_NOTE
            and back >= 0
            and owed.is_positive()
            and owed <= eur(at_most)
        )
        written = self.attempt(
            lambda: self.app.write_off_remainder(
                invoice, written_off_on=on, reason="small remainder", actor=A, at_most=eur(at_most)
            )
        )
        assert (written is not None) == expected, (inv.number, owed, at_most, back)
        event(f"write off: {'done' if written is not None else 'refused'}")
        if written is not None:
            assert written == owed and self.app.invoice(invoice).outstanding.is_zero()

    # -- allowance ------------------------------------------------------------------------------

    @rule(quantity=st.sampled_from(["1", "2.5", "4"]))
    def top_up(self, quantity: str) -> None:
        self.attempt(
            lambda: self.app.top_up_allowance(
                self.allowance, quantity, topped_up_on=START, reason="bought", actor=A
            )
        )

    @rule(chance=st.integers(min_value=0, max_value=4))
    def expire(self, chance: int) -> None:
        if chance:
            return
        self.attempt(
            lambda: self.app.expire_allowance(self.allowance, expired_on=YEAR.end, actor=A)
        )

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def every_billable_hour_is_in_exactly_one_bucket(self) -> None:
        """Unbilled + covered + invoiced = logged hours for every billable entry, none negative,
        and an entry billed by an invoice points to a live invoice with a line that bills it."""
        customer = self.app.customer(self.customer)
        for request_id in customer.request_ids:
            request = self.app.request(request_id)
            billable = {w.entry.entry_id: w.entry for w in request.work if w.entry.billable}
            buckets = self.app.work_buckets(request_id)
            assert {b.entry_id for b in buckets} == set(billable)
            for b in buckets:
                assert min(b.unbilled, b.covered, b.invoiced) >= 0, b
                assert b.unbilled + b.covered + b.invoiced == b.hours == billable[b.entry_id].hours
            for item_id, invoice_hex in request.billed.items():
                invoice = self.app.invoice(UUID(invoice_hex))
                assert invoice.status is not InvoiceStatus.VOIDED
                billed_here = {
                    e
                    for ln in invoice.lines
                    if ln.source
                    for e in (*ln.source.time_entry_ids, ln.source.expense_id)
                }
                assert item_id in billed_here
            if request.status is RequestStatus.INVOICED:
                assert not [e for e in request.unbilled_entries() if e.entry_id in billable] or (
                    request.allowance_id is not None
                )

    def live_lines_naming(self) -> dict[tuple[UUID, str], list[tuple[Invoice, InvoiceLine]]]:
        """The lines of live invoices (not voided, not credit notes) naming each time entry
        (by request and entry id), but for lines credited as re-billable by an issued note."""
        result: dict[tuple[UUID, str], list[tuple[Invoice, InvoiceLine]]] = {}
        for inv in self.app.invoices(self.customer):
            if inv.status is InvoiceStatus.VOIDED or inv.kind is InvoiceKind.CREDIT_NOTE:
                continue
            rebillable = {
                line_id
                for credit in inv.credits
                if self.app.invoice(credit.credit_note_id).credit_disposition
                is CreditDisposition.REBILLABLE
                for line_id in credit.line_ids
            }
            for ln in inv.lines:
                if ln.source is None or ln.source.request_id is None:
                    continue
                if ln.line_id in rebillable:
                    continue
                for entry_id in ln.source.time_entry_ids:
                    result.setdefault((ln.source.request_id, entry_id), []).append((inv, ln))
        return result

    @invariant()
    def no_logged_hour_is_billed_twice(self) -> None:
        """The invoices say the same: every logged hour is unbilled, covered by an allowance or
        invoiced, once. At most one live line bills a time entry whole, none when an allowance
        was charged with it, and it is the one its request holds the entry billed by; the
        overage lines naming an entry bill exactly the overage its allowance counts as billed
        (hours, or money), no more than its overage, and state no more hours than were
        logged."""
        if not hasattr(self, "customer"):
            return
        naming = self.live_lines_naming()
        charged = {c.key: a for a in self.allowances() for c in a.charges}
        for request_id in self.app.customer(self.customer).request_ids:
            request = self.app.request(request_id)
            for w in request.work:
                e = w.entry
                key = charge_key(request_id, e.entry_id)
                lines = naming.get((request_id, e.entry_id), [])
                is_overage = [
                    ln.source is not None and ln.source.kind is SourceKind.ALLOWANCE_OVERAGE
                    for _, ln in lines
                ]
                whole = [x for x, o in zip(lines, is_overage, strict=True) if not o]
                overage = [ln for (_, ln), o in zip(lines, is_overage, strict=True) if o]
                assert len(whole) <= 1, whole
                if whole:
                    assert request.billed.get(e.entry_id) == whole[0][0].id.hex
                else:
                    assert e.entry_id not in request.billed
                stated = sum((ln.source.hours or 0 for ln in overage if ln.source), Decimal(0))
                assert stated <= e.hours, (e, stated)
                if key not in charged:
                    assert not overage
                    continue
                allowance = charged[key]
                assert not whole, (e, "covered and invoiced")
                money = allowance.unit is AllowanceUnit.MONEY
                billed = sum(
                    (ln.unit_price.amount if money else ln.quantity for ln in overage), Decimal(0)
                )
                assert billed == allowance.billed_overage.get(key, 0)
                assert billed <= allowance.draws()[key].overage

    @invariant()
    def allowance_consumed_within_granted(self) -> None:
        """Consumed <= granted; consumed + overage = charged; billed overage <= overage (on the
        allowance of hours and the one of money)."""
        if not hasattr(self, "allowance"):
            return
        for a in self.allowances():
            assert 0 <= a.consumed <= a.granted
            assert a.consumed + a.overage == a.charged
            draws = a.draws()
            for entry_id, billed in a.billed_overage.items():
                assert 0 < billed <= draws[entry_id].overage

    @invariant()
    def invoices_add_up_and_are_never_overpaid(self) -> None:
        """Total = rounded line nets + tax per category; paid <= total - credits; the numbers of
        each series are gapless and unique."""
        if not hasattr(self, "customer"):
            return
        numbers: dict[str, list[str]] = {}
        for inv in self.app.invoices(self.customer):
            assert inv.total == inv.net + total((s.tax for s in inv.tax_subtotals), EUR)
            assert inv.net == total(
                ((ln.unit_price * ln.quantity).rounded() for ln in inv.lines), EUR
            )
            if inv.is_issued and inv.kind is not InvoiceKind.CREDIT_NOTE:
                assert inv.paid + inv.credited <= inv.total
                assert not inv.outstanding.is_negative()
            if inv.number is not None:
                assert inv.series is not None
                numbers.setdefault(inv.series, []).append(inv.number)
        for series, issued in numbers.items():
            expected = [f"{series}-{n:06d}" for n in range(1, len(issued) + 1)]
            assert sorted(issued) == expected

    @invariant()
    def withdrawn_work_is_counted_nowhere(self) -> None:
        """A withdrawn entry is off the request's work, buckets and logged hours, billed by no
        invoice (no live line names it, the request holds it billed by none) and charged on
        no allowance; it was never work done."""
        if not hasattr(self, "customer"):
            return
        naming = self.live_lines_naming()
        charged = {c.key for a in self.allowances() for c in a.charges}
        for request_id in self.app.customer(self.customer).request_ids:
            request = self.app.request(request_id)
            gone = {w.entry.entry_id for w in request.withdrawn}
            if not gone:
                continue
            assert len(gone) == len(request.withdrawn)
            assert not gone & {w.entry.entry_id for w in request.work}
            assert not gone & {b.entry_id for b in self.app.work_buckets(request_id)}
            assert request.logged_hours == sum((w.entry.hours for w in request.work), Decimal(0))
            for entry_id in gone:
                assert entry_id not in request.billed and entry_id not in request.written_off
                assert (request_id, entry_id) not in naming, naming[(request_id, entry_id)]
                assert charge_key(request_id, entry_id) not in charged

    @invariant()
    def write_offs_give_up_only_what_is_unpaid(self) -> None:
        """Only an issued invoice (not a note) has remainders written off, each on a day from
        its issue on; what is written off is never negative, on no day and after no step, and
        never more than the money applied leaves unpaid of its total less credits (total -
        credited - paid - written off = outstanding >= 0). A write-off is taken back only by
        a credit note, on its day, never before the write-off it takes back."""
        if not hasattr(self, "customer"):
            return
        zero = eur("0")
        for inv in self.app.invoices(self.customer):
            if not inv.write_offs:
                continue
            assert inv.is_issued and inv.kind is not InvoiceKind.CREDIT_NOTE
            assert inv.issued_on is not None
            running, last = zero, inv.issued_on
            for w in inv.write_offs:
                assert not w.amount.is_zero() and w.written_off_on >= last, w
                if w.amount.is_positive():
                    last = w.written_off_on
                else:
                    event("write-off taken back")
                    assert w.written_off_on in {c.credited_on for c in inv.credits}, w
                running += w.amount
                assert not running.is_negative(), (inv.number, inv.write_offs)
                assert not inv.written_off_by(w.written_off_on).is_negative()
            assert running == inv.written_off
            assert inv.written_off <= inv.total - inv.credited - inv.paid
            assert inv.outstanding == inv.total - inv.credited - inv.paid - inv.written_off
            assert not inv.outstanding.is_negative()

    @invariant()
    def payments_and_invoices_agree(self) -> None:
        """A payment's allocations + refunds <= its amount; customer credit = the unallocated
        remainder (negative only by what was refunded of a payment that bounced since: the
        customer owes it); each live allocation is applied on its invoice and nothing else is."""
        if not hasattr(self, "customer"):
            return
        payments = self.app.payments(self.customer)
        live: dict[str, tuple[UUID, Money]] = {}
        for p in payments:
            assert p.allocated + p.refunded <= p.amount
            if p.is_bounced:
                assert p.unallocated == -p.refunded
            else:
                assert p.unallocated == p.amount - p.allocated - p.refunded
                assert not p.unallocated.is_negative()
            for a in p.live_allocations():
                live[a.allocation_id] = (a.invoice_id, a.amount)
        applied = {
            ap.allocation_id: (inv.id, ap.amount)
            for inv in self.app.invoices(self.customer)
            for ap in inv.payments
        }
        assert applied == live
        assert self.app.customer_credit(self.customer) == total(
            (p.unallocated for p in payments), EUR
        )


QuoteToCashMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None
)
TestQuoteToCash = QuoteToCashMachine.TestCase


# -- the money side, walked deep ------------------------------------------------------------------

MINOR = {"EUR": 2, "JPY": 0, "KWD": 3}
MONEY_DAYS = st.integers(min_value=0, max_value=150)
TAX_RATES = [TaxRate.standard(21), TaxRate.standard(9), TaxRate.none(TaxCategory.EXEMPT)]
# what an attempt takes: what is left (the payment's, the invoice's, the least of both, or the
# least of both on its day and every day since), exactly, a minor unit less or one more; or an
# amount of its own, in minor units
BASES = ["payment", "invoice", "both", "since"]
sizes = st.one_of(
    st.tuples(st.sampled_from(BASES), st.sampled_from([-1, 0, 1])),
    st.tuples(st.just("since"), st.sampled_from([0, 0, -1, 1])),
    st.integers(min_value=1, max_value=30_000),
)
# a day: after the invoice's issue, the money's arrival, both, or the latest day anything
# happened (a few days before it too: dated back), or any day
day_choices = st.one_of(
    st.tuples(st.sampled_from(["issued", "received", "both", "latest"]), st.integers(-3, 30)),
    st.tuples(st.just("both"), st.integers(0, 10)),
    MONEY_DAYS,
)


invoice_specs = st.tuples(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=200_000),
            st.sampled_from(["1", "2", "0.5", "3.25"]),
            st.sampled_from(TAX_RATES),
        ),
        min_size=1,
        max_size=3,
    ),
    MONEY_DAYS,
)
payment_units = st.integers(min_value=1, max_value=400_000)


def event(value: str) -> None:
    """Count what a walk reached (``--hypothesis-show-statistics``), also when a story drives
    the machine by hand."""
    if currently_in_test_context():
        hypothesis_event(value)


def in_force(a: PaymentAllocation, day: date) -> bool:
    """An allocation pays its invoice at the end of a day: made by then, not reversed by then."""
    return a.allocated_on <= day and (
        a.is_live or (a.reversed_on is not None and a.reversed_on > day)
    )


class MoneyMachine(RuleBasedStateMachine):
    """Invoices issued on any day, payments received and allocated over several invoices at
    once (explicitly, on any day, dated back too, or oldest first), allocations reversed on a
    day, payments bounced after allocation, credit notes giving money back, credit refunded, in
    euros, yen or dinars. The test keeps what it needs to judge each command from the recorded
    facts (each invoice's total it works out itself; the money paying each invoice and held by
    each payment, day by day), and asserts that q2c refuses a command exactly when the rules
    say so, recording nothing (for allocations, reversals, bounces and refunds; a credit note
    only when dated before its invoice, or back before money moved on it since):

    - an allocation takes no more than its payment holds unallocated on its day and every day
      since, nor than its invoice owes on its day and every day since (total less the credit
      notes and the money paying it then), not before the money arrived or the invoice was
      issued; several in one command are judged in turn, all or none;
    - a reversal only of a live allocation, not before its day, nor before a credit note that
      gave back money this allocation helped pay; a bounce not before any allocation it
      reverses, nor before a reversal of one made earlier, nor before such a credit note;
    - a refund no more than the customer's payments received by its day hold unallocated then
      and every day since, less what is owed back of refunded payments that bounced.

    And after every step: each invoice's total is the test's (nets rounded, tax per category
    rounded once); on every day from its issue no invoice is paid and credited beyond its
    total, and no payment that has not bounced holds less than nothing; a payment's allocated
    amount is the sum of its live allocations, and its unallocated money the rest (less
    refunds); each live allocation is applied to its invoice, and nothing else is."""

    def __init__(self) -> None:
        super().__init__()
        self.app = QuoteToCash.open("memory:")
        self.totals: dict[UUID, Decimal] = {}  # each issued invoice's total, by the test
        self.received: list[UUID] = []  # the payments, as received
        self.read: tuple[int | None, list[Payment], dict[UUID, list[PaymentAllocation]]] | None
        self.read = None
        self.n = 0

    def teardown(self) -> None:
        self.app.close()

    @initialize(
        currency=st.sampled_from(["EUR", "EUR", "JPY", "KWD"]),
        invoices=st.lists(invoice_specs, min_size=1, max_size=3),
        payments=st.lists(st.tuples(payment_units, MONEY_DAYS), min_size=1, max_size=2),
    )
    def a_customer_invoiced_and_paying(
        self,
        currency: str,
        invoices: list[tuple[list[tuple[int, str, TaxRate]], int]],
        payments: list[tuple[int, int]],
    ) -> None:
        """A customer with a few invoices issued and some money received, to start from."""
        self.currency = currency
        self.unit = Decimal(1).scaleb(-MINOR[currency])
        self.customer = self.app.register_customer("Acme", currency, account_manager="mia", actor=A)
        for lines, day in invoices:
            self.issued_invoice(lines, day)
        for units, day in payments:
            self.receive_payment(units, day)

    def pick_invoice(self, k: int) -> Invoice:
        issued = list(self.totals)
        return self.app.invoice(issued[k % len(issued)])

    def pick_payment(self, k: int) -> Payment:
        return self.app.payment(self.received[k % len(self.received)])

    # -- what the facts say ---------------------------------------------------------------------

    def money(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)

    def half_up(self, value: Decimal) -> Decimal:
        return value.quantize(self.unit, rounding=ROUND_HALF_UP)

    def facts(self) -> tuple[list[Payment], dict[UUID, list[PaymentAllocation]]]:
        """The customer's payments and, by invoice, every allocation ever made to it (live or
        reversed), read again whenever something was recorded since."""
        head = self.app.recorder.max_notification_id()
        if self.read is None or self.read[0] != head:
            payments = self.app.payments(self.customer)
            paying: dict[UUID, list[PaymentAllocation]] = {}
            for p in payments:
                for a in p.allocations:
                    paying.setdefault(a.invoice_id, []).append(a)
            self.read = (head, payments, paying)
        return self.read[1], self.read[2]

    def all_payments(self) -> list[Payment]:
        return self.facts()[0]

    def paying(self, invoice_id: UUID) -> list[PaymentAllocation]:
        """Every allocation ever made to an invoice, live or reversed, from the payments."""
        return self.facts()[1].get(invoice_id, [])

    def owed(self, invoice: Invoice, day: date) -> Decimal:
        """What an invoice owed at the end of a day: its total less the credit notes applied by
        then, the money paying it then and the remainders written off by then (less those
        taken back by then)."""
        credited = sum(
            (c.amount.amount for c in invoice.credits if c.credited_on <= day), Decimal(0)
        )
        paid = sum(
            (a.amount.amount for a in self.paying(invoice.id) if in_force(a, day)), Decimal(0)
        )
        written_off = sum(
            (w.amount.amount for w in invoice.write_offs if w.written_off_on <= day), Decimal(0)
        )
        return self.totals[invoice.id] - credited - paid - written_off

    def invoice_days(self, invoice: Invoice) -> set[date]:
        """The days anything changed what an invoice owes."""
        days = {c.credited_on for c in invoice.credits}
        days |= {w.written_off_on for w in invoice.write_offs}
        for a in self.paying(invoice.id):
            days.add(a.allocated_on)
            if a.reversed_on is not None:
                days.add(a.reversed_on)
        return days

    def owed_since(self, invoice: Invoice, day: date) -> Decimal:
        """The least an invoice owed at the end of a day and of every day since."""
        return min(
            self.owed(invoice, t)
            for t in {day} | {t for t in self.invoice_days(invoice) if t > day}
        )

    def held(self, payment: Payment, day: date) -> Decimal:
        """What a payment held unallocated at the end of a day (refunds taken off)."""
        allocated = sum(
            (a.amount.amount for a in payment.allocations if in_force(a, day)), Decimal(0)
        )
        refunded = sum(
            (r.amount.amount for r in payment.refunds if r.refunded_on <= day), Decimal(0)
        )
        return payment.amount.amount - allocated - refunded

    def payment_days(self, payment: Payment) -> set[date]:
        days = {r.refunded_on for r in payment.refunds}
        for a in payment.allocations:
            days.add(a.allocated_on)
            if a.reversed_on is not None:
                days.add(a.reversed_on)
        return days

    def held_since(self, payment: Payment, day: date) -> Decimal:
        """The least a payment held unallocated at the end of a day and of every day since."""
        return min(
            self.held(payment, t)
            for t in {day} | {t for t in self.payment_days(payment) if t > day}
        )

    def latest(self) -> date:
        days = [START]
        for p in self.all_payments():
            days += [p.received_on, *self.payment_days(p)]
        for invoice_id in self.totals:
            inv = self.app.invoice(invoice_id)
            days += [inv.issued_on or START, *(c.credited_on for c in inv.credits)]
            days += [w.written_off_on for w in inv.write_offs]
        return max(days)

    def day_of(
        self, choice: tuple[str, int] | int, invoice: Invoice | None, payment: Payment | None
    ) -> date:
        if isinstance(choice, int):
            return START + timedelta(days=choice)
        anchor, shift = choice
        if anchor == "issued" and invoice is not None and invoice.issued_on is not None:
            base = invoice.issued_on
        elif anchor == "received" and payment is not None:
            base = payment.received_on
        elif anchor == "both" and payment is not None:
            issued = invoice.issued_on if invoice is not None else None
            base = max(payment.received_on, issued or payment.received_on)
        else:
            base = self.latest()
        return base + timedelta(days=shift)

    def size_of(
        self, size: tuple[str, int] | int, payment: Payment, invoice: Invoice, day: date
    ) -> Decimal:
        if isinstance(size, int):
            return size * self.unit
        base, delta = size
        left = {
            "payment": lambda: self.held(payment, date.max),
            "invoice": lambda: self.owed(invoice, date.max),
            "both": lambda: min(self.held(payment, date.max), self.owed(invoice, date.max)),
            "since": lambda: min(self.held_since(payment, day), self.owed_since(invoice, day)),
        }[base]()
        return left + delta * self.unit

    def judged(self, command: Callable[[], Any], allowed: bool | None, what: str) -> bool:
        """Run a command the test judged allowed (True), refused (False) or either (None);
        a refusal is a q2c error that records nothing. Says whether it was done."""
        before = self.app.recorder.max_notification_id()
        try:
            command()
        except Q2CError as e:
            assert self.app.recorder.max_notification_id() == before
            assert allowed is not True, (what, "refused, the rules allow it", e)
            event(f"{what}: refused")
            return False
        assert allowed is not False, (what, "done, the rules refuse it")
        event(f"{what}: done")
        return True

    # -- invoices ---------------------------------------------------------------------------------

    @rule(spec=invoice_specs)
    def issue_an_invoice(self, spec: tuple[list[tuple[int, str, TaxRate]], int]) -> None:
        self.issued_invoice(*spec)

    def issued_invoice(self, lines: list[tuple[int, str, TaxRate]], day: int) -> UUID:
        """An invoice of hand-made lines drafted, approved by both roles and issued on a day,
        in one go; its total worked out by the test (each line's net rounded, each category's
        tax on the sum of its nets, rounded once)."""
        on = START + timedelta(days=day)
        built = [
            InvoiceLine(
                f"L{n}",
                "support",
                Decimal(quantity),
                self.money(units * self.unit),
                rate,
                LineSource(SourceKind.MANUAL, note="agreed"),
            )
            for n, (units, quantity, rate) in enumerate(lines, start=1)
        ]
        invoice = self.app.draft_invoice(self.customer, built, drafted_on=on, actor="billy")
        self.app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
        self.app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
        self.app.issue_invoice(invoice, issued_on=on, actor="bea")
        nets: dict[TaxRate, Decimal] = {}
        for units, quantity, rate in lines:
            nets[rate] = nets.get(rate, Decimal(0)) + self.half_up(
                units * self.unit * Decimal(quantity)
            )
        self.totals[invoice] = sum(
            (base + self.half_up(base * rate.rate / 100) for rate, base in nets.items()), Decimal(0)
        )
        return invoice

    @rule(
        pick=st.integers(0, 99),
        lines=st.integers(min_value=1, max_value=7),
        shift=st.integers(-2, 60),
        after_all=st.booleans(),
    )
    def credit_note(self, pick: int, lines: int, shift: int, after_all: bool) -> None:
        """A credit note for some uncredited lines, drafted and issued ``shift`` days after the
        invoice, or after everything recorded (``after_all``; giving back the money paying
        what it credits): refused when dated before the invoice, and may be only when dated
        back before money moved on the invoice since (money it would give back on its day was
        not there)."""
        original = self.pick_invoice(pick)
        invoice = original.id
        taken = set(original.credited_line_ids())
        open_lines = [ln.line_id for ln in original.lines if ln.line_id not in taken]
        chosen = [line for n, line in enumerate(open_lines) if lines >> n & 1]
        if not chosen:
            return
        assert original.issued_on is not None
        on = original.issued_on + timedelta(days=shift)
        if after_all:
            shift = abs(shift)
            on = max(original.issued_on, self.latest()) + timedelta(days=shift)
        dated_back = any(t > on for t in self.invoice_days(original)) or any(
            t > on for p in self.all_payments() for t in self.payment_days(p)
        )

        def issue_note() -> None:
            note = self.app.draft_credit_note(
                invoice,
                line_ids=chosen,
                disposition=CreditDisposition.WRITTEN_OFF,
                reason="dispute",
                drafted_on=on,
                actor="billy",
            )
            try:
                for role, who in (("billing", "bea"), ("account_manager", "mia")):
                    self.app.approve_invoice(note, role=role, approved_on=on, actor=who)
                self.app.issue_invoice(note, issued_on=on, actor="bea")
            except Q2CError:
                self.app.void_invoice(note, reason="refused", actor="billy", voided_on=on)
                raise

        before = self.app.recorder.max_notification_id()
        try:
            issue_note()
        except Q2CError as e:
            assert shift < 0 or dated_back, ("credit note refused", e)
            event("credit note: refused")
            return
        assert shift >= 0, "a credit note dated before its invoice"
        assert self.app.recorder.max_notification_id() != before
        event("credit note: issued")
        if len(self.app.invoice(invoice).write_offs) > len(original.write_offs):
            event("credit note: took back a write-off")

    @rule(
        pick=st.integers(0, 99),
        at_most=st.sampled_from([-1, 0, 0, 1, 100]),
        shift=st.sampled_from([-1, 0, 0, 3]),
        smallest=st.booleans(),
    )
    def write_off(self, pick: int, at_most: int, shift: int, smallest: bool) -> None:
        """Write off what an invoice owes now (the one owing least but something, at times),
        ``shift`` days after the last day money or credit met it (or its issue), within a
        tolerance of what it owes and ``at_most`` minor units: done exactly when it owes
        something, within the tolerance, on no day before that one."""
        invoices = [self.app.invoice(i) for i in self.totals]
        owing = [i for i in invoices if self.owed(i, date.max) > 0]
        if smallest and owing:
            invoice = min(owing, key=lambda i: self.owed(i, date.max))
        else:
            invoice = invoices[pick % len(invoices)]
        assert invoice.issued_on is not None
        owes = self.owed(invoice, date.max)
        on = max({invoice.issued_on} | self.invoice_days(invoice)) + timedelta(days=shift)
        tolerance = max(owes, Decimal(0)) + at_most * self.unit
        if tolerance < 0:
            return
        last = invoice.write_offs[-1] if invoice.write_offs else None
        if (
            last is not None
            and not invoice.outstanding.is_positive()
            and last.amount.is_positive()
            and (last.written_off_on, last.reason) == (on, "bank fee")
            and last.amount.amount <= tolerance
        ):
            # the same write-off sent again (a retry): answered with its amount, nothing recorded
            before = self.app.recorder.max_notification_id()
            assert (
                self.app.write_off_remainder(
                    invoice.id,
                    written_off_on=on,
                    reason="bank fee",
                    actor=A,
                    at_most=self.money(tolerance),
                )
                == last.amount
            )
            assert self.app.recorder.max_notification_id() == before
            event("write off: sent again")
            return
        self.judged(
            lambda: self.app.write_off_remainder(
                invoice.id,
                written_off_on=on,
                reason="bank fee",
                actor=A,
                at_most=self.money(tolerance),
            ),
            owes > 0 and at_most >= 0 and shift >= 0,
            "write off",
        )

    # -- money ------------------------------------------------------------------------------------

    @rule(units=payment_units, day=MONEY_DAYS)
    def receive_payment(self, units: int, day: int) -> None:
        self.n += 1
        self.received.append(
            self.app.receive_payment(
                self.customer,
                self.money(units * self.unit),
                received_on=START + timedelta(days=day),
                reference=f"transfer {self.n}",
                actor=A,
            )
        )

    @rule(
        pay=st.integers(0, 99),
        plan=st.lists(st.tuples(st.integers(0, 99), sizes), min_size=1, max_size=3),
        day=day_choices,
    )
    def allocate(
        self,
        pay: int,
        plan: list[tuple[int, tuple[str, int] | int]],
        day: tuple[str, int] | int,
    ) -> None:
        """Allocate a payment over one to three invoices in one command, on a day (the same
        invoice twice, too): judged in turn, all or none."""
        p = self.pick_payment(pay)
        payment = p.id
        first = self.pick_invoice(plan[0][0])
        on = self.day_of(day, first, p)
        allocations: list[tuple[UUID, Money]] = []
        allowed = not p.is_bounced and on >= p.received_on
        taken = Decimal(0)  # by the plan so far, from the payment, and from each invoice
        from_invoice: dict[UUID, Decimal] = {}
        for k, size in plan:
            invoice = self.pick_invoice(k)
            invoice_id = invoice.id
            amount = self.size_of(size, p, invoice, on)
            if amount <= 0:
                return
            allocations.append((invoice_id, self.money(amount)))
            assert invoice.issued_on is not None
            fits = (
                on >= invoice.issued_on
                and amount <= self.held_since(p, on) - taken
                and amount
                <= self.owed_since(invoice, on) - from_invoice.get(invoice_id, Decimal(0))
            )
            allowed = allowed and fits
            taken += amount
            from_invoice[invoice_id] = from_invoice.get(invoice_id, Decimal(0)) + amount
        event(f"allocate over {len({i for i, _ in allocations})} invoice(s)")
        self.judged(
            lambda: self.app.allocate_payment(payment, allocations, allocated_on=on, actor=A),
            allowed,
            "allocate",
        )

    @rule(pay=st.integers(0, 99), day=day_choices, chance=st.integers(0, 2))
    def allocate_oldest_first(self, pay: int, day: tuple[str, int] | int, chance: int) -> None:
        """Oldest due first (one time in three): refused for a bounced payment, taken
        otherwise (on or after the money arrived)."""
        if chance:
            return
        p = self.pick_payment(pay)
        payment = p.id
        on = self.day_of(day, None, p)
        allowed = None if on < p.received_on else not p.is_bounced
        self.judged(
            lambda: self.app.allocate_payment(payment, allocated_on=on, actor=A),
            allowed,
            "allocate oldest first",
        )

    @rule(
        pay=st.integers(0, 99),
        picks=st.lists(st.integers(0, 99), min_size=1, max_size=3, unique=True),
        less=st.sampled_from([0, 0, 1]),
        shift=st.integers(0, 20),
    )
    def allocate_what_is_owed(self, pay: int, picks: list[int], less: int, shift: int) -> None:
        """Allocate a payment over up to three invoices it can pay, ``shift`` days after the
        money and the last of them arrived: each takes what it owes then and every day since
        (a minor unit less, at times), as far as the payment goes."""
        p = self.pick_payment(pay)
        payment = p.id
        issued = list(self.totals)
        if p.is_bounced:
            return
        chosen = [self.app.invoice(issued[k % len(issued)]) for k in dict.fromkeys(picks)]
        chosen = list({i.id: i for i in chosen}.values())
        on = max([p.received_on, *(i.issued_on or START for i in chosen)]) + timedelta(days=shift)
        left = self.held_since(p, on)
        plan = []
        for invoice in chosen:
            amount = min(left, self.owed_since(invoice, on) - less * self.unit)
            if amount <= 0:
                continue
            plan.append((invoice.id, self.money(amount)))
            left -= amount
        if not plan:
            return
        event(f"allocate what is owed over {len(plan)} invoice(s)")
        self.judged(
            lambda: self.app.allocate_payment(payment, plan, allocated_on=on, actor=A),
            True,
            "allocate what is owed",
        )

    edge_args: ClassVar[dict[str, st.SearchStrategy[int]]] = {
        "shift": st.integers(0, 5),
        "over": st.sampled_from([1, 1, 0]),
    }

    @rule(**edge_args)
    def allocate_all_a_payment_holds(self, shift: int, over: int) -> None:
        """All a payment holds (or a minor unit more) to the invoice owing most, after
        everything recorded: only the payment's rule can refuse it."""
        self.allocate_at_the_edge("payment", shift, over)

    @rule(**edge_args)
    def allocate_all_an_invoice_owes(self, shift: int, over: int) -> None:
        """All an invoice owes (or a minor unit more) from the payment holding most, after
        everything recorded: only the invoice's rule can refuse it."""
        self.allocate_at_the_edge("invoice", shift, over)

    @rule(**edge_args)
    def allocate_dated_back_all_an_invoice_owed(self, shift: int, over: int) -> None:
        """Dated back before money that paid an invoice for a while was taken back off, what
        it owed on its least day since (or a minor unit more: though no more than it owes now,
        it would have paid it twice over on that day)."""
        self.allocate_at_the_edge("since", shift, over)

    def windows(self, invoices: list[Invoice]) -> list[tuple[date, Invoice]]:
        """(day, invoice): days an invoice owed less than it owes now, on that day or later
        (money paid it for a while, and was taken back off)."""
        return [
            (day, invoice)
            for invoice in invoices
            for day in sorted(self.invoice_days(invoice))
            if self.owed_since(invoice, day) < self.owed(invoice, date.max)
        ]

    def pay_for_a_while(self, payments: list[Payment], invoices: list[Invoice], shift: int) -> None:
        """Money paying the invoice owing most for a few days, then taken back off."""
        invoice = max(invoices, key=lambda i: self.owed(i, date.max))
        payment = max(payments, key=lambda p: self.held(p, date.max))
        assert invoice.issued_on is not None
        on = max(invoice.issued_on, payment.received_on) + timedelta(days=1 + shift)
        amount = min(self.held_since(payment, on), self.owed_since(invoice, on))
        if amount <= 0:
            return
        plan = [(invoice.id, self.money(amount))]
        if not self.judged(
            lambda: self.app.allocate_payment(payment.id, plan, allocated_on=on, actor=A),
            True,
            "allocate for a while",
        ):
            return
        made = self.app.payment(payment.id).allocations[-1]  # (the one just made)
        back = on + timedelta(days=1 + shift)
        self.judged(
            lambda: self.app.reverse_allocation(
                payment.id, made.allocation_id, reason="undo", actor=A, reversed_on=back
            ),
            not self.given_back_after(made, back),
            "reverse",
        )

    def allocate_at_the_edge(self, edge: str, shift: int, over: int) -> None:
        """Allocate exactly what is left, or one minor unit more, where only one rule can
        refuse it (``edge``: the payment's, the invoice's, the invoice's on its day and
        every day since)."""
        payments = [p for p in self.all_payments() if not p.is_bounced]
        invoices = [self.app.invoice(i) for i in self.totals]
        if not payments:
            return
        if edge == "since":
            windows = self.windows(invoices)
            if not windows:
                self.pay_for_a_while(payments, invoices, shift)
                invoices = [self.app.invoice(i) for i in self.totals]
                payments = [p for p in self.all_payments() if not p.is_bounced]
                windows = self.windows(invoices)
            if not windows:
                return
            day, invoice = windows[shift % len(windows)]
            assert invoice.issued_on is not None
            on = max(invoice.issued_on, day - timedelta(days=shift))
            payment = max(
                (p for p in payments if p.received_on <= on),
                key=lambda p: self.held_since(p, on),
                default=None,
            )
            if payment is None:
                return
            amount = self.owed_since(invoice, on) + over * self.unit
            within = amount <= self.owed(invoice, date.max)
            event(f"allocate at the edge (since): within what it owes now {within}")
        else:
            on = self.latest() + timedelta(days=shift)
            payment = max(payments, key=lambda p: self.held(p, on))
            most = self.held(payment, on)
            if edge == "payment":  # to the invoice owing most
                invoice = max(invoices, key=lambda i: self.owed(i, on))
                amount = most + over * self.unit
            else:  # the invoice owing most of those the payment could pay in full
                fits = [i for i in invoices if 0 < self.owed(i, on) < most] or invoices
                invoice = max(fits, key=lambda i: self.owed(i, on))
                amount = self.owed(invoice, on) + over * self.unit
        if amount <= 0:
            return
        assert invoice.issued_on is not None
        allowed = (
            on >= max(invoice.issued_on, payment.received_on)
            and amount <= self.held_since(payment, on)
            and amount <= self.owed_since(invoice, on)
        )
        plan = [(invoice.id, self.money(amount))]
        self.judged(
            lambda: self.app.allocate_payment(payment.id, plan, allocated_on=on, actor=A),
            allowed,
            f"allocate at the edge ({edge}, {over} over)",
        )

    def given_back_after(self, a: PaymentAllocation, day: date) -> bool:
        """A credit note dated after ``day`` gave back money paying the allocation's invoice on
        its day, this allocation among it: the allocation cannot be taken back off on ``day``."""
        invoice = self.app.invoice(a.invoice_id)
        return any(
            c.given_back is not None
            and c.given_back.is_positive()
            and day < c.credited_on
            and a.allocated_on <= c.credited_on
            for c in invoice.credits
        )

    @rule(pay=st.integers(0, 99), pick=st.integers(0, 99), shift=st.integers(-2, 30))
    def reverse(self, pay: int, pick: int, shift: int) -> None:
        """Reverse an allocation ``shift`` days after it was made: a live one (three times in
        four), or any."""
        allocated = [p for p in self.all_payments() if p.live_allocations()]
        p = allocated[pay % len(allocated)] if allocated and pick % 4 else self.pick_payment(pay)
        payment = p.id
        choices = p.live_allocations() if pick % 4 else p.allocations
        if not choices:
            return
        a = choices[pick % len(choices)]
        on = a.allocated_on + timedelta(days=shift)
        if not a.is_live and a.reversed_reason == "undo" and a.reversed_on == on:
            # the same reversal sent again (a retry): answered, nothing recorded
            before = self.app.recorder.max_notification_id()
            assert (
                self.app.reverse_allocation(
                    payment, a.allocation_id, reason="undo", actor=A, reversed_on=on
                )
                is False
            )
            assert self.app.recorder.max_notification_id() == before
            event("reverse: sent again")
            return
        allowed = a.is_live and shift >= 0 and not self.given_back_after(a, on)
        self.judged(
            lambda: self.app.reverse_allocation(
                payment, a.allocation_id, reason="undo", actor=A, reversed_on=on
            ),
            allowed,
            "reverse",
        )

    @rule(
        pay=st.integers(0, 99),
        day=st.one_of(st.integers(-1, 10), day_choices),
        chance=st.integers(0, 3),
    )
    def bounce(self, pay: int, day: tuple[str, int] | int, chance: int) -> None:
        """The bank returns a payment: one allocated already (three times in four), or any; on
        a day after its last allocation (or the day before), or any day."""
        allocated = [p for p in self.all_payments() if p.live_allocations()]
        p = allocated[pay % len(allocated)] if allocated and chance else self.pick_payment(pay)
        payment = p.id
        live = p.live_allocations()
        if isinstance(day, int) and day <= 10 and live:  # after its last allocation, or before
            on = max(a.allocated_on for a in live) + timedelta(days=day)
        else:
            on = self.day_of(day, None, p)
        allowed = (
            not p.is_bounced
            and on >= p.received_on
            and all(on >= a.allocated_on and not self.given_back_after(a, on) for a in live)
            and not any(
                a.reversed_on is not None and max(on, a.allocated_on) < a.reversed_on
                for a in p.allocations
                if not a.is_live
            )
        )
        if p.is_bounced and p.bounced_on == on and p.bounce_reason == "returned":
            # the same bounce sent again (a retry): answered, nothing recorded
            before = self.app.recorder.max_notification_id()
            assert (
                self.app.bounce_payment(payment, bounced_on=on, reason="returned", actor=A) is False
            )
            assert self.app.recorder.max_notification_id() == before
            event("bounce: sent again")
            return
        event(f"bounce with {min(len(live), 2)} live allocation(s)")
        self.judged(
            lambda: self.app.bounce_payment(payment, bounced_on=on, reason="returned", actor=A),
            allowed,
            "bounce",
        )

    @rule(
        units=st.integers(min_value=1, max_value=200_000),
        how=st.sampled_from(["all", "more", "amount"]),
        day=MONEY_DAYS,
    )
    def refund(self, units: int, how: str, day: int) -> None:
        """Refund customer credit on a day: all of what can be refunded then, a minor unit
        more, or an amount."""
        on = START + timedelta(days=day)
        payments = self.all_payments()
        available = sum(
            (
                max(self.held_since(p, on), Decimal(0))
                for p in payments
                if p.received_on <= on and not p.is_bounced
            ),
            Decimal(0),
        ) - sum((p.refunded.amount for p in payments if p.is_bounced), Decimal(0))
        amount = {"all": available, "more": available + self.unit, "amount": units * self.unit}[how]
        if amount <= 0 or (how != "amount" and available <= 0):
            return
        self.n += 1
        self.judged(
            lambda: self.app.refund_customer_credit(
                self.customer, self.money(amount), refunded_on=on, reference=f"R{self.n}", actor=A
            ),
            amount <= available,
            "refund",
        )

    # -- after every step -------------------------------------------------------------------------

    @invariant()
    def the_books_add_up_on_every_day(self) -> None:
        if not hasattr(self, "customer"):
            return
        payments = self.all_payments()
        live: dict[str, tuple[UUID, Money]] = {}
        for p in payments:
            assert p.allocated.amount == sum(
                (a.amount.amount for a in p.live_allocations()), Decimal(0)
            )
            if p.is_bounced:
                assert p.unallocated == -p.refunded and not p.live_allocations()
            else:
                assert p.unallocated == p.amount - p.allocated - p.refunded
                for t in {p.received_on} | self.payment_days(p):
                    assert self.held(p, t) >= 0, (p.id, t)
            for a in p.live_allocations():
                live[a.allocation_id] = (a.invoice_id, a.amount)
        applied = {}
        for invoice_id, expected in self.totals.items():
            inv = self.app.invoice(invoice_id)
            assert inv.total.amount == expected
            assert inv.outstanding == inv.total - inv.credited - inv.paid - inv.written_off
            assert not inv.written_off.is_negative()
            assert inv.written_off <= inv.total - inv.credited - inv.paid
            assert inv.issued_on is not None
            for t in {inv.issued_on} | self.invoice_days(inv):
                assert self.owed(inv, t) >= 0, (inv.number, t, self.owed(inv, t))
            assert inv.outstanding.amount == self.owed(inv, date.max)
            applied.update({ap.allocation_id: (inv.id, ap.amount) for ap in inv.payments})
        assert applied == live
        assert self.app.customer_credit(self.customer) == total(
            (p.unallocated for p in payments), self.currency
        )


MoneyMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestMoney = MoneyMachine.TestCase
