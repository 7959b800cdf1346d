"""The review meeting's agenda of a day reads invoicing by its days, as unbilled revenue and
``QuoteToCash.customer_summary(c, as_of=day)`` do: an invoice holds the work it bills, and
counts as invoiced, from the day it was drafted until the day it was voided, and a re-billable
credit note gives the lines it credits back from its own day. So work invoiced tomorrow is
open and uninvoiced on today's agenda, and a void or credit note recorded later leaves an
earlier day's agenda as it was."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from test_projections_story import eur, issue, work
from test_unbilled_as_of_invoicing import (
    DAY0,
    OPS,
    History,
    contoso_overage_invoiced_on_the_13th,
    hourly_request,
)

from q2c_core import CreditDisposition, Money, QuoteToCash
from q2c_core.projections import ReviewItem, ReviewMeeting, UnbilledRevenue, catch_up, rebuild

A = "alice"


def agenda(app: QuoteToCash, day: date) -> dict[str, ReviewItem]:
    """The review agenda of ``day`` by request, followed in small pages and rebuilt alike."""
    followed = ReviewMeeting()
    catch_up(app, [followed], page_size=3)
    rebuilt = ReviewMeeting()
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    items = followed.items(day)
    assert items == rebuilt.items(day)
    return {i.request_id: i for i in items}


def pay(app: QuoteToCash, invoice: UUID, on: date) -> None:
    """The invoice paid in full on ``on``."""
    inv = app.invoice(invoice)
    payment = app.receive_payment(
        inv.customer_id, inv.total, received_on=on, reference="bank", actor=A
    )
    app.allocate_payment(payment, [(invoice, inv.total)], allocated_on=on, actor=A)


def test_work_invoiced_tomorrow_is_open_and_uninvoiced_on_todays_agenda(tmp_path: Any) -> None:
    """Northwind's SSO work (8 hours, 9 to 12 March) is completed on the 12th and invoiced on
    the 13th. The 12th's agenda shows it completed with nothing invoiced, as it showed on the
    12th itself; the 13th's shows it invoiced 800.00, unpaid. Paid on the 16th, it leaves the
    agenda from the 16th; the 13th's agenda still lists it."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/nw.db")
    nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
    sso = hourly_request(app, nw, date(2026, 3, 2))
    for n in range(9, 13):
        app.log_work(sso, work(f"sso-{n}", date(2026, 3, n), "2"), actor="bob")
    app.complete_request(sso, completed_on=date(2026, 3, 12), actor=A)
    on_the_12th = agenda(app, date(2026, 3, 12))[sso.hex]
    inv = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 13), actor="bea")
    issue(app, inv, date(2026, 3, 13))
    assert agenda(app, date(2026, 3, 12))[sso.hex] == on_the_12th
    assert (on_the_12th.status, on_the_12th.invoiced) == ("completed", eur("0.00"))
    on_the_13th = agenda(app, date(2026, 3, 13))[sso.hex]
    assert (on_the_13th.status, on_the_13th.invoiced) == ("invoiced", eur("800.00"))
    assert on_the_13th.paid == eur("0.00")
    pay(app, inv, date(2026, 3, 16))
    assert sso.hex not in agenda(app, date(2026, 3, 16))
    assert agenda(app, date(2026, 3, 13))[sso.hex] == on_the_13th
    assert agenda(app, date(2026, 3, 12))[sso.hex] == on_the_12th
    app.close()


