"""A random walk through quote-to-cash: hypothesis drives QuoteToCash (in memory) with command
sequences and checks every invariant of DESIGN.md after every step. A refused command must raise
a q2c error and leave the notification log as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
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
    Period,
    PrepaidAllowance,
    Q2CError,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
    charge_key,
)
from q2c_core.domain.money import total

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

    # -- invoices -------------------------------------------------------------------------------

    @rule(target=invoices, request=requests)
    def draft_request_invoice(self, request: UUID) -> Any:
        invoice = self.attempt(
            lambda: self.app.draft_request_invoice(request, drafted_on=START, actor="billy")
        )
        return multiple() if invoice is None else invoice

    @rule(target=invoices, request=requests, day=days)
    def invoice_and_issue(self, request: UUID, day: int) -> Any:
        """Draft, approve by both roles and issue in one go (keeps the walk productive)."""
        invoice = self.attempt(
            lambda: self.app.draft_request_invoice(request, drafted_on=START, actor="billy")
        )
        if invoice is None:
            return multiple()
        self.app.approve_invoice(invoice, role="billing", approved_on=START, actor="bea")
        self.app.approve_invoice(invoice, role="account_manager", approved_on=START, actor="mia")
        self.app.issue_invoice(invoice, issued_on=START + timedelta(days=day), actor="bea")
        return invoice

    @rule(target=invoices, request=requests)
    def draft_by_hand(self, request: UUID) -> Any:
        """A hand-made invoice that bills the request's first unbilled entry by its id."""
        unbilled = self.app.request(request).unbilled_entries()
        if not unbilled:
            return multiple()
        e = unbilled[0]
        line = InvoiceLine(
            "L1",
            "agreed work",
            e.hours,
            e.rate,
            TaxRate.standard(21),
            LineSource(
                SourceKind.WORK, request_id=request, time_entry_ids=(e.entry_id,), hours=e.hours
            ),
        )
        invoice = self.attempt(
            lambda: self.app.draft_invoice(self.customer, [line], drafted_on=START, actor="billy")
        )
        return multiple() if invoice is None else invoice

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
        invoice = self.attempt(
            lambda: self.app.draft_invoice(self.customer, [line], drafted_on=START, actor="billy")
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

    @rule(invoice=invoices)
    def void(self, invoice: UUID) -> None:
        self.attempt(lambda: self.app.void_invoice(invoice, reason="mistake", actor="billy"))

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
