"""What draft_request_invoice drafts for a request is approved as drafted, and bills what the
request owes: hours logged at no charge are invoiced at no charge, with the reason approval
asks for (they were drafted without one, an invoice that could never be approved); the
authorized work of a cancelled request is invoiced (it was refused, while unbilled_work listed
it as owed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceUnit,
    Expense,
    InvoiceLine,
    InvoiceStatus,
    LineSource,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    RevenueKind,
    RuleViolated,
    SourceKind,
    TaxRate,
    TimeEntry,
)
from q2c_core.projections import RevenueSchedule, catch_up

A = "alice"


def day(n: int) -> date:
    return date(2024, 3, n)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def customer(app: QuoteToCash) -> UUID:
    return app.register_customer(
        "Acme", "EUR", account_manager="mia", actor=A, tax_rate=TaxRate.standard(21)
    )


def ordered_request(app: QuoteToCash, acme: UUID) -> UUID:
    """A request for 10 hours at 100.00, authorized under a purchase order of 1,000.00."""
    request = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    app.send_quote(request, sent_on=day(2), actor=A)
    app.receive_purchase_order(
        request, number="PO-1", amount=eur(1000), received_on=day(3), actor=A
    )
    app.authorize_work(request, authorized_on=day(4), actor=A)
    return request


def work(entry_id: str, on: int, hours: str, rate: str, note: str = "") -> TimeEntry:
    return TimeEntry(entry_id, "bob", day(on), Decimal(hours), eur(rate), note=note)


def approve_and_issue(app: QuoteToCash, invoice: UUID, on: date) -> str:
    app.approve_invoice(invoice, role="billing", approved_on=on, actor="bea")
    app.approve_invoice(invoice, role="account_manager", approved_on=on, actor="mia")
    return app.issue_invoice(invoice, issued_on=on, actor="bea")


def test_hours_logged_at_no_charge_are_invoiced_at_no_charge_and_approved(
    app: QuoteToCash,
) -> None:
    """Bob logs 4 hours at 100.00 and, as goodwill, 1 hour at a zero rate, then 1 more at a
    zero rate with no note. The request's invoice bills the 4 hours and lists both free hours
    at no charge, each saying why; it is approved and issued, and the request is invoiced with
    nothing left to bill."""
    acme = customer(app)
    request = ordered_request(app, acme)
    app.log_work(request, work("t1", 5, "4", "100"), actor="bob")
    app.log_work(request, work("t2", 6, "1", "0", note="goodwill"), actor="bob")
    app.log_work(request, work("t3", 6, "1", "0"), actor="bob")
    app.complete_request(request, completed_on=day(7), actor=A)

    invoice = app.draft_request_invoice(request, drafted_on=day(8), actor="billy")
    assert approve_and_issue(app, invoice, day(8))

    drafted = app.invoice(invoice)
    assert drafted.status is InvoiceStatus.ISSUED
    assert drafted.net == eur("400.00")
    reasons = {
        line.source.time_entry_ids: line.price_reason for line in drafted.lines if line.source
    }
    assert reasons == {
        ("t1",): None,
        ("t2",): "no charge: goodwill",
        ("t3",): "no charge: time entry t3 at a zero rate",
    }
    assert app.request(request).status is RequestStatus.INVOICED
    assert app.unbilled_work(request) == eur("0.00")


def test_an_hour_at_a_rate_below_half_a_cent_says_its_rate_with_all_its_decimals(
    app: QuoteToCash,
) -> None:
    """Bob's hour of monitoring at 0.004 EUR is worth 0.004, nothing once rounded to the cent:
    it is invoiced at no charge, and its line says at what rate (0.004 EUR, as the unit price
    column prints it; it said "0.00 EUR an hour", a rate of nothing)."""
    request = ordered_request(app, customer(app))
    app.log_work(request, work("t1", 5, "1", "0.004"), actor="bob")
    invoice = app.draft_request_invoice(request, drafted_on=day(8), actor="billy")
    assert approve_and_issue(app, invoice, day(8))
    [line] = app.invoice(invoice).lines
    assert line.net == eur("0.00") and line.unit_price == eur("0.004")
    assert line.price_reason == "no charge: time entry t1 at 0.004 EUR an hour rounds to nothing"


def test_overage_of_free_hours_beyond_an_hours_allowance_is_approved_at_no_charge(
    app: QuoteToCash,
) -> None:
    """A prepaid allowance of 1 hour covers the request. Bob logs 1 hour at 100.00 (covered)
    and 2 at a zero rate beyond it: the overage line bills the 2 hours at no charge, saying
    why, and is approved and issued."""
    acme = customer(app)
    prepaid = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity="1",
        period=Period(day(1), date(2024, 4, 1)),
        granted_on=day(1),
        actor=A,
    )
    request = app.open_request(acme, "Reports", requested_on=day(2), actor=A)
    app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    app.cover_request_by_allowance(request, prepaid, actor=A)
    app.authorize_work(request, authorized_on=day(2), actor=A)
    app.log_work(request, work("t1", 3, "1", "100"), actor="bob")
    app.log_work(request, work("t2", 4, "2", "0"), actor="bob")
    app.complete_request(request, completed_on=day(7), actor=A)

    invoice = app.draft_request_invoice(request, drafted_on=day(8), actor="billy")
    assert approve_and_issue(app, invoice, day(8))

    (line,) = app.invoice(invoice).lines
    assert line.quantity == Decimal(2) and line.net == eur("0.00")
    assert line.price_reason == "no charge: time entry t2 at a zero rate"
    assert app.request(request).status is RequestStatus.INVOICED


def test_authorized_work_on_a_cancelled_request_is_invoiced(app: QuoteToCash) -> None:
    """The customer stops the project after Bob's 6 authorized hours and a 50.00 train fare,
    under the PO. The work is owed: the request's invoice bills the 650.00 unbilled_work lists,
    is approved and issued, and nothing is left owed; the request stays cancelled."""
    acme = customer(app)
    request = ordered_request(app, acme)
    app.log_work(request, work("t1", 5, "6", "100"), actor="bob")
    app.log_expense(request, Expense("x1", "train fare", eur(50), day(5)), actor="bob")
    app.cancel_request(request, reason="customer stopped the project", cancelled_on=day(6), actor=A)
    assert app.unbilled_work(request) == eur("650.00")

    invoice = app.draft_request_invoice(request, drafted_on=day(8), actor="billy")
    assert app.invoice(invoice).net == eur("650.00")
    assert app.invoice(invoice).purchase_order_number == "PO-1"
    assert approve_and_issue(app, invoice, day(8))
    assert app.unbilled_work(request) == eur("0.00")
    assert app.request(request).status is RequestStatus.CANCELLED
    # nothing is left to deliver: the invoice is revenue the day it is issued, never deferred
    schedule = RevenueSchedule()
    catch_up(app, [schedule])
    assert schedule.recognised(day(8)) == {"EUR": eur("650.00")}
    assert schedule.deferred(day(8)) == {"EUR": eur(0)}
    # and once billed, nothing is left to draft
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated, match="nothing billable is left unbilled"):
        app.draft_request_invoice(request, drafted_on=day(9), actor="billy")
    assert app.recorder.max_notification_id() == before


def test_a_cancelled_fixed_price_request_bills_its_hours_not_the_price(app: QuoteToCash) -> None:
    """A fixed price of 1,000.00 is owed for the work delivered whole. Cancelled after 3
    authorized hours, the request owes what unbilled_work lists, the 300.00 the hours are
    worth, not the price of work never delivered; work imported after the cancellation is
    unauthorized (leakage to follow up), and is not billed."""
    acme = customer(app)
    request = app.open_request(acme, "Portal", requested_on=day(1), actor=A)
    app.estimate_request(request, fixed_price=eur(1000), actor=A)
    app.send_quote(request, sent_on=day(2), actor=A)
    app.receive_purchase_order(
        request, number="PO-2", amount=eur(1000), received_on=day(3), actor=A
    )
    app.authorize_work(request, authorized_on=day(4), actor=A)
    app.log_work(request, work("t1", 5, "3", "100"), actor="bob")
    app.cancel_request(request, reason="customer stopped the project", cancelled_on=day(6), actor=A)
    assert app.unbilled_work(request) == eur("300.00")

    app.import_work(request, work("t2", 7, "2", "100"), source="psa", actor="bob")
    invoice = app.draft_request_invoice(request, drafted_on=day(8), actor="billy")
    (line,) = app.invoice(invoice).lines
    assert line.source is not None and line.source.time_entry_ids == ("t1",)
    assert line.net == eur("300.00") and not line.source.fixed_price
    assert approve_and_issue(app, invoice, day(8))


def fixed_price_request(app: QuoteToCash, acme: UUID) -> UUID:
    """A fixed price of 1,000.00 under a purchase order of 1,000.00, authorized."""
    request = app.open_request(acme, "Portal", requested_on=day(1), actor=A)
    app.estimate_request(request, fixed_price=eur(1000), actor=A)
    app.send_quote(request, sent_on=day(2), actor=A)
    app.receive_purchase_order(
        request, number="PO-2", amount=eur(1000), received_on=day(3), actor=A
    )
    app.authorize_work(request, authorized_on=day(4), actor=A)
    return request


def test_a_cancelled_fixed_price_request_over_budget_bills_no_more_than_its_price(
    app: QuoteToCash,
) -> None:
    """The project runs over: 30 authorized hours at 100.00 against the agreed 1,000.00, and a
    50.00 train fare; then the customer cancels. Completed, it would bill 1,000.00: cancelled,
    its hours are billed up to that price, no more. Each hour line still names its entry (so
    none is billed again), a last line caps them at the agreed price, saying so, and the fare
    is billed on top. unbilled_work lists the same 1,050.00, on the day too."""
    acme = customer(app)
    request = fixed_price_request(app, acme)
    for n, entry_id in enumerate(("t1", "t2", "t3")):
        app.log_work(request, work(entry_id, 5 + n, "10", "100"), actor="bob")
    app.log_expense(request, Expense("x1", "train fare", eur(50), day(6)), actor="bob")
    app.cancel_request(request, reason="customer stopped the project", cancelled_on=day(8), actor=A)
    assert app.unbilled_work(request) == eur("1050.00")
    assert app.unbilled_work(request, as_of=day(9)) == eur("1050.00")

    invoice_id = app.draft_request_invoice(request, drafted_on=day(9), actor="billy")

    invoice = app.invoice(invoice_id)
    assert invoice.net == eur("1050.00")
    hours = [line for line in invoice.lines if line.source and line.source.time_entry_ids]
    assert [(ln.source.time_entry_ids, ln.net) for ln in hours if ln.source] == [
        (("t1",), eur("1000.00")),
        (("t2",), eur("1000.00")),
        (("t3",), eur("1000.00")),
    ]
    (cap,) = [line for line in invoice.lines if line.net.is_negative()]
    assert cap.net == eur("-2000.00")
    assert cap.source is not None and cap.source.request_id == request
    assert cap.price_reason == (
        "cancelled at a fixed price of 1,000.00 EUR: its hours, worth 3,000.00 EUR, are billed "
        "up to the price"
    )
    assert set(app.request(request).billed) == {"t1", "t2", "t3", "x1"}
    assert app.unbilled_work(request) == eur("0.00")
    assert app.unbilled_work(request, as_of=day(9)) == eur("0.00")
    assert approve_and_issue(app, invoice_id, day(9))
    assert app.request(request).status is RequestStatus.CANCELLED


def test_a_cancelled_fixed_price_request_bills_its_hours_up_to_the_price_less_billed(
    app: QuoteToCash,
) -> None:
    """4 hours were billed already, by hand, as an agreed extra (400.00); 20 more were logged
    before the cancellation. The price less what was billed leaves 600.00 for them, and when
    the draft billing them is voided, that much is owed again."""
    acme = customer(app)
    request = fixed_price_request(app, acme)
    app.log_work(request, work("t0", 5, "4", "100"), actor="bob")
    extra = InvoiceLine(
        "L1",
        "Portal: agreed extra",
        Decimal(4),
        eur(100),
        TaxRate.standard(21),
        LineSource(SourceKind.WORK, request_id=request, time_entry_ids=("t0",), hours=Decimal(4)),
        RevenueKind.ENHANCEMENT,
    )
    app.draft_invoice(acme, [extra], drafted_on=day(5), actor="billy")
    app.log_work(request, work("t1", 6, "10", "100"), actor="bob")
    app.log_work(request, work("t2", 7, "10", "100"), actor="bob")
    app.cancel_request(request, reason="customer stopped the project", cancelled_on=day(8), actor=A)
    assert app.unbilled_work(request) == eur("600.00")

    invoice_id = app.draft_request_invoice(request, drafted_on=day(9), actor="billy")
    invoice = app.invoice(invoice_id)
    assert invoice.net == eur("600.00")
    assert invoice.lines[-1].price_reason == (
        "cancelled at a fixed price of 1,000.00 EUR: its hours, worth 2,000.00 EUR, are billed "
        "up to the price, less 400.00 EUR billed already"
    )
    assert app.unbilled_work(request) == eur("0.00")

    app.void_invoice(invoice_id, reason="wrong PO reference", voided_on=day(10), actor="billy")
    assert app.unbilled_work(request) == eur("600.00")
    again = app.draft_request_invoice(request, drafted_on=day(11), actor="billy")
    assert app.invoice(again).net == eur("600.00")


def test_a_request_cancelled_before_its_work_was_authorized_owes_nothing(
    app: QuoteToCash,
) -> None:
    """Cancelled while quoted, with 2 hours a PSA imported before any PO (unauthorized work,
    leakage to follow up): nothing is owed, so no invoice is drafted and nothing is
    recorded."""
    acme = customer(app)
    request = app.open_request(acme, "Export", requested_on=day(1), actor=A)
    app.estimate_request(request, hours=10, rate=eur(100), actor=A)
    app.send_quote(request, sent_on=day(2), actor=A)
    app.import_work(request, work("t1", 3, "2", "100"), source="psa", actor="bob")
    app.cancel_request(request, reason="customer went elsewhere", cancelled_on=day(4), actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolated, match="nothing billable is left unbilled") as refused:
        app.draft_request_invoice(request, drafted_on=day(8), actor="billy")
    assert refused.value.field == "work" and refused.value.aggregate_id == request
    assert app.recorder.max_notification_id() == before
