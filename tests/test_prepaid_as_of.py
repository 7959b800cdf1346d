"""Prepaid allowances as they stood on a day asked about: the read models draw the work dated
by then on what was granted by then, as the domain does (``PrepaidAllowance.granted_by``,
``draws_on`` and ``remaining_on``), so a top-up, work or an expiry recorded later does not
change what a past day reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from q2c_core import AllowanceUnit, Money, Period, QuoteToCash, TimeEntry
from q2c_core.projections import ReviewMeeting, UnbilledRevenue, catch_up, rebuild
from q2c_core.projections.base import Projection

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
MARCH_END = date(2024, 3, 31)
APRIL_END = date(2024, 4, 30)

P = TypeVar("P", bound=Projection)


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def work(entry_id: str, day: date, hours: str) -> TimeEntry:
    """Bob's time at 100 EUR an hour."""
    return TimeEntry(entry_id, "bob", day, Decimal(hours), eur(100))


def ten_hours_for_acme(
    app: QuoteToCash, granted_on: date = date(2024, 1, 1)
) -> tuple[UUID, UUID, UUID]:
    """Acme, its 10 prepaid hours for 2024, and a request they cover, authorized on 1 March."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, period=YEAR, granted_on=granted_on, actor=A
    )
    r = app.open_request(acme, "Tweaks", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(r, hours=10, rate=eur(100), actor=A)
    app.cover_request_by_allowance(r, hours, actor=A)
    app.authorize_work(r, authorized_on=date(2024, 3, 1), actor=A)
    return acme, hours, r


def followed(app: QuoteToCash, projection: P) -> P:
    """Caught up incrementally, and agreeing row for row with one rebuilt from events."""
    catch_up(app, [projection])
    again = type(projection)()
    rebuild(app, [again])
    assert projection.rows() == again.rows()
    return projection


def test_hours_topped_up_in_april_do_not_cover_march_overage_as_of_march(
    app: QuoteToCash,
) -> None:
    """15 hours worked on 10 March against 10 prepaid: 5 hours (500.00) over at the end of
    March. The 5 hours bought on 15 April cover them from then on, not before: as of 31 March
    unbilled revenue and the review meeting owe 500.00 of overage (as
    ``QuoteToCash.unbilled_work`` of that day does), as of 30 April nothing."""
    acme, alw, r = ten_hours_for_acme(app)
    app.log_work(r, work("t1", date(2024, 3, 10), "15"), actor="bob")
    unbilled = followed(app, UnbilledRevenue())
    review = followed(app, ReviewMeeting())
    assert unbilled.customer_total(acme, "EUR", MARCH_END) == eur("500.00")

    app.top_up_allowance(alw, 5, topped_up_on=date(2024, 4, 15), reason="more hours", actor=A)
    followed(app, unbilled)
    followed(app, review)

    assert app.unbilled_work(r, MARCH_END) == eur("500.00")
    (over,) = unbilled.items(MARCH_END)
    assert (over.kind, over.hours, over.amount) == ("allowance_overage", 5, eur("500.00"))
    assert unbilled.customer_total(acme, "EUR", MARCH_END) == eur("500.00")
    assert [i.unbilled_overage for i in review.items(MARCH_END)] == [eur("500.00")]

    assert app.unbilled_work(r, APRIL_END) == eur(0)
    assert unbilled.items(APRIL_END) == []
    assert [i.unbilled_overage for i in review.items(APRIL_END)] == [eur(0)]


def test_work_before_the_allowance_was_granted_is_over_it_until_the_grant(
    app: QuoteToCash,
) -> None:
    """The 2024 hours were granted on 1 April, for the whole year: 4 hours worked on 10 March
    were over the allowance at the end of March (400.00, as the domain says of that day) and
    are covered from 1 April."""
    acme, _, r = ten_hours_for_acme(app, granted_on=date(2024, 4, 1))
    app.log_work(r, work("t1", date(2024, 3, 10), "4"), actor="bob")
    unbilled = followed(app, UnbilledRevenue())
    assert app.unbilled_work(r, MARCH_END) == eur("400.00")
    assert unbilled.customer_total(acme, "EUR", MARCH_END) == eur("400.00")
    assert app.unbilled_work(r, APRIL_END) == eur(0)
    assert unbilled.items(APRIL_END) == []
