"""A tool that sends a command again after a lost response, walked at random: the business
history of ``test_stateful.QuoteToCashMachine`` (requests quoted, covered, authorized, worked,
completed; invoices drafted, approved, issued, voided, credited; payments received, allocated,
reversed, bounced, refunded, written off), with requests opened, money received and request
invoices drafted under a caller's key, allocations under a reference, requests declined and
cancelled, expiries and keyed top-ups, between them. Every command that promises to be safe to
send again (see the README: "sent again after a lost response") is sent again, at once, with the
very same arguments, as a tool does that lost the first answer; then by nobody, and with each
detail otherwise in turn; and now and then one sent earlier is sent again late.

Invariants, for every command just executed:

- the same command sent again records nothing (the notification log's last id is unchanged)
  and answers what the first call answered (the same id, number, amount or ids; a sign-off, a
  void, a bounce, a reversal and an expiry answer False, saying that they recorded nothing);
- it changes no figure: the customer's summary (today and as of a day), its credit, its open
  invoices and what they owe, each request's unbilled work and work buckets, the invoices'
  statuses and numbers, what each allowance has left;
- the same command sent by nobody (a blank actor) is refused naming ``actor``, recording
  nothing, as the first call would have been (a sign-off as another person's);
- a genuinely different command (another day, reason, PO, key's details, another person's
  sign-off) is never swallowed as a repeat: it is refused recording nothing, or it records;
- sent again late, a command records nothing: it answers as the first call did, or is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import multiple, rule
from test_retry_keys_stateful import keys
from test_stateful import SETTLED, START, A, QuoteToCashMachine, days, eur, event, money_amounts

from q2c_core import CreditDisposition, InvoiceKind, Money, PurchaseOrder, Q2CError, QuoteToCash
from q2c_core.domain.errors import ApprovalRefused, InvalidTransition, InvalidValue

# the commands that promise a repeat records nothing and answers as the first call did (those
# under a caller's key or reference only with one)
SAFE = {
    "approve_invoice",
    "issue_invoice",
    "void_invoice",
    "send_quote",
    "receive_purchase_order",
    "authorize_work",
    "complete_request",
    "decline_request",
    "cancel_request",
    "cover_request_by_allowance",
    "withdraw_work",
    "draft_credit_note",
    "bounce_payment",
    "reverse_allocation",
    "write_off_remainder",
    "refund_customer_credit",
    "expire_allowance",
}
KEYED = {
    "open_request": "key",
    "receive_payment": "key",
    "draft_invoice": "key",
    "draft_deposit_invoice": "key",
    "draft_request_invoice": "key",
    "grant_allowance": "key",
    "top_up_allowance": "key",
    "allocate_payment": "reference",
}
# sent again late, these may rightly record (see ``sent_again_later``)
LATE_MAY_RECORD = {"write_off_remainder", "draft_credit_note"}
# who is nobody: no text, spaces, an invisible character
NOBODY = ["", "  ", "\u200b"]
# those answering whether they recorded: True the first time, False sent again
ANSWER_RECORDED = {
    "approve_invoice",
    "void_invoice",
    "bounce_payment",
    "reverse_allocation",
    "expire_allowance",
}


@dataclass
class Sent:
    """A command as it was sent and what it answered."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    returned: Any

    def again(self) -> Any:
        """What the same command sent again must answer."""
        return False if self.method in ANSWER_RECORDED else self.returned


class Resending:
    """The application as a retrying tool sees it: each command that records is remembered
    (``last``, None after one that may not be sent again), and each safe one is sent again at
    once (``check``), the first answer having been lost."""

    def __init__(self, app: QuoteToCash, check: Callable[[Sent], None]) -> None:
        self.app = app
        self.check = check
        self.last: Sent | None = None
        self.sent: list[Sent] = []

    def log(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.app, name)
        if not callable(target) or name.startswith("_"):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            before = self.log()
            returned = target(*args, **kwargs)
            if self.log() == before:
                return returned  # (a query, or a command that recorded nothing)
            keyed = KEYED.get(name)
            if name in SAFE or (keyed is not None and kwargs.get(keyed) is not None):
                self.last = Sent(name, args, dict(kwargs), returned)
                self.sent.append(self.last)
                self.check(self.last)
            else:
                self.last = None
            return returned

        return call


