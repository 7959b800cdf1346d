"""The story of two requests sharing one prepaid allowance, where hours of a request already
invoiced become overage after its invoice: back-dated work on the other request draws first
(draws follow the work date), or the other request's billed overage is given back by a void.
The money is owed, the reports say so, and the request's invoice command bills it, once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceUnit,
    Expense,
    InvalidTransition,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    SourceKind,
    TimeEntry,
    charge_key,
)
from q2c_core.projections import UnbilledRevenue, all_projections, catch_up, rebuild

A = "bea"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
DAY = date(2024, 4, 30)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def timesheet(entry_id: str, worker: str, day: date, hours: str) -> TimeEntry:
    return TimeEntry(entry_id, worker, day, Decimal(hours), eur(100))


def report(app: QuoteToCash, customer: UUID, allowance: UUID, title: str) -> UUID:
    """A report request the prepaid allowance covers, authorized on 1 March."""
    r = app.open_request(customer, title, requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(r, hours=10, rate=eur(100), actor="pete")
    app.cover_request_by_allowance(r, allowance, actor=A)
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor="pete")
    return r


def approve_and_issue(app: QuoteToCash, invoice: UUID, on: date) -> str:
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice, role=role, approved_on=on, actor=who)
    return app.issue_invoice(invoice, issued_on=on, actor="bea")


def unbilled_on(app: QuoteToCash, request: UUID) -> Money:
    """What UnbilledRevenue shows for the request, followed as recorded; the read models hold
    what a rebuild from an empty start holds."""
    live = all_projections()
    catch_up(app, live)
    again = all_projections()
    rebuild(app, again)
    for followed, rebuilt in zip(live, again, strict=True):
        assert followed.rows() == rebuilt.rows(), followed.name
    [unbilled] = [p for p in live if isinstance(p, UnbilledRevenue)]
    items = [i for i in unbilled.items(DAY) if i.request_id == request.hex]
    assert {i.kind for i in items} <= {"allowance_overage"}
    return sum((i.amount for i in items), eur(0))


def test_covered_hours_of_an_invoiced_request_that_become_overage_are_billed(
    app: QuoteToCash,
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    ten_hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, period=YEAR, granted_on=YEAR.start, actor=A
    )
    report_a = report(app, acme, ten_hours, "Report A")
    report_b = report(app, acme, ten_hours, "Report B")
    # Report A: 9 hours on 20 March, covered; its travel is invoiced, and it is invoiced
    app.log_work(report_a, timesheet("a1", "dana", date(2024, 3, 20), "8"), actor="dana")
    app.log_work(report_a, timesheet("x1", "dana", date(2024, 3, 20), "1"), actor="dana")
    travel = Expense("e1", "travel", eur(50), date(2024, 3, 20))
    app.log_expense(report_a, travel, actor="dana")
    app.complete_request(report_a, completed_on=date(2024, 3, 21), actor="pete")
    first = app.draft_request_invoice(report_a, drafted_on=date(2024, 3, 21), actor="pete")
    approve_and_issue(app, first, date(2024, 3, 21))
    assert app.invoice(first).net == eur(50)
    assert app.request(report_a).status is RequestStatus.INVOICED

    # Eve's timesheet for Report B, 6 hours done on 5 March, arrives in April: it draws first,
    # and 5 of Report A's hours are now beyond the 10 prepaid ones
    app.log_work(report_b, timesheet("b1", "eve", date(2024, 3, 5), "6"), actor="eve")
    assert app.allowance(ten_hours).unbilled_overage() == {
        charge_key(report_a, "a1"): Decimal(4),
        charge_key(report_a, "x1"): Decimal(1),
    }
    assert app.unbilled_work(report_a) == eur(500) == unbilled_on(app, report_a)

    # the request's invoice command bills those 5 hours, and nothing else
    second = app.draft_request_invoice(report_a, drafted_on=date(2024, 4, 2), actor="pete")
    lines = app.invoice(second).lines
    assert [(ln.source.kind, ln.source.time_entry_ids) for ln in lines if ln.source] == [
        (SourceKind.ALLOWANCE_OVERAGE, ("a1",)),
        (SourceKind.ALLOWANCE_OVERAGE, ("x1",)),
    ]
    assert [(ln.quantity, ln.net) for ln in lines] == [(4, eur(400)), (1, eur(100))]
    approve_and_issue(app, second, date(2024, 4, 2))
    assert app.request(report_a).status is RequestStatus.INVOICED
    assert app.unbilled_work(report_a) == eur(0) == unbilled_on(app, report_a)
    buckets = {b.entry_id: b for b in app.work_buckets(report_a)}
    assert (buckets["a1"].covered, buckets["a1"].invoiced) == (4, 4)
    assert (buckets["x1"].covered, buckets["x1"].invoiced) == (0, 1)

    # billed once: nothing is left to draft, and the refusal records nothing
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition, match="invoiced"):
        app.draft_request_invoice(report_a, drafted_on=date(2024, 4, 3), actor="pete")
    assert app.recorder.max_notification_id() == before


def test_overage_given_back_by_a_void_moves_cover_off_an_invoiced_request(
    app: QuoteToCash,
) -> None:
    """Report B's 8 hours of 5 March took the 5 prepaid hours, and its 3 hours beyond them were
    invoiced; 3 hours bought later covered Report A's 3 hours of 10 March, and Report A was
    invoiced (its travel). Report B's overage invoice is voided: its 8 hours are drawn first
    again, so Report A's 3 hours are owed, and billed by Report A's invoice command."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    five_hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=5, period=YEAR, granted_on=YEAR.start, actor=A
    )
    report_a = report(app, acme, five_hours, "Report A")
    report_b = report(app, acme, five_hours, "Report B")
    app.log_work(report_b, timesheet("b1", "eve", date(2024, 3, 5), "8"), actor="eve")
    overage_b = app.draft_request_invoice(report_b, drafted_on=date(2024, 3, 6), actor="pete")
    assert app.invoice(overage_b).net == eur(300)
    app.top_up_allowance(five_hours, 3, topped_up_on=date(2024, 3, 7), reason="bought", actor=A)
    app.log_work(report_a, timesheet("a1", "dana", date(2024, 3, 10), "3"), actor="dana")
    travel = Expense("e1", "travel", eur(50), date(2024, 3, 10))
    app.log_expense(report_a, travel, actor="dana")
    app.complete_request(report_a, completed_on=date(2024, 3, 11), actor="pete")
    app.draft_request_invoice(report_a, drafted_on=date(2024, 3, 11), actor="pete")
    assert app.request(report_a).status is RequestStatus.INVOICED
    assert app.unbilled_work(report_a) == eur(0)

    app.void_invoice(
        overage_b, reason="sent to the wrong contact", actor="bea", voided_on=date(2024, 3, 6)
    )

    assert app.unbilled_work(report_b) == eur(0)  # its 8 hours are covered now
    assert app.unbilled_work(report_a) == eur(300) == unbilled_on(app, report_a)
    again = app.draft_request_invoice(report_a, drafted_on=date(2024, 3, 12), actor="pete")
    (line,) = app.invoice(again).lines
    assert (line.quantity, line.net) == (3, eur(300))
    assert line.source is not None and line.source.allowance_id == five_hours
    assert app.unbilled_work(report_a) == eur(0) == unbilled_on(app, report_a)
