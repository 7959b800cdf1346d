"""A request's life read on its business days.

- A cancellation counts from its own day: a fixed price owed on a day before the request was
  cancelled stays owed on that day once the cancellation is recorded (the domain, the
  customer's summary, unbilled revenue and the review meeting, followed and rebuilt, agree).
- A request whose work is all billed before it is completed (progress billing, a fixed price
  billed by a hand-made invoice) is invoiced from its completion: it leaves the review meeting
  once paid, as one billed after its completion does.
- The reasons that explain a request's turns (a PO accepted below the estimate, a decline, a
  cancellation) are visible text: invisible characters alone, or control characters, are
  refused naming the field, nothing recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import rewrite_stored_event

from q2c_core import (
    InvalidValue,
    InvoiceLine,
    LineSource,
    Money,
    PurchaseOrderBelowEstimate,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    SourceKind,
    TaxRate,
    TimeEntry,
)
from q2c_core.projections import ReviewMeeting, UnbilledRevenue, catch_up, rebuild

A = "alice"


def d(day: int) -> date:
    return date(2024, 3, day)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def bob(entry_id: str, day: int, hours: str) -> TimeEntry:
    return TimeEntry(entry_id, "bob", d(day), Decimal(hours), eur(100))


def open_app(tmp_path: Path) -> QuoteToCash:
    return QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.db'}")


def authorized(app: QuoteToCash, *, fixed: int | None = None, hours: int = 10) -> tuple[UUID, UUID]:
    """Acme's export, at a fixed price or by the hour at 100.00, authorized on 4 March."""
    c = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    r = app.open_request(c, "Export", requested_on=d(1), actor="pm")
    if fixed is not None:
        app.estimate_request(r, fixed_price=eur(fixed), actor="pm")
    else:
        app.estimate_request(r, hours=hours, rate=eur(100), actor="pm")
    app.send_quote(r, sent_on=d(2), actor="billy")
    amount = fixed if fixed is not None else hours * 100
    app.receive_purchase_order(
        r, number="PO-1", amount=eur(amount), received_on=d(3), actor="billy"
    )
    app.authorize_work(r, authorized_on=d(4), actor=A)
    return c, r


class Readers:
    """Unbilled revenue and the review meeting, followed as the story goes and checked against
    a rebuild from scratch."""

    def __init__(self, app: QuoteToCash) -> None:
        self.app = app
        self.unbilled = UnbilledRevenue()
        self.review = ReviewMeeting()

    def follow(self) -> None:
        catch_up(self.app, [self.unbilled, self.review], page_size=3)
        again = [UnbilledRevenue(), ReviewMeeting()]
        rebuild(self.app, again)
        assert self.unbilled.rows() == again[0].rows()
        assert self.review.rows() == again[1].rows()

    def unbilled_on(self, request: UUID, on: date) -> Money:
        self.follow()
        items = [i for i in self.unbilled.items(on) if i.request_id == request.hex]
        return sum((i.amount for i in items), eur(0))

    def agenda(self, request: UUID, on: date) -> list[str]:
        """The request's status on the agenda of ``on`` (empty when it is off the agenda)."""
        self.follow()
        return [i.status for i in self.review.items(on) if i.request_id == request.hex]


# -- a cancellation counts from its day --------------------------------------------------------


def test_a_later_cancellation_leaves_a_past_days_fixed_price_owed(tmp_path: Path) -> None:
    app = open_app(tmp_path)
    readers = Readers(app)
    c, r = authorized(app, fixed=1000)
    app.log_work(r, bob("t1", 5, "2"), actor="bob")
    assert app.unbilled_work(r, as_of=d(6)) == eur(1000)
    assert readers.unbilled_on(r, d(6)) == eur(1000)
    assert readers.agenda(r, d(6)) == ["authorized"]

    app.cancel_request(r, reason="customer stopped", cancelled_on=d(20), actor=A)

    # on 6 March the request was authorized and under way: its fixed price was owed
    assert app.unbilled_work(r, as_of=d(6)) == eur(1000)
    assert app.customer_summary(c, as_of=d(6)).unbilled_work == eur(1000)
    assert readers.unbilled_on(r, d(6)) == eur(1000)
    assert [i.kind for i in readers.unbilled.items(d(6)) if i.request_id == r.hex] == [
        "fixed_price"
    ]
    assert readers.agenda(r, d(6)) == ["authorized"]
    assert readers.agenda(r, d(19)) == ["authorized"]
    # from its cancellation day on, the work done is owed at its hours' worth
    for on in (d(20), d(31)):
        assert app.unbilled_work(r, as_of=on) == eur(200)
        assert app.customer_summary(c, as_of=on).unbilled_work == eur(200)
        assert readers.unbilled_on(r, on) == eur(200)
        assert readers.agenda(r, on) == ["cancelled"]
    assert app.unbilled_work(r) == eur(200)
    assert app.customer_summary(c).unbilled_work == eur(200)
    assert not app.request(r).billable_on(d(20))
    assert app.request(r).billable_on(d(19))
    app.close()


