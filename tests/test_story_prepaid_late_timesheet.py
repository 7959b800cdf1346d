"""A timesheet for a prepaid request that arrives after the request was completed, dated inside
the window its work was authorized for: a completed request takes no more work, so the
timesheet never draws on the allowance there. The README's "Prepaid allowances" says so, and how
the finance team handles it: the hours go on a follow-up request the same allowance covers,
where they draw the prepaid hours by their work date."""

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
    TimeEntry,
    WorkNotAuthorized,
)
from q2c_core.projections import ReviewMeeting, UnbilledRevenue, catch_up, rebuild

A = "bea"
ON = date(2024, 3, 31)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def bob(entry_id: str, day: date, hours: str) -> TimeEntry:
    return TimeEntry(entry_id, "bob", day, Decimal(hours), eur(100))


def tweaks_completed(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme prepaid 10 hours for 2024; "Tweaks", covered by them and authorized on 1 March,
    took 4 hours and was completed on 13 March. Returns (customer, allowance, request)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    allowance = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    tweaks = app.open_request(acme, "Tweaks", requested_on=date(2024, 3, 1), actor="pete")
    app.estimate_request(tweaks, hours=10, rate=eur(100), actor="pete")
    app.cover_request_by_allowance(tweaks, allowance, actor=A)
    app.authorize_work(tweaks, authorized_on=date(2024, 3, 1), actor="pete")
    app.log_work(tweaks, bob("t1", date(2024, 3, 10), "4"), actor="bob")
    app.complete_request(tweaks, completed_on=date(2024, 3, 13), actor="pete")
    return acme, allowance, tweaks


def test_a_late_timesheet_on_the_completed_request_is_billed_at_its_rate(
    app: QuoteToCash,
) -> None:
    """The limitation, as documented: refused by log_work (nothing recorded); imported, it is
    kept as unauthorized work, a leakage risk worth its rate (200.00), and the allowance's
    6 hours left stay unused."""
    _, allowance, tweaks = tweaks_completed(app)
    before = app.recorder.max_notification_id()
    with pytest.raises(WorkNotAuthorized):
        app.log_work(tweaks, bob("t2", date(2024, 3, 12), "2"), actor="bob")
    assert app.recorder.max_notification_id() == before

    app.import_work(tweaks, bob("t2", date(2024, 3, 12), "2"), source="psa.csv", actor="import")

    (late,) = [w for w in app.request(tweaks).work if w.entry.entry_id == "t2"]
    assert not late.authorized
    assert app.allowance(allowance).remaining == 6
    assert app.unbilled_work(tweaks) == eur(200)
    unbilled = UnbilledRevenue()
    catch_up(app, [unbilled])
    assert [(i.item_id, i.amount) for i in unbilled.leakage_risk(ON)] == [("t2", eur(200))]


def test_the_late_hours_logged_on_a_follow_up_request_draw_the_prepaid_hours(
    app: QuoteToCash,
) -> None:
    """The finance team's handling: a follow-up request the same allowance covers, requested
    and authorized by the timesheet's day, takes the late hours; they draw 2 of the 6 prepaid
    hours left by their work date, nothing is billed at its rate, and both requests, done,
    leave the review meeting."""
    acme, allowance, tweaks = tweaks_completed(app)
    late = app.open_request(
        acme, "Tweaks: late timesheets", requested_on=date(2024, 3, 12), actor=A
    )
    app.estimate_request(late, hours=2, rate=eur(100), actor=A)
    app.cover_request_by_allowance(late, allowance, actor=A)
    app.authorize_work(late, authorized_on=date(2024, 3, 12), actor=A)

    app.log_work(late, bob("t2", date(2024, 3, 12), "2"), actor="bob")
    app.complete_request(late, completed_on=date(2024, 3, 20), actor=A)

    assert app.allowance(allowance).remaining == 4
    assert app.unbilled_work(late) == eur(0) and app.unbilled_work(tweaks) == eur(0)
    live, again = [UnbilledRevenue(), ReviewMeeting()], [UnbilledRevenue(), ReviewMeeting()]
    catch_up(app, live)
    rebuild(app, again)
    for followed, rebuilt in zip(live, again, strict=True):
        assert followed.rows() == rebuilt.rows(), followed.name
    unbilled, review = live
    assert isinstance(unbilled, UnbilledRevenue) and isinstance(review, ReviewMeeting)
    assert unbilled.items(ON) == [] and unbilled.leakage_risk(ON) == []
    assert review.items(ON) == []
