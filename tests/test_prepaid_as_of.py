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
from q2c_core.projections import (
    PrepaidCreditUsage,
    ReviewMeeting,
    UnbilledRevenue,
    catch_up,
    rebuild,
)
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


def test_prepaid_usage_of_a_day_reads_the_allowance_as_it_stood_that_day(
    app: QuoteToCash,
) -> None:
    """10 hours granted in January, 3 worked on 10 March, 5 on 10 May, 2 bought on 15 May, and
    the allowance expired on 2 January 2025. The prepaid usage of 31 March reads 10 granted, 3
    drawn, 7 left and open, as the customer summary of that day does
    (``PrepaidAllowance.remaining_on``); of 31 May 12 granted, 8 drawn, 4 left; of 2 January
    2025 expired, the 4 left forfeited."""
    acme, alw, r = ten_hours_for_acme(app)
    app.log_work(r, work("t1", date(2024, 3, 10), "3"), actor="bob")
    app.log_work(r, work("t2", date(2024, 5, 10), "5"), actor="bob")
    app.top_up_allowance(alw, 2, topped_up_on=date(2024, 5, 15), reason="more hours", actor=A)
    app.expire_allowance(alw, expired_on=date(2025, 1, 2), actor=A)
    usage = followed(app, PrepaidCreditUsage())

    def read(day: date) -> tuple[object, ...]:
        (u,) = usage.usage(day)
        return (u.granted, u.drawn, u.remaining, u.overage, u.status, u.forfeited)

    assert read(MARCH_END) == (10, 3, 7, 0, "open", 0)
    assert app.customer_summary(acme, as_of=MARCH_END).prepaid_hours_left == 7
    assert read(date(2024, 5, 31)) == (12, 8, 4, 0, "open", 0)
    assert app.customer_summary(acme, as_of=date(2024, 5, 31)).prepaid_hours_left == 4
    assert read(date(2025, 1, 2)) == (12, 8, 0, 0, "expired", 4)
    assert app.customer_summary(acme, as_of=date(2025, 1, 2)).prepaid_hours_left == 0
    assert usage.hours_left(acme) == 0


def test_prepaid_usage_of_a_day_counts_only_the_overage_of_work_done_by_then(
    app: QuoteToCash,
) -> None:
    """12 hours worked on 10 March against 10 prepaid, 4 more on 10 May: the usage of 31 March
    shows 2 hours over, none of them billed yet; after the 5 hours topped up on 15 April, the
    31 March usage is still 10 granted, 10 drawn, nothing left, 2 over."""
    _, alw, r = ten_hours_for_acme(app)
    app.log_work(r, work("t1", date(2024, 3, 10), "12"), actor="bob")
    app.log_work(r, work("t2", date(2024, 5, 10), "4"), actor="bob")
    app.top_up_allowance(alw, 5, topped_up_on=date(2024, 4, 15), reason="more hours", actor=A)
    usage = followed(app, PrepaidCreditUsage())
    (march,) = usage.usage(MARCH_END)
    assert (march.granted, march.drawn, march.remaining, march.overage) == (10, 10, 0, 2)
    assert march.overage_billed == 0
    (may,) = usage.usage(date(2024, 5, 31))
    assert (may.granted, may.drawn, may.remaining, may.overage) == (15, 15, 0, 1)


def test_a_far_horizon_for_expiring_soon_is_answered_not_crashed_on(app: QuoteToCash) -> None:
    """Asked on 1 June which allowances expire within a billion days (or three million, past
    the calendar's end), the 2024 hours do, 10 left, as they do within 213 days (their last day
    is 31 December) and not within 212; asked within 30 days of 1 December 9999, none does
    (theirs ended long before)."""
    ten_hours_for_acme(app)
    usage = followed(app, PrepaidCreditUsage())
    june = date(2024, 6, 1)
    for days in (10**9, 3_000_000, 213):
        (u,) = usage.usage(june, expiring_within_days=days)
        assert (u.remaining, u.expiring_soon) == (10, True)
    (u,) = usage.usage(june, expiring_within_days=212)
    assert u.expiring_soon is False
    (u,) = usage.usage(date(9999, 12, 1), expiring_within_days=30)
    assert u.expiring_soon is False
