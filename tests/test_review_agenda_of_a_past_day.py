"""The review meeting's agenda of a past day shows each request as it stood that day.

Acme asks for a data export on 1 May. Billy quotes it on the 2nd, Acme's PO arrives on the 3rd
and the work is authorized that day, due on the 10th. Bob works 3 hours on the 4th and 2 on the
12th, and the work is completed, late, on the 20th. Asked afterwards, the meeting's agenda of
30 April listed the export (not asked for yet), and that of 5 May showed it completed, 5 hours
worked and behind schedule, with its PO on the 2nd: the request as recorded, not as it stood.
Each column with a business day is now read on the day asked about, as the agenda showed it on
that day: the request from the day it was asked for, its quote, PO, authorization (and its due
day) and completion from their days, its hours by their work days, and whether it is on
schedule by what was done by then.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from test_projections_story import eur, issue, work

from q2c_core import QuoteToCash
from q2c_core.projections import ReviewItem, ReviewMeeting, catch_up, rebuild

A = "alice"
MAY = [date(2026, 4, 30) + timedelta(days=n) for n in range(25)]


def agenda(app: QuoteToCash, day: date) -> list[ReviewItem]:
    """The agenda of ``day``, followed and rebuilt alike."""
    followed = ReviewMeeting()
    catch_up(app, [followed])
    rebuilt = ReviewMeeting()
    rebuild(app, [rebuilt])
    assert followed.items(day) == rebuilt.items(day)
    return followed.items(day)


def test_the_agenda_of_a_past_day_shows_the_request_as_it_stood_that_day() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    shown: dict[date, list[ReviewItem]] = {}

    def meeting_held(day: date) -> None:
        shown[day] = agenda(app, day)

    meeting_held(date(2026, 4, 30))
    export = app.open_request(acme, "Export", requested_on=date(2026, 5, 1), actor=A)
    app.estimate_request(export, hours=10, rate=eur(100), actor=A)
    meeting_held(date(2026, 5, 1))
    app.send_quote(export, sent_on=date(2026, 5, 2), actor="billy")
    meeting_held(date(2026, 5, 2))
    app.receive_purchase_order(
        export, number="PO-7", amount=eur(1000), received_on=date(2026, 5, 3), actor="billy"
    )
    app.authorize_work(export, authorized_on=date(2026, 5, 3), due_on=date(2026, 5, 10), actor=A)
    meeting_held(date(2026, 5, 3))
    app.log_work(export, work("t1", date(2026, 5, 4), "3"), actor="bob")
    meeting_held(date(2026, 5, 5))
    meeting_held(date(2026, 5, 10))
    app.log_work(export, work("t2", date(2026, 5, 12), "2"), actor="bob")
    meeting_held(date(2026, 5, 12))
    app.complete_request(export, completed_on=date(2026, 5, 20), actor=A)
    meeting_held(date(2026, 5, 20))
    invoice = app.draft_request_invoice(export, drafted_on=date(2026, 5, 21), actor="bea")
    issue(app, invoice, date(2026, 5, 21))
    meeting_held(date(2026, 5, 21))

    # as the meetings saw it on each day
    assert shown[date(2026, 4, 30)] == []
    by_day = {day: items[0] for day, items in shown.items() if items}
    assert [
        (i.status, i.has_po, i.actual_hours, i.due_on, i.on_schedule) for i in by_day.values()
    ] == [
        ("estimated", False, Decimal(0), None, True),
        ("quoted", False, Decimal(0), None, True),
        ("authorized", True, Decimal(0), date(2026, 5, 10), True),
        ("authorized", True, Decimal(3), date(2026, 5, 10), True),
        ("authorized", True, Decimal(3), date(2026, 5, 10), True),
        ("authorized", True, Decimal(5), date(2026, 5, 10), False),
        ("completed", True, Decimal(5), date(2026, 5, 10), False),
        ("invoiced", True, Decimal(5), date(2026, 5, 10), False),
    ]
    # and so it reads afterwards, every day of May
    for day in MAY:
        if day in shown:
            assert agenda(app, day) == shown[day], day
    for day in MAY:
        items = agenda(app, day)
        if day < date(2026, 5, 1):
            assert items == [], day
        else:
            (item,) = items
            assert item.has_po is (day >= date(2026, 5, 3)), day
            assert item.actual_hours == (
                0 if day < date(2026, 5, 4) else 3 if day < date(2026, 5, 12) else 5
            ), day
    app.close()
