"""A timesheet that arrives after its request was completed, dated inside the window its work was
authorized for (from the day it was authorized to the day it was completed): the work was
authorized, so the completed request takes it as authorized work. On a prepaid request it draws
the allowance by its work date, before later work; what the allowance cannot cover is overage,
billed by ``draft_request_invoice``. On a request a PO covers it is billed at its rate, also
after the request's invoice. Work dated after the completion, or on a cancelled request, is
still refused. The README's "Prepaid allowances" says so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceUnit,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    SourceKind,
    TimeEntry,
    WorkNotAuthorized,
)
from q2c_core.projections import (
    PrepaidCreditUsage,
    Projection,
    ReviewMeeting,
    UnbilledRevenue,
    catch_up,
    rebuild,
)

A = "bea"
ON = date(2024, 3, 31)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def bob(entry_id: str, day: date, hours: str) -> TimeEntry:
    return TimeEntry(entry_id, "bob", day, Decimal(hours), eur(100))


def prepaid_10_hours(app: QuoteToCash) -> tuple[UUID, UUID]:
    """Acme prepaid 10 hours for 2024. Returns (customer, allowance)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    return acme, allowance


def covered_request(
    app: QuoteToCash, customer: UUID, allowance: UUID, title: str, on: date
) -> UUID:
    request = app.open_request(customer, title, requested_on=on, actor="pete")
    app.estimate_request(request, hours=10, rate=eur(100), actor="pete")
    app.cover_request_by_allowance(request, allowance, actor=A)
    app.authorize_work(request, authorized_on=on, actor="pete")
    return request


def tweaks_completed(app: QuoteToCash, hours: str = "4") -> tuple[UUID, UUID, UUID]:
    """Tweaks, covered by the 10 prepaid hours and authorized on 1 March, took ``hours`` on
    10 March and was completed on 13 March. Returns (customer, allowance, request)."""
    acme, allowance = prepaid_10_hours(app)
    tweaks = covered_request(app, acme, allowance, "Tweaks", date(2024, 3, 1))
    app.log_work(tweaks, bob("t1", date(2024, 3, 10), hours), actor="bob")
    app.complete_request(tweaks, completed_on=date(2024, 3, 13), actor="pete")
    return acme, allowance, tweaks


def followed_equals_rebuilt(app: QuoteToCash) -> tuple[UnbilledRevenue, ReviewMeeting]:
    """The read models followed event by event equal the ones rebuilt from the history."""
    live: list[Projection] = [UnbilledRevenue(), ReviewMeeting(), PrepaidCreditUsage()]
    again: list[Projection] = [UnbilledRevenue(), ReviewMeeting(), PrepaidCreditUsage()]
    catch_up(app, live)
    rebuild(app, again)
    for followed, rebuilt in zip(live, again, strict=True):
        assert followed.rows() == rebuilt.rows(), followed.name
    unbilled, review, _ = live
    assert isinstance(unbilled, UnbilledRevenue) and isinstance(review, ReviewMeeting)
    return unbilled, review


@pytest.mark.parametrize("arrives_by", ["log_work", "import_work"])
def test_a_late_timesheet_on_the_completed_request_draws_the_prepaid_hours(
    app: QuoteToCash, arrives_by: str
) -> None:
    """Bob's 2 hours of 12 March reach billing after Tweaks was completed on 13 March. Logged
    by hand or imported, they are authorized work (the request was authorized from 1 March):
    they draw 2 of the 6 prepaid hours left, nothing is billed at its rate, nothing is a
    leakage risk, and the request, covered in full, stays off the review agenda."""
    _, allowance, tweaks = tweaks_completed(app)
    late = bob("t2", date(2024, 3, 12), "2")
    if arrives_by == "log_work":
        app.log_work(tweaks, late, actor="bob")
    else:
        assert app.import_work(tweaks, late, source="psa.csv", actor="import")

    request = app.request(tweaks)
    (logged,) = [w for w in request.work if w.entry.entry_id == "t2"]
    assert logged.authorized
    assert request.status is RequestStatus.COMPLETED
    assert app.allowance(allowance).remaining == 4
    assert app.unbilled_work(tweaks) == eur(0)
    assert app.unbilled_work(tweaks, as_of=ON) == eur(0)
    unbilled, review = followed_equals_rebuilt(app)
    assert unbilled.items(ON) == [] and unbilled.leakage_risk(ON) == []
    assert review.items(ON) == []
    usage = PrepaidCreditUsage()
    catch_up(app, [usage])
    ((hours,),) = [(u.drawn,) for u in usage.usage(ON)]
    assert hours == 6


