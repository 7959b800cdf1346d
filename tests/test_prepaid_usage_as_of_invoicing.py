"""Prepaid usage as of a day reads overage invoicing by its days, as the domain does: an invoice
holds the overage it bills from the day it was drafted until the day it was voided, and a
re-billable credit note gives it back from its own day. So a past day's drawn, remaining and
overage billed do not change when a void is recorded later, and ``PrepaidCreditUsage`` and
``QuoteToCash.customer_summary(c, as_of=day).prepaid_hours_left`` agree on every day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from test_projections_story import eur
from test_unbilled_as_of_invoicing import DAY0, OPS, History

from q2c_core import AllowanceUnit, Period, QuoteToCash, TimeEntry
from q2c_core.projections import PrepaidCreditUsage, catch_up, rebuild

A = "alice"
Usage = tuple[Decimal, Decimal, Decimal, Decimal]


def usage_of(app: QuoteToCash, day: date) -> Usage:
    """(granted, drawn, remaining, overage billed) of the one allowance on ``day``, followed
    and rebuilt alike."""
    followed = PrepaidCreditUsage()
    catch_up(app, [followed], page_size=3)
    rebuilt = PrepaidCreditUsage()
    rebuild(app, [rebuilt])
    assert followed.rows() == rebuilt.rows()
    (u,) = followed.usage(day)
    assert followed.usage(day) == rebuilt.usage(day)
    return u.granted, u.drawn, u.remaining, u.overage_billed


def test_a_void_recorded_later_leaves_the_days_the_overage_was_billed_as_they_were(
    tmp_path: Any,
) -> None:
    """Acme has 10 prepaid hours from 1 January; 12 hours of tweaks are worked on 10 March and
    their 2 hours beyond are invoiced on a draft of 15 March; 5 more hours, bought on 12 March,
    are recorded after the draft. On 20 March the draft held the 2 hours: 10 drawn, 5 left.
    The draft is voided on 10 April, recorded later: 20 March reads as it did, and from 10
    April the 12 hours draw on the 15 granted, 3 left. On 14 March, before the draft, the 12
    hours drew on what was granted: 3 left, as the domain says."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path}/acme.db")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=10,
        period=Period(date(2024, 1, 1), date(2025, 1, 1)),
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    tweaks = app.open_request(acme, "Tweaks", requested_on=date(2024, 3, 1), actor=A)
    app.estimate_request(tweaks, hours=10, rate=eur(100), actor=A)
    app.cover_request_by_allowance(tweaks, hours, actor=A)
    app.authorize_work(tweaks, authorized_on=date(2024, 3, 1), actor=A)
    entry = TimeEntry("t1", "bob", date(2024, 3, 10), Decimal(12), eur(100))
    app.log_work(tweaks, entry, actor="bob")
    app.complete_request(tweaks, completed_on=date(2024, 3, 14), actor=A)
    draft = app.draft_request_invoice(tweaks, drafted_on=date(2024, 3, 15), actor=A)
    app.top_up_allowance(hours, 5, topped_up_on=date(2024, 3, 12), reason="more", actor=A)

    def left(day: date) -> Decimal:
        return app.customer_summary(acme, as_of=day).prepaid_hours_left

    march_20 = (Decimal(15), Decimal(10), Decimal(5), Decimal(2))
    assert usage_of(app, date(2024, 3, 20)) == march_20
    assert left(date(2024, 3, 20)) == Decimal(5)
    assert usage_of(app, date(2024, 3, 14)) == (Decimal(15), Decimal(12), Decimal(3), Decimal(0))
    assert left(date(2024, 3, 14)) == Decimal(3)

    app.void_invoice(draft, reason="wrong", actor=A, voided_on=date(2024, 4, 10))
    assert usage_of(app, date(2024, 3, 20)) == march_20
    assert left(date(2024, 3, 20)) == Decimal(5)
    after = (Decimal(15), Decimal(12), Decimal(3), Decimal(0))
    assert usage_of(app, date(2024, 4, 10)) == after
    assert left(date(2024, 4, 10)) == Decimal(3)
    app.close()


def read(history: History, upto: date) -> dict[tuple[date, str], tuple[Any, ...]]:
    """Every allowance's usage on every day up to ``upto``; the hours allowance's remaining
    checked against the domain's reading of each day."""
    usage = PrepaidCreditUsage()
    rebuild(history.app, [usage])
    said: dict[tuple[date, str], tuple[Any, ...]] = {}
    day = DAY0
    while day <= upto:
        rows = usage.usage(day)
        for c in history.customers:
            left = sum(
                (u.remaining for u in rows if u.customer_id == c.hex and u.unit == "hours"),
                Decimal(0),
            )
            assert left == history.app.customer_summary(c, as_of=day).prepaid_hours_left, (day, c)
        for u in rows:
            said[(day, u.allowance_id)] = (u.granted, u.drawn, u.remaining, u.overage_billed)
        day += timedelta(days=1)
    return said


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=OPS, after=OPS)
def test_prepaid_usage_of_every_day_is_the_domains_and_later_events_leave_it(
    tmp_path_factory: Any, before: list[tuple[int, int, int]], after: list[tuple[int, int, int]]
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path_factory.mktemp('h')}/h.db")
    history = History(app)
    for op in before:
        history.run(*op)
    then = history.day
    said = read(history, then)
    for op in after:
        history.run(*op)
    assert read(history, then) == said
    app.close()