def test_a_void_later_leaves_the_days_it_was_invoiced_as_they_were(tmp_path: Any) -> None:
    """The invoice of the 13th is voided on the 20th (a wrong PO): the agenda of the 15th
    still shows the work invoiced 800.00; from the 20th it is completed and uninvoiced."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/void.db")
    nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
    sso = hourly_request(app, nw, date(2026, 3, 2))
    app.log_work(sso, work("sso", date(2026, 3, 9), "8"), actor="bob")
    app.complete_request(sso, completed_on=date(2026, 3, 12), actor=A)
    inv = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 13), actor="bea")
    on_the_15th = agenda(app, date(2026, 3, 15))[sso.hex]
    assert (on_the_15th.status, on_the_15th.invoiced) == ("invoiced", eur("800.00"))
    app.void_invoice(inv, reason="wrong PO", actor="bea", voided_on=date(2026, 3, 20))
    assert agenda(app, date(2026, 3, 15))[sso.hex] == on_the_15th
    on_the_20th = agenda(app, date(2026, 3, 20))[sso.hex]
    assert (on_the_20th.status, on_the_20th.invoiced) == ("completed", eur("0.00"))
    app.close()


def test_a_credit_note_next_month_leaves_this_months_agenda_as_it_was(tmp_path: Any) -> None:
    """SSO, invoiced on 5 March and paid on the 6th, is off the agenda of 20 March. A
    re-billable credit note of 2 April gives 5 of its 6 hours back: from 2 April it is back on
    the agenda, completed, invoiced 100.00; the agenda of 20 March stays without it."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/cn.db")
    nw = app.register_customer("Northwind", "EUR", account_manager="mia", actor=A)
    sso = hourly_request(app, nw, date(2026, 3, 2))
    app.log_work(sso, work("a", date(2026, 3, 3), "5"), actor="bob")
    app.log_work(sso, work("b", date(2026, 3, 4), "1"), actor="bob")
    app.complete_request(sso, completed_on=date(2026, 3, 4), actor=A)
    inv = app.draft_request_invoice(sso, drafted_on=date(2026, 3, 5), actor="bea")
    issue(app, inv, date(2026, 3, 5))
    pay(app, inv, date(2026, 3, 6))
    assert sso.hex not in agenda(app, date(2026, 3, 20))
    lines = {line.source.time_entry_ids[0]: line.line_id for line in app.invoice(inv).lines}
    note = app.draft_credit_note(
        inv,
        line_ids=[lines["a"]],
        disposition=CreditDisposition.REBILLABLE,
        reason="hours",
        drafted_on=date(2026, 4, 2),
        actor="bea",
    )
    issue(app, note, date(2026, 4, 2))
    assert sso.hex not in agenda(app, date(2026, 3, 20))
    assert sso.hex not in agenda(app, date(2026, 4, 1))
    back = agenda(app, date(2026, 4, 2))[sso.hex]
    assert (back.status, back.invoiced) == ("completed", eur("100.00"))
    app.close()


def test_overage_invoiced_tomorrow_is_owed_on_todays_agenda(tmp_path: Any) -> None:
    """Contoso's 10 prepaid hours cover 16 hours of dashboard work: the 6 hours beyond are
    invoiced on the 13th. The 12th's agenda owes them (600.00), as unbilled revenue lists
    them that day; the 13th's owes nothing."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/co.db")
    _, dash = contoso_overage_invoiced_on_the_13th(app)
    assert agenda(app, date(2026, 3, 12))[dash.hex].unbilled_overage == eur("600.00")
    assert agenda(app, date(2026, 3, 13))[dash.hex].unbilled_overage == eur("0.00")
    app.close()


# -- any history ----------------------------------------------------------------------------


Shown = tuple[str, str, Money, Money, Money]


def agendas(app: QuoteToCash, requests: list[UUID], upto: date) -> dict[date, list[Shown]]:
    """The review agenda of every day up to ``upto``, what invoicing moves of it (each
    request on it with its status, invoiced, paid and unbilled overage: its hours are those
    recorded, later work included); each request's unbilled overage is what unbilled revenue
    lists as its ``allowance_overage`` that day."""
    review, unbilled = ReviewMeeting(), UnbilledRevenue()
    rebuild(app, [review, unbilled])
    said: dict[date, list[Shown]] = {}
    day = DAY0
    while day <= upto:
        items = review.items(day)
        listed = unbilled.items(day)
        for r in requests:
            owed = sum(
                (
                    i.amount
                    for i in listed
                    if i.request_id == r.hex and i.kind == "allowance_overage"
                ),
                Money.zero("EUR"),
            )
            shown = [i.unbilled_overage for i in items if i.request_id == r.hex]
            if owed.amount:
                assert shown == [owed], (day, r)
            else:
                assert not any(s.amount for s in shown), (day, r)
        said[day] = [
            (i.request_id, i.status, i.invoiced, i.paid, i.unbilled_overage) for i in items
        ]
        day += timedelta(days=1)
    return said


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=OPS, after=OPS)
def test_the_agenda_of_a_past_day_is_left_as_it_was_by_later_invoicing(
    tmp_path_factory: Any, before: list[tuple[int, int, int]], after: list[tuple[int, int, int]]
) -> None:
    """For histories of work, drafts, issues, voids and re-billable and written-off credit
    notes, each on its own later day: the review meeting owes on every day the overage
    unbilled revenue lists, and events recorded later leave every earlier agenda as it was."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path_factory.mktemp('h')}/h.db")
    history = History(app)
    for op in before:
        history.run(*op)
    then = history.day
    said = agendas(app, history.requests, then)
    for op in after:
        history.run(*op)
    assert agendas(app, history.requests, then) == said
    app.close()