def test_the_late_timesheet_draws_before_later_work_of_another_request(
    app: QuoteToCash,
) -> None:
    """Tweaks took 4 hours on 10 March; Reports, covered by the same 10 prepaid hours, took 6
    on 20 March: all 10 drawn. Tweaks' late 2 hours of 12 March draw before the 20 March work,
    so 2 of Reports' hours become overage (200.00 owed on Reports), and Tweaks owes nothing."""
    acme, allowance, tweaks = tweaks_completed(app)
    reports = covered_request(app, acme, allowance, "Reports", date(2024, 3, 15))
    app.log_work(reports, bob("r1", date(2024, 3, 20), "6"), actor="bob")
    assert app.allowance(allowance).remaining == 0
    assert app.unbilled_work(reports) == eur(0)

    app.log_work(tweaks, bob("t2", date(2024, 3, 12), "2"), actor="bob")

    assert app.unbilled_work(tweaks) == eur(0)
    assert app.unbilled_work(reports) == eur(200)
    unbilled, _ = followed_equals_rebuilt(app)
    assert [(i.request_id, i.kind, i.amount) for i in unbilled.items(ON)] == [
        (reports.hex, "allowance_overage", eur(200))
    ]
    assert unbilled.leakage_risk(ON) == []


def test_what_the_allowance_cannot_cover_after_the_invoice_is_billed_as_overage(
    app: QuoteToCash,
) -> None:
    """Tweaks took 12 hours on 10 March: 10 prepaid, 2 of overage invoiced (200.00), so the
    request is invoiced. A late timesheet of 3 hours on 12 March finds no prepaid hours left:
    it is 300.00 of overage, owed, and draft_request_invoice bills it on an invoice of its own,
    as an allowance-overage line; the request is invoiced again, nothing left unbilled."""
    _, allowance, tweaks = tweaks_completed(app, hours="12")
    first = app.invoice(app.draft_request_invoice(tweaks, drafted_on=ON, actor=A))
    assert first.net == eur(200)
    assert app.request(tweaks).status is RequestStatus.INVOICED

    app.log_work(tweaks, bob("t2", date(2024, 3, 12), "3"), actor="bob")

    assert app.unbilled_work(tweaks) == eur(300)
    unbilled, review = followed_equals_rebuilt(app)
    assert unbilled.leakage_risk(ON) == []
    (item,) = review.items(ON)
    assert item.unbilled_overage == eur(300)
    late = app.invoice(app.draft_request_invoice(tweaks, drafted_on=ON, actor=A))
    (line,) = late.lines
    assert line.source is not None and line.source.kind is SourceKind.ALLOWANCE_OVERAGE
    assert line.source.time_entry_ids == ("t2",) and line.net == eur(300)
    assert app.request(tweaks).status is RequestStatus.INVOICED
    assert app.allowance(allowance).unbilled_overage() == {}
    assert app.unbilled_work(tweaks) == eur(0)
    unbilled, _ = followed_equals_rebuilt(app)
    assert unbilled.items(ON) == []