def test_hours_beyond_the_price_are_not_capped_before_the_cancellation_day(
    tmp_path: Path,
) -> None:
    """12 hours (1,200.00) on a 1,000.00 fixed price: on a day before the cancellation the
    price is owed, not the price less the hours' worth beyond it."""
    app = open_app(tmp_path)
    readers = Readers(app)
    c, r = authorized(app, fixed=1000)
    app.log_work(r, bob("t1", 5, "8"), actor="bob")
    app.log_work(r, bob("t2", 6, "4"), actor="bob")
    app.cancel_request(r, reason="customer stopped", cancelled_on=d(20), actor=A)
    for on in (d(6), d(19), d(20), d(31)):
        assert app.unbilled_work(r, as_of=on) == eur(1000), on
        assert app.customer_summary(c, as_of=on).unbilled_work == eur(1000), on
        assert readers.unbilled_on(r, on) == eur(1000), on
    kinds = {i.kind for i in readers.unbilled.items(d(19)) if i.request_id == r.hex}
    assert kinds == {"fixed_price"}
    kinds = {i.kind for i in readers.unbilled.items(d(20)) if i.request_id == r.hex}
    assert kinds == {"work"}
    app.close()


def test_a_cancellation_recorded_without_its_day_still_reads_as_before(tmp_path: Path) -> None:
    """A cancellation recorded before cancellations carried their day keeps counting on every
    day, as it did (the request has no day to go back to)."""
    app = open_app(tmp_path)
    c, r = authorized(app, fixed=1000)
    app.log_work(r, bob("t1", 5, "2"), actor="bob")
    app.cancel_request(r, reason="customer stopped", cancelled_on=d(20), actor=A)
    app.close()

    def without_day(facts: dict[str, Any]) -> None:
        facts.pop("cancelled_on", None)

    rewrite_stored_event(tmp_path / "q2c.db", "EnhancementRequest.Cancelled", without_day)
    app = open_app(tmp_path)
    try:
        readers = Readers(app)
        assert app.request(r).status is RequestStatus.CANCELLED
        assert app.unbilled_work(r, as_of=d(6)) == eur(200)
        assert app.customer_summary(c, as_of=d(6)).unbilled_work == eur(200)
        assert readers.unbilled_on(r, d(6)) == eur(200)
        assert readers.agenda(r, d(6)) == ["cancelled"]
    finally:
        app.close()


# -- billed in full before it is completed -----------------------------------------------------


def pay(app: QuoteToCash, customer: UUID, invoice: UUID, on: date) -> None:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="billy")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    app.issue_invoice(invoice, issued_on=on, actor="billy")
    owed = app.invoice(invoice).total
    payment = app.receive_payment(customer, owed, received_on=on, reference="x", actor=A)
    app.allocate_payment(payment, [(invoice, owed)], allocated_on=on, actor=A)


def test_progress_billed_hours_are_invoiced_from_the_completion(tmp_path: Path) -> None:
    app = open_app(tmp_path)
    readers = Readers(app)
    c, r = authorized(app)
    app.log_work(r, bob("t1", 5, "2"), actor="bob")
    invoice = app.draft_request_invoice(r, drafted_on=d(8), actor="billy")
    assert app.request(r).status is RequestStatus.AUTHORIZED
    app.complete_request(r, completed_on=d(9), actor="pm")
    assert app.request(r).status is RequestStatus.INVOICED
    assert app.unbilled_work(r) == eur(0)
    assert readers.agenda(r, d(9)) == ["invoiced"]  # billed, not paid yet
    pay(app, c, invoice, d(12))
    assert app.invoice(invoice).outstanding.is_zero()
    assert readers.agenda(r, d(30)) == []
    app.close()

    # histories recorded before the completion said so replay as they were: completed
    def as_before(facts: dict[str, Any]) -> None:
        facts.pop("all_billed", None)

    rewrite_stored_event(tmp_path / "q2c.db", "EnhancementRequest.Completed", as_before)
    app = open_app(tmp_path)
    try:
        assert app.request(r).status is RequestStatus.COMPLETED
        assert Readers(app).agenda(r, d(30)) == ["completed"]
    finally:
        app.close()


def test_work_left_unbilled_at_the_completion_keeps_it_completed(tmp_path: Path) -> None:
    app = open_app(tmp_path)
    readers = Readers(app)
    c, r = authorized(app)
    app.log_work(r, bob("t1", 5, "2"), actor="bob")
    first = app.draft_request_invoice(r, drafted_on=d(8), actor="billy")
    app.log_work(r, bob("t2", 8, "1"), actor="bob")
    app.complete_request(r, completed_on=d(9), actor="pm")
    assert app.request(r).status is RequestStatus.COMPLETED
    assert app.unbilled_work(r) == eur(100)
    assert readers.agenda(r, d(9)) == ["completed"]
    second = app.draft_request_invoice(r, drafted_on=d(10), actor="billy")
    assert app.request(r).status is RequestStatus.INVOICED
    pay(app, c, first, d(12))
    pay(app, c, second, d(12))
    assert readers.agenda(r, d(30)) == []