def one_day_later(day: date | None) -> date:
    return (day or START) + timedelta(days=1)


# one detail otherwise, by command: (what differs, the keyword arguments so changed)
def otherwise(app: QuoteToCash, sent: Sent) -> list[tuple[str, dict[str, Any]]]:
    kw = sent.kwargs
    changes: list[tuple[str, dict[str, Any]]] = []
    for day in (
        "approved_on",
        "issued_on",
        "voided_on",
        "sent_on",
        "received_on",
        "authorized_on",
        "completed_on",
        "cancelled_on",
        "drafted_on",
        "requested_on",
        "allocated_on",
        "bounced_on",
        "written_off_on",
        "refunded_on",
        "topped_up_on",
        "granted_on",
        "expired_on",
    ):
        if isinstance(kw.get(day), date):
            changes.append((day, {**kw, day: kw[day] + timedelta(days=1)}))
    if isinstance(kw.get("reversed_on"), date):
        changes.append(("reversed_on", {**kw, "reversed_on": kw["reversed_on"] + timedelta(1)}))
    if "reason" in kw:
        changes.append(("reason", {**kw, "reason": f"{kw['reason']} (another)"}))
    if sent.method == "approve_invoice":
        changes.append(("actor", {**kw, "actor": "zoe"}))
    if sent.method == "receive_purchase_order":
        changes.append(("number", {**kw, "number": f"{kw['number']}-2"}))
        changes.append(("amount", {**kw, "amount": kw["amount"] + eur("1")}))
    if sent.method == "draft_credit_note":
        other = (
            CreditDisposition.REBILLABLE
            if kw["disposition"] is not CreditDisposition.REBILLABLE
            else CreditDisposition.WRITTEN_OFF
        )
        changes.append(("disposition", {**kw, "disposition": other}))
    if sent.method == "issue_invoice":
        # (a credit note is numbered in CN, an invoice in INV, unless a series is given)
        note = app.invoice(sent.args[0]).kind is InvoiceKind.CREDIT_NOTE
        changes.append(("series", {**kw, "series": "INV" if note else "CN"}))
    if sent.method in ("allocate_payment", "receive_payment", "refund_customer_credit"):
        pairs = sent.args[1] if len(sent.args) > 1 else None
        if isinstance(pairs, Money):
            changes.append(("amount", {**kw, "__args__": (sent.args[0], pairs + eur("1"))}))
    if sent.method == "cover_request_by_allowance":
        request, allowance = sent.args
        customer = app.customer(app.request(request).customer_id)
        for other in customer.allowance_ids:
            if other != allowance:
                changes.append(("allowance_id", {**kw, "__args__": (request, other)}))
    if sent.method == "open_request":
        changes.append(("title", {**kw, "__args__": (sent.args[0], f"{sent.args[1]} (another)")}))
    return changes


