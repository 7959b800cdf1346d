"""The story of an enhancement request: from the client's ask, through the PO gate, to invoiced."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    EnhancementRequest,
    Expense,
    InvalidTransition,
    Money,
    PurchaseOrderBelowEstimate,
    QuoteToCash,
    RequestStatus,
    RuleViolated,
    TimeEntry,
    WorkNotAuthorized,
)

A = "alice"


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def entry(entry_id: str, day: int, hours: str, rate: str = "100") -> TimeEntry:
    return TimeEntry(entry_id, "bob", date(2024, 3, day), Decimal(hours), eur(rate))


def quoted_request(app: QuoteToCash, hours: int = 10, name: str = "Acme") -> tuple[UUID, UUID]:
    customer = app.register_customer(name, "EUR", account_manager="mia", actor=A)
    request = app.open_request(
        customer, "Export to CSV", requested_on=date(2024, 3, 1), actor="pm-paul"
    )
    app.estimate_request(request, hours=hours, rate=eur(100), actor="pm-paul")
    app.send_quote(request, sent_on=date(2024, 3, 2), actor="billy")
    return customer, request


def test_request_estimate_quote_po_authorize_log_complete_invoice(app: QuoteToCash) -> None:
    customer, request = quoted_request(app)
    r = app.request(request)
    assert r.status is RequestStatus.QUOTED
    assert r.account_manager == "mia"  # from the customer
    assert r.estimate is not None and r.estimate.total == eur("1000.00")
    assert app.customer(customer).request_ids == [request]

    app.receive_purchase_order(
        request, number="PO-77", amount=eur(1000), received_on=date(2024, 3, 3), actor="billy"
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A, due_on=date(2024, 3, 31))
    app.log_work(request, entry("t1", 5, "4"), actor="bob")
    app.log_work(request, entry("t2", 6, "5.5"), actor="bob")
    app.log_expense(
        request,
        Expense("x1", "train ticket", eur("45.20"), date(2024, 3, 6)),
        actor="bob",
    )
    app.complete_request(request, completed_on=date(2024, 3, 7), actor="pm-paul")
    r = app.request(request)
    assert r.status is RequestStatus.COMPLETED
    assert r.logged_hours == Decimal("9.5")
    assert r.purchase_order is not None and r.purchase_order.number == "PO-77"
    assert app.unbilled_work(request) == eur("995.20")

    invoice_id = app.draft_request_invoice(request, drafted_on=date(2024, 3, 8), actor="billy")
    invoice = app.invoice(invoice_id)
    assert invoice.purchase_order_number == "PO-77"
    assert [ln.source.time_entry_ids for ln in invoice.lines if ln.source] == [
        ("t1",),
        ("t2",),
        (),
    ]
    assert invoice.lines[2].source is not None and invoice.lines[2].source.expense_id == "x1"
    assert invoice.net == eur("995.20")
    r = app.request(request)
    assert r.status is RequestStatus.INVOICED
    assert app.unbilled_work(request) == eur(0)
    assert set(r.billed) == {"t1", "t2", "x1"}


def test_every_event_records_its_actor_and_business_date(app: QuoteToCash) -> None:
    _, request = quoted_request(app)
    events = list(app.repository.event_store.get(request))
    assert [type(e).__name__ for e in events] == ["Requested", "Estimated", "QuoteSent"]
    assert [e.actor for e in events] == ["pm-paul", "pm-paul", "billy"]  # type: ignore[attr-defined]
    assert events[0].requested_on == date(2024, 3, 1)  # type: ignore[attr-defined]
    assert events[2].sent_on == date(2024, 3, 2)  # type: ignore[attr-defined]


def test_po_below_estimate_needs_a_shortfall_reason(app: QuoteToCash) -> None:
    _, request = quoted_request(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(PurchaseOrderBelowEstimate) as refused:
        app.receive_purchase_order(
            request, number="PO-1", amount=eur(800), received_on=date(2024, 3, 3), actor="billy"
        )
    assert refused.value.aggregate_id == request and refused.value.field == "po.amount"
    assert app.recorder.max_notification_id() == before
    app.receive_purchase_order(
        request,
        number="PO-1",
        amount=eur(800),
        received_on=date(2024, 3, 3),
        actor="billy",
        shortfall_reason="customer caps the budget; scope cut agreed",
    )
    r = app.request(request)
    assert r.status is RequestStatus.PO_RECEIVED
    assert r.purchase_order is not None
    assert r.purchase_order.shortfall_reason == "customer caps the budget; scope cut agreed"


def test_work_is_not_authorized_without_a_po(app: QuoteToCash) -> None:
    _, request = quoted_request(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(WorkNotAuthorized):
        app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    with pytest.raises(WorkNotAuthorized) as refused:
        app.log_work(request, entry("t1", 5, "2"), actor="bob")
    assert refused.value.aggregate_id == request
    assert app.recorder.max_notification_id() == before


def test_a_request_s_days_follow_the_business_order(app: QuoteToCash) -> None:
    """Accepted before, from the reviewer's walk: a PO received on the 1st for a quote sent on
    the 2nd, work due the day before it was authorized, and a request completed on the 5th
    with work logged for the 6th. Each is refused naming both days, and nothing is recorded."""
    _, request = quoted_request(app)  # requested on the 1st, quote sent on the 2nd
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.receive_purchase_order(
            request, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 1), actor=A
        )
    assert refused.value.field == "purchase_order.received_on"
    assert "2024-03-01 is before the quote was sent (2024-03-02)" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 2), actor=A
    )

    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.authorize_work(
            request, authorized_on=date(2024, 3, 4), due_on=date(2024, 3, 3), actor=A
        )
    assert refused.value.field == "due_on" and refused.value.aggregate_id == request
    assert "2024-03-03 is before the work was authorized (2024-03-04)" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.authorize_work(request, authorized_on=date(2024, 3, 4), due_on=date(2024, 3, 4), actor=A)

    app.log_work(request, entry("t1", 4, "2"), actor="bob")
    app.log_work(request, entry("t2", 6, "2"), actor="bob")
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated) as refused:
        app.complete_request(request, completed_on=date(2024, 3, 5), actor=A)
    assert refused.value.field == "completed_on"
    assert "2024-03-05 is before the last day of work logged (2024-03-06)" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    app.complete_request(request, completed_on=date(2024, 3, 6), actor=A)
    assert app.request(request).status is RequestStatus.COMPLETED


def test_a_request_recorded_before_the_business_order_rules_still_reads_back(
    app: QuoteToCash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rules check new events only: a history that broke them reads back as recorded."""
    with monkeypatch.context() as before_the_rules:
        before_the_rules.setattr(EnhancementRequest, "DAY_ORDER", {})
        _, request = quoted_request(app)
        app.receive_purchase_order(
            request, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 1), actor=A
        )
        app.authorize_work(
            request, authorized_on=date(2024, 3, 4), due_on=date(2024, 3, 3), actor=A
        )
        app.log_work(request, entry("t1", 6, "2"), actor="bob")
        app.complete_request(request, completed_on=date(2024, 3, 5), actor=A)
    r = app.request(request)
    assert r.status is RequestStatus.COMPLETED
    assert (r.due_on, r.completed_on) == (date(2024, 3, 3), date(2024, 3, 5))