def test_a_late_timesheet_on_an_invoiced_po_request_is_billed_at_its_rate(
    app: QuoteToCash,
) -> None:
    """Setup, on PO-7 and authorized on 4 March, took 2 hours, was completed on 7 March and
    invoiced (200.00). Bob's 1 hour of 6 March arrives late: it was authorized, so it is no
    leakage risk; the request is billable again and its next invoice bills the hour at its
    rate (100.00), after which it is invoiced once more."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    setup = app.open_request(acme, "Setup", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(setup, hours=5, rate=eur(100), actor="pete")
    app.send_quote(setup, sent_on=date(2024, 3, 2), actor=A)
    app.receive_purchase_order(
        setup, number="PO-7", amount=eur(500), received_on=date(2024, 3, 3), actor=A
    )
    app.authorize_work(setup, authorized_on=date(2024, 3, 4), actor="pete")
    app.log_work(setup, bob("t1", date(2024, 3, 5), "2"), actor="bob")
    app.complete_request(setup, completed_on=date(2024, 3, 7), actor="pete")
    app.draft_request_invoice(setup, drafted_on=date(2024, 3, 8), actor=A)
    assert app.request(setup).status is RequestStatus.INVOICED

    app.log_work(setup, bob("late", date(2024, 3, 6), "1"), actor="bob")

    request = app.request(setup)
    assert request.status is RequestStatus.COMPLETED
    assert all(w.authorized for w in request.work)
    assert app.unbilled_work(setup) == eur(100)
    unbilled, review = followed_equals_rebuilt(app)
    assert unbilled.leakage_risk(ON) == []
    assert [(i.item_id, i.amount) for i in unbilled.items(ON)] == [("late", eur(100))]
    assert [i.status for i in review.items(ON)] == ["completed"]
    late = app.invoice(app.draft_request_invoice(setup, drafted_on=date(2024, 3, 9), actor=A))
    assert [(ln.source.time_entry_ids, ln.net) for ln in late.lines if ln.source] == [
        (("late",), eur(100))
    ]
    assert app.request(setup).status is RequestStatus.INVOICED
    assert app.unbilled_work(setup) == eur(0)
    followed_equals_rebuilt(app)


def test_work_dated_after_the_completion_is_still_refused(app: QuoteToCash) -> None:
    """Tweaks was completed on 13 March: 2 hours dated 14 March are refused by log_work
    (naming the work date, nothing recorded) and imported as unauthorized work, a leakage risk
    billed at its rate (200.00); the prepaid hours are not drawn. Work dated before the request
    was authorized (29 February) is refused as before."""
    _, allowance, tweaks = tweaks_completed(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(WorkNotAuthorized) as refused:
        app.log_work(tweaks, bob("t2", date(2024, 3, 14), "2"), actor="bob")
    assert refused.value.field == "entry.work_date"
    with pytest.raises(WorkNotAuthorized) as refused:
        app.log_work(tweaks, bob("t0", date(2024, 2, 29), "2"), actor="bob")
    assert refused.value.field == "entry.work_date"
    assert app.recorder.max_notification_id() == before

    app.import_work(tweaks, bob("t2", date(2024, 3, 14), "2"), source="psa.csv", actor="import")

    (late,) = [w for w in app.request(tweaks).work if w.entry.entry_id == "t2"]
    assert not late.authorized
    assert app.allowance(allowance).remaining == 6
    assert app.unbilled_work(tweaks) == eur(200)
    unbilled, _ = followed_equals_rebuilt(app)
    assert [(i.item_id, i.amount) for i in unbilled.leakage_risk(ON)] == [("t2", eur(200))]


def test_a_cancelled_request_takes_no_late_timesheet(app: QuoteToCash) -> None:
    """Tweaks, authorized on 1 March, was cancelled after 2 hours on 5 March: a timesheet of
    6 March is refused by log_work (naming the status, nothing recorded); imported, it is kept
    as unauthorized work and draws no prepaid hours."""
    acme, allowance = prepaid_10_hours(app)
    tweaks = covered_request(app, acme, allowance, "Tweaks", date(2024, 3, 1))
    app.log_work(tweaks, bob("t1", date(2024, 3, 5), "2"), actor="bob")
    app.cancel_request(
        tweaks, reason="customer changed its mind", cancelled_on=date(2024, 3, 5), actor="pete"
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(WorkNotAuthorized) as refused:
        app.log_work(tweaks, bob("t2", date(2024, 3, 6), "1"), actor="bob")
    assert refused.value.field == "status"
    assert app.recorder.max_notification_id() == before

    app.import_work(tweaks, bob("t2", date(2024, 3, 6), "1"), source="psa.csv", actor="import")

    (late,) = [w for w in app.request(tweaks).work if w.entry.entry_id == "t2"]
    assert not late.authorized
    assert app.allowance(allowance).remaining == 8


def test_a_late_timesheet_imported_before_the_rule_keeps_its_history(app: QuoteToCash) -> None:
    """A store from before completed requests took late timesheets holds one recorded as
    unauthorized work: it still loads as recorded, a leakage risk billed at its rate
    (200.00), and the read models rebuild to what they followed. To charge the prepaid hours
    instead, its invoiced line is credited as written off and the hours logged again under a
    new entry id: they draw 2 of the 6 prepaid hours left, and nothing is left to bill."""
    from q2c_core import CreditDisposition

    _, allowance, tweaks = tweaks_completed(app)
    request = app.request(tweaks)
    # what import_work recorded then
    request.record_unauthorized_work(bob("t2", date(2024, 3, 12), "2"), "psa.csv", "import")
    app.save(request)

    (late,) = [w for w in app.request(tweaks).work if w.entry.entry_id == "t2"]
    assert not late.authorized
    assert app.allowance(allowance).remaining == 6
    assert app.unbilled_work(tweaks) == eur(200)
    unbilled, _ = followed_equals_rebuilt(app)
    assert [(i.item_id, i.amount) for i in unbilled.leakage_risk(ON)] == [("t2", eur(200))]

    invoice = app.draft_request_invoice(tweaks, drafted_on=ON, actor=A)
    assert app.invoice(invoice).net == eur(200)
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice, role=role, approved_on=ON, actor=who)
    app.issue_invoice(invoice, issued_on=ON, actor=A)
    note = app.draft_credit_note(
        invoice,
        line_ids=["L1"],
        disposition=CreditDisposition.WRITTEN_OFF,
        reason="the prepaid hours cover it",
        drafted_on=ON,
        actor=A,
    )
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(note, role=role, approved_on=ON, actor=who)
    app.issue_invoice(note, issued_on=ON, actor=A)
    app.log_work(tweaks, bob("t2-prepaid", date(2024, 3, 12), "2"), actor="bea")

    assert app.allowance(allowance).remaining == 4
    assert app.unbilled_work(tweaks) == eur(0)
    unbilled, _ = followed_equals_rebuilt(app)
    assert unbilled.items(ON) == []