class SentAgainMachine(QuoteToCashMachine):
    """QuoteToCashMachine's walk, through a tool that sends every safe command again."""

    def __init__(self) -> None:
        super().__init__()
        self.raw = self.app
        self.resending = Resending(self.raw, self.sent_again)
        self.app = self.resending  # type: ignore[assignment]
        self.key_seq = 0
        self.nobody = 0

    # -- what a repeat must leave as it was -----------------------------------------------------

    def figures(self) -> Any:
        """Every report number a repeat could change."""
        app = self.raw
        customer = app.customer(self.customer)
        requests = customer.request_ids
        return (
            app.customer_summary(self.customer),
            app.customer_summary(self.customer, as_of=SETTLED),
            app.customer_summary(self.customer, as_of=START + timedelta(days=120)),
            app.customer_credit(self.customer),
            [(i.id, i.outstanding) for i in app.open_invoices(self.customer)],
            [
                (i.id, i.status, i.number, i.total, i.outstanding)
                for i in app.invoices(self.customer)
            ],
            [(p.id, p.unallocated, p.is_bounced) for p in app.payments(self.customer)],
            [
                (
                    r,
                    app.request(r).status,
                    app.unbilled_work(r),
                    app.unbilled_work(r, as_of=SETTLED),
                    app.work_buckets(r),
                )
                for r in requests
            ],
            [
                (a, app.allowance(a).remaining, app.allowance(a).unbilled_overage())
                for a in customer.allowance_ids
            ],
        )

    def call(self, sent: Sent, **kwargs: Any) -> Any:
        args = kwargs.pop("__args__", sent.args)
        return getattr(self.raw, sent.method)(*args, **kwargs)

    def sent_again(self, sent: Sent) -> None:
        """The command just executed, sent again with identical arguments: nothing recorded,
        the same answer, every figure as it was."""
        before = self.resending.log()
        figures = self.figures()
        try:
            answer = self.call(sent, **sent.kwargs)
        except Q2CError as refused:
            raise AssertionError(f"{sent.method} sent again was refused: {refused!r}") from None
        assert self.resending.log() == before, f"{sent.method} sent again recorded"
        assert answer == sent.again(), (sent.method, answer, sent.returned)
        assert self.figures() == figures, f"{sent.method} sent again changed a figure"
        event(f"sent again: {sent.method}")
        self.sent_by_nobody(sent)
        self.sent_otherwise(sent)

    def sent_by_nobody(self, sent: Sent) -> None:
        """The command just executed, sent again naming nobody: refused naming ``actor``, as
        the first call would have been (a sign-off: as another person's for a role signed
        already, or for an invoice approved), recording nothing."""
        self.nobody = (self.nobody + 1) % len(NOBODY)
        before = self.resending.log()
        try:
            answer = self.call(sent, **{**sent.kwargs, "actor": NOBODY[self.nobody]})
        except InvalidValue as refused:
            assert refused.field == "actor", (sent.method, refused)
        except (ApprovalRefused, InvalidTransition):
            # (nobody is not the person who signed: another for a role signed already, or on
            # an invoice all roles approved)
            assert sent.method == "approve_invoice"
        else:
            raise AssertionError(f"{sent.method} sent again by nobody answered {answer!r}")
        assert self.resending.log() == before
        event(f"by nobody refused: {sent.method}")

    def sent_otherwise(self, sent: Sent) -> None:
        """The command just executed, one detail otherwise: never answered as the repeat (it
        is refused, recording nothing, or it records; then the walk goes on from there)."""
        for what, kwargs in otherwise(self.raw, sent):
            before = self.resending.log()
            try:
                answer = self.call(sent, **kwargs)
            except Q2CError:
                assert self.resending.log() == before
                event(f"otherwise refused: {sent.method} {what}")
            else:
                assert self.resending.log() > before, (
                    f"{sent.method} with another {what} was swallowed as a repeat",
                    answer,
                )
                event(f"otherwise recorded: {sent.method} {what}")
                return

    @rule(data=st.data())
    def sent_again_later(self, data: st.DataObject) -> None:
        """A command sent earlier, sent again now (the tool's retry came late, other commands
        between): it records nothing, and answers as the first call did or is refused (a
        sign-off on an invoice issued since, a cover of a request cancelled since). A write-off
        is left out: money taken back off since reopens the invoice, and the same call writes
        off again (README); so is a credit note, drafted again when the first was voided."""
        late = [s for s in self.resending.sent if s.method not in LATE_MAY_RECORD]
        if not late:
            return
        sent = data.draw(st.sampled_from(late))
        before = self.resending.log()
        try:
            answer = self.call(sent, **sent.kwargs)
        except Q2CError:
            assert self.resending.log() == before
            event(f"late repeat refused: {sent.method}")
            return
        assert self.resending.log() == before, f"{sent.method} sent again later recorded"
        assert answer == sent.again(), (sent.method, answer, sent.returned)
        event(f"late repeat answered: {sent.method}")

    # -- commands under a caller's key, declines and cancellations ------------------------------

    def next_key(self) -> str:
        self.key_seq += 1
        return f"TCK-{self.key_seq}"

    @rule(target=QuoteToCashMachine.requests, day=days)
    def open_keyed_request(self, day: int) -> UUID:
        return self.app.open_request(
            self.customer,
            "export",
            requested_on=START + timedelta(days=day),
            actor=A,
            key=self.next_key(),
        )

    @rule(target=QuoteToCashMachine.payments, amount=money_amounts, key=keys)
    def receive_keyed(self, amount: str, key: str) -> Any:
        payment = self.attempt(
            lambda: self.app.receive_payment(
                self.customer,
                eur(amount),
                received_on=START,
                reference="TR-88",
                actor="bea",
                key=f"{key}-{self.next_key()}",
            )
        )
        return multiple() if payment is None else payment

    @rule(target=QuoteToCashMachine.invoices, request=QuoteToCashMachine.requests)
    def draft_keyed_request_invoice(self, request: UUID) -> Any:
        r = self.raw.request(request)
        on = max(self.done_on(request), r.completed_on or START, r.cancelled_on or START)
        invoice = self.attempt(
            lambda: self.app.draft_request_invoice(
                request, drafted_on=on, actor="billy", key=self.next_key()
            )
        )
        return multiple() if invoice is None else invoice

    @rule(payment=QuoteToCashMachine.payments, oldest=st.booleans())
    def allocate_with_reference(self, payment: UUID, oldest: bool) -> None:
        open_ = self.raw.open_invoices(self.customer)
        available = self.raw.payment(payment).unallocated
        if oldest or not open_ or not available.is_positive():
            pairs = None
        else:
            pairs = [(open_[0].id, min(available, open_[0].outstanding))]
        self.attempt(
            lambda: self.app.allocate_payment(
                payment, pairs, allocated_on=SETTLED, actor=A, reference=self.next_key()
            )
        )

    @rule(target=QuoteToCashMachine.requests, hours=st.integers(min_value=1, max_value=20))
    def quoted_request(self, hours: int) -> UUID:
        """A request estimated and quoted on the first day, under a caller's key."""
        request = self.app.open_request(
            self.customer, "quoted", requested_on=START, actor=A, key=self.next_key()
        )
        self.app.estimate_request(request, hours=hours, rate=eur("100"), actor=A)
        self.app.send_quote(request, sent_on=START, actor=A)
        return request

    @rule(quantity=st.sampled_from(["1", "2.5"]), day=days)
    def top_up_keyed(self, quantity: str, day: int) -> None:
        self.attempt(
            lambda: self.app.top_up_allowance(
                self.allowance,
                quantity,
                topped_up_on=START + timedelta(days=day),
                reason="PO-9 bought",
                actor=A,
                key=self.next_key(),
            )
        )

    @rule(request=QuoteToCashMachine.requests, reason=st.sampled_from(["too dear", "later"]))
    def decline(self, request: UUID, reason: str) -> None:
        self.attempt(lambda: self.app.decline_request(request, reason=reason, actor=A))

    @rule(request=QuoteToCashMachine.requests, reason=st.sampled_from(["no budget", "moved"]))
    def cancel(self, request: UUID, reason: str) -> None:
        on = max(self.done_on(request), self.raw.request(request).requested_on)
        self.attempt(
            lambda: self.app.cancel_request(request, reason=reason, cancelled_on=on, actor=A)
        )

    @rule(request=QuoteToCashMachine.requests, below=st.booleans())
    def po_with_due_day(self, request: UUID, below: bool) -> None:
        """A PO (below the estimate with a reason), then the work authorized with a due day."""
        r = self.raw.request(request)
        estimate = r.estimate.total if r.estimate else eur("100")
        amount = estimate - eur("1") if below and estimate > eur("1") else estimate
        po = PurchaseOrder("PO-7", amount, START, "agreed cut" if below else None)
        self.attempt(
            lambda: self.app.receive_purchase_order(
                request,
                number=po.number,
                amount=po.amount,
                received_on=po.received_on,
                actor=A,
                shortfall_reason=po.shortfall_reason,
            )
        )
        self.attempt(
            lambda: self.app.authorize_work(
                request, authorized_on=START, actor=A, due_on=START + timedelta(days=30)
            )
        )


SentAgainMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSentAgain = SentAgainMachine.TestCase