def test_a_request_completed_with_nothing_billed_stays_completed(tmp_path: Path) -> None:
    """Nothing billed yet (no work logged): completed, its hours may not be logged yet."""
    app = open_app(tmp_path)
    readers = Readers(app)
    _, r = authorized(app)
    app.complete_request(r, completed_on=d(9), actor="pm")
    assert app.request(r).status is RequestStatus.COMPLETED
    assert readers.agenda(r, d(30)) == ["completed"]


def price_line(request: UUID) -> InvoiceLine:
    return InvoiceLine(
        line_id="L1",
        description="Export (fixed price)",
        quantity=Decimal(1),
        unit_price=eur(1000),
        tax=TaxRate.none(),
        source=LineSource(SourceKind.WORK, request_id=request, fixed_price=True),
        revenue_kind=RevenueKind.ENHANCEMENT,
    )


@pytest.mark.parametrize("billed_first", [True, False], ids=["before", "after"])
def test_a_fixed_price_billed_by_hand_is_invoiced(tmp_path: Path, billed_first: bool) -> None:
    """The price billed by a hand-made invoice before the completion, or after it: the request
    is invoiced (its logged hours are billed with the price), and leaves the agenda once
    paid."""
    app = open_app(tmp_path)
    readers = Readers(app)
    c, r = authorized(app, fixed=1000)
    app.log_work(r, bob("t1", 5, "2"), actor="bob")
    if billed_first:
        invoice = app.draft_invoice(c, [price_line(r)], drafted_on=d(8), actor="billy")
        app.complete_request(r, completed_on=d(9), actor="pm")
    else:
        app.complete_request(r, completed_on=d(9), actor="pm")
        invoice = app.draft_invoice(c, [price_line(r)], drafted_on=d(10), actor="billy")
    assert app.request(r).status is RequestStatus.INVOICED
    assert app.unbilled_work(r) == eur(0)
    pay(app, c, invoice, d(12))
    assert readers.agenda(r, d(30)) == []


def test_a_fixed_price_completed_before_its_price_is_billed_stays_completed(
    tmp_path: Path,
) -> None:
    app = open_app(tmp_path)
    _, r = authorized(app, fixed=1000)
    app.log_work(r, bob("t1", 5, "2"), actor="bob")
    app.complete_request(r, completed_on=d(9), actor="pm")
    assert app.request(r).status is RequestStatus.COMPLETED
    assert app.unbilled_work(r) == eur(1000)


# -- reasons are visible text ------------------------------------------------------------------


def quoted(app: QuoteToCash) -> UUID:
    c = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    r = app.open_request(c, "Export", requested_on=d(1), actor="pm")
    app.estimate_request(r, hours=10, rate=eur(100), actor="pm")
    app.send_quote(r, sent_on=d(2), actor="billy")
    return r


@pytest.mark.parametrize("reason", ["\u200b\u2060", "\u200b ", "budget\x0bcut"])
def test_a_po_below_the_estimate_needs_a_visible_shortfall_reason(
    tmp_path: Path, reason: str
) -> None:
    app = open_app(tmp_path)
    r = quoted(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.receive_purchase_order(
            r,
            number="PO-1",
            amount=eur(500),
            received_on=d(3),
            actor="billy",
            shortfall_reason=reason,
        )
    assert refused.value.field == "po.shortfall_reason"
    assert refused.value.aggregate_id == r
    assert app.recorder.max_notification_id() == before
    assert app.request(r).status is RequestStatus.QUOTED
    with pytest.raises(PurchaseOrderBelowEstimate):
        app.receive_purchase_order(r, number="PO-1", amount=eur(500), received_on=d(3), actor=A)
    app.receive_purchase_order(
        r,
        number="PO-1",
        amount=eur(500),
        received_on=d(3),
        actor="billy",
        shortfall_reason="budget cut \u200bagreed",
    )
    assert app.request(r).status is RequestStatus.PO_RECEIVED


@pytest.mark.parametrize("reason", ["\u200b\u2060", "\ufeff", "too\x07late"])
def test_decline_and_cancel_reasons_are_visible_text(tmp_path: Path, reason: str) -> None:
    app = open_app(tmp_path)
    r = quoted(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.decline_request(r, reason=reason, actor=A)
    assert refused.value.field == "reason" and refused.value.aggregate_id == r
    with pytest.raises(InvalidValue) as refused:
        app.cancel_request(r, reason=reason, cancelled_on=d(5), actor=A)
    assert refused.value.field == "reason" and refused.value.aggregate_id == r
    assert app.recorder.max_notification_id() == before
    assert app.request(r).status is RequestStatus.QUOTED
    app.decline_request(r, reason="chose another vendor", actor=A)
    assert app.request(r).status is RequestStatus.DECLINED