def test_imported_work_on_an_unauthorized_request_is_flagged_never_dropped(
    app: QuoteToCash,
) -> None:
    _, request = quoted_request(app)
    assert app.import_work(request, entry("ext-1", 5, "3"), source="psa.csv", actor="import")
    # importing the same entry again records nothing twice
    before = app.recorder.max_notification_id()
    assert not app.import_work(request, entry("ext-1", 5, "3"), source="psa.csv", actor="import")
    assert app.recorder.max_notification_id() == before
    r = app.request(request)
    (logged,) = r.work
    assert logged.authorized is False and logged.source == "psa.csv"
    assert r.status is RequestStatus.QUOTED
    # it shows as unbilled work: leakage risk, visible
    assert app.unbilled_work(request) == eur(300)


def test_imported_work_on_an_authorized_request_is_logged_normally(app: QuoteToCash) -> None:
    _, request = quoted_request(app)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor="billy"
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    assert app.import_work(request, entry("ext-1", 5, "3"), source="psa.csv", actor="import")
    (logged,) = app.request(request).work
    assert logged.authorized is True


def test_declined_and_cancelled_requests_take_no_more_work(app: QuoteToCash) -> None:
    _, declined = quoted_request(app)
    app.decline_request(declined, reason="too expensive", actor="billy")
    assert app.request(declined).status is RequestStatus.DECLINED
    assert app.request(declined).closed_reason == "too expensive"
    with pytest.raises(InvalidTransition):
        app.send_quote(declined, sent_on=date(2024, 3, 5), actor="billy")

    _, cancelled = quoted_request(app, name="Beta")
    app.receive_purchase_order(
        cancelled, number="PO-9", amount=eur(1000), received_on=date(2024, 3, 3), actor="billy"
    )
    app.authorize_work(cancelled, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(cancelled, entry("t1", 5, "1"), actor="bob")
    app.cancel_request(
        cancelled, reason="customer changed plans", cancelled_on=date(2024, 3, 6), actor="pm-paul"
    )
    r = app.request(cancelled)
    assert r.status is RequestStatus.CANCELLED
    assert len(r.work) == 1  # logged work stays recorded
    with pytest.raises(WorkNotAuthorized):
        app.log_work(cancelled, entry("t2", 6, "1"), actor="bob")


def test_estimate_can_be_revised_before_the_quote_and_fixed_price_is_billed_once(
    app: QuoteToCash,
) -> None:
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    request = app.open_request(customer, "Logo", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, hours=3, rate=eur(100), actor=A)
    app.estimate_request(request, fixed_price=eur("450"), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 2), actor=A)
    with pytest.raises(InvalidTransition):
        app.estimate_request(request, hours=1, rate=eur(1), actor=A)
    app.receive_purchase_order(
        request, number="PO-2", amount=eur(450), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(request, entry("t1", 5, "2"), actor="bob")
    app.log_work(request, entry("t2", 6, "4"), actor="bob")
    app.complete_request(request, completed_on=date(2024, 3, 7), actor=A)
    assert app.unbilled_work(request) == eur(450)
    invoice = app.invoice(app.draft_request_invoice(request, drafted_on=date(2024, 3, 8), actor=A))
    (line,) = invoice.lines
    assert line.net == eur("450.00")
    assert line.source is not None and line.source.time_entry_ids == ("t1", "t2")
    assert app.request(request).status is RequestStatus.INVOICED


def test_work_imported_after_the_invoice_reopens_the_request_for_billing(
    app: QuoteToCash,
) -> None:
    _, request = quoted_request(app)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(1000), received_on=date(2024, 3, 3), actor="billy"
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(request, entry("t1", 5, "2"), actor="bob")
    app.complete_request(request, completed_on=date(2024, 3, 7), actor=A)
    app.draft_request_invoice(request, drafted_on=date(2024, 3, 8), actor="billy")
    assert app.request(request).status is RequestStatus.INVOICED
    # a late timesheet from the PSA: recorded, flagged, and visible as unbilled, not hidden
    assert app.import_work(request, entry("late", 6, "1"), source="psa.csv", actor="import")
    r = app.request(request)
    assert r.status is RequestStatus.COMPLETED
    assert app.unbilled_work(request) == eur(100)
    late = app.invoice(app.draft_request_invoice(request, drafted_on=date(2024, 3, 9), actor="b"))
    assert [ln.source.time_entry_ids for ln in late.lines if ln.source] == [("late",)]
    assert app.request(request).status is RequestStatus.INVOICED


def test_a_fixed_price_is_billed_once_even_when_late_hours_arrive(app: QuoteToCash) -> None:
    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    request = app.open_request(customer, "Logo", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, fixed_price=eur(500), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        request, number="PO-3", amount=eur(500), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    app.log_work(request, entry("t1", 5, "3"), actor="bob")
    app.complete_request(request, completed_on=date(2024, 3, 7), actor=A)
    app.draft_request_invoice(request, drafted_on=date(2024, 3, 8), actor="billy")
    assert app.import_work(request, entry("late", 6, "1"), source="psa.csv", actor="import")
    r = app.request(request)
    assert r.status is RequestStatus.INVOICED and r.fixed_price_billed
    assert app.unbilled_work(request) == eur(0)  # the fixed price is not owed twice
    late = {b.entry_id: b for b in app.work_buckets(request)}["late"]
    assert late.unbilled == 1  # but the late hours stay visible for follow-up
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition):
        app.draft_request_invoice(request, drafted_on=date(2024, 3, 9), actor="billy")
    assert app.recorder.max_notification_id() == before


def test_a_fixed_price_with_no_time_logged_is_still_billed_once(app: QuoteToCash) -> None:
    """A packaged job nobody booked hours on must not fall out of billing."""
    from q2c_core import CreditDisposition

    customer = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    request = app.open_request(customer, "Setup", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(request, fixed_price=eur(800), actor=A)
    app.send_quote(request, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        request, number="PO-9", amount=eur(800), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(request, authorized_on=date(2024, 3, 4), actor=A)
    assert app.unbilled_work(request) == eur(0)  # not started: nothing is owed yet
    app.complete_request(request, completed_on=date(2024, 3, 7), actor=A)
    assert app.unbilled_work(request) == eur(800)  # done: the price is owed

    first = app.draft_request_invoice(request, drafted_on=date(2024, 3, 8), actor="billy")
    [line] = app.invoice(first).lines
    assert line.net == eur(800) and line.source is not None and line.source.fixed_price
    assert app.request(request).status is RequestStatus.INVOICED
    assert app.unbilled_work(request) == eur(0)

    app.void_invoice(
        first, reason="wrong PO on it", actor="billy", voided_on=date(2024, 3, 8)
    )  # the price is owed again
    assert app.request(request).status is RequestStatus.COMPLETED
    assert app.unbilled_work(request) == eur(800)
    again = app.draft_request_invoice(request, drafted_on=date(2024, 3, 9), actor="billy")
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(again, role=role, approved_on=date(2024, 3, 9), actor=who)
    app.issue_invoice(again, issued_on=date(2024, 3, 9), actor="bea")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition):  # billed once: nothing left to draft
        app.draft_request_invoice(request, drafted_on=date(2024, 3, 10), actor="billy")
    assert app.recorder.max_notification_id() == before

    note = app.draft_credit_note(
        again,
        line_ids=["L1"],
        disposition=CreditDisposition.REBILLABLE,
        reason="price agreed twice",
        drafted_on=date(2024, 3, 11),
        actor="billy",
    )
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(note, role=role, approved_on=date(2024, 3, 11), actor=who)
    app.issue_invoice(note, issued_on=date(2024, 3, 11), actor="bea")
    assert app.unbilled_work(request) == eur(800)  # credited as re-billable: owed again
