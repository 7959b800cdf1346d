"""A year's carry-over as it stood on each day: hours given back to it after the day asked
about, and hours topped up after the day it was carried over, count only from their own days.

Acme bought 10 prepaid hours for 2024 and used 6; the 4 left are carried into 2025."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from q2c_core import AllowanceUnit, CreditDisposition, Money, Period, QuoteToCash, TimeEntry
from q2c_core.domain.errors import InvalidTransition
from q2c_core.projections import (
    PrepaidCreditUsage,
    ReviewMeeting,
    UnbilledRevenue,
    catch_up,
    rebuild,
)
from q2c_core.projections.base import Projection

A = "bea"
Y2024 = Period(date(2024, 1, 1), date(2025, 1, 1))
Y2025 = Period(date(2025, 1, 1), date(2026, 1, 1))


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def acme_with_six_of_ten_hours_used(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme, its 10 hours for 2024, and a request they cover with 6 hours worked in March."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, period=Y2024, granted_on=date(2024, 1, 1),
        actor=A,
    )  # fmt: skip
    r = app.open_request(acme, "Tweaks", requested_on=date(2024, 1, 2), actor=A)
    app.estimate_request(r, hours=10, rate=eur(100), actor=A)
    app.cover_request_by_allowance(r, hours, actor=A)
    app.authorize_work(r, authorized_on=date(2024, 1, 2), actor=A)
    app.log_work(r, TimeEntry("t1", "bob", date(2024, 3, 10), Decimal(6), eur(100)), actor=A)
    return acme, hours, r


def approve(app: QuoteToCash, invoice: UUID, day: date) -> None:
    for role, who in (("billing", "bea"), ("account_manager", "mia")):
        app.approve_invoice(invoice, role=role, approved_on=day, actor=who)


def january_billed_at_its_rate(app: QuoteToCash, r: UUID, *, issue: bool) -> UUID:
    """3 hours worked on 2 January 2025, drafted at their rate (300.00) on 5 January, before
    the carry-over was recorded (the 2024 hours cannot take them); issued that day or not."""
    app.log_work(r, TimeEntry("t2", "bob", date(2025, 1, 2), Decimal(3), eur(100)), actor=A)
    invoice = app.draft_request_invoice(r, drafted_on=date(2025, 1, 5), actor=A)
    if issue:
        approve(app, invoice, date(2025, 1, 5))
        app.issue_invoice(invoice, issued_on=date(2025, 1, 5), actor=A)
    return invoice


def carry_over_on_10_january(app: QuoteToCash, hours: UUID) -> UUID:
    return app.roll_over_allowance(
        hours, new_period=Y2025, rolled_over_on=date(2025, 1, 10), actor=A
    )


def followed(app: QuoteToCash, projection: Projection) -> Projection:
    """Caught up, and agreeing row for row with one rebuilt from events."""
    catch_up(app, [projection])
    again = type(projection)()
    rebuild(app, [again])
    assert projection.rows() == again.rows()
    return projection


def hours_left(usage: PrepaidCreditUsage, day: date) -> Decimal:
    return sum((u.remaining for u in usage.usage(day) if u.unit == "hours"), Decimal(0))


def assert_read_models_agree(
    app: QuoteToCash, acme: UUID, days: list[date], invoicing_settled: date = date.min
) -> None:
    """Prepaid usage's hours left of each day are the customer summary's of that day, and so
    is unbilled revenue's total from ``invoicing_settled`` on (it counts invoicing as recorded
    now: on an earlier day an invoice held work it has given back since)."""
    usage = followed(app, PrepaidCreditUsage())
    unbilled = followed(app, UnbilledRevenue())
    followed(app, ReviewMeeting())
    assert isinstance(usage, PrepaidCreditUsage) and isinstance(unbilled, UnbilledRevenue)
    for day in days:
        summary = app.customer_summary(acme, as_of=day)
        assert hours_left(usage, day) == summary.prepaid_hours_left, day
        if day >= invoicing_settled:
            assert unbilled.customer_total(acme, "EUR", day) == summary.unbilled_work, day


def assert_rebuilt_before_agree(
    app: QuoteToCash, acme: UUID, t: datetime, days: list[date]
) -> None:
    """Rebuilt from the events recorded up to ``t``, the read models say of each day (after
    the draft, which they count as recorded then) what the customer summary says of it now."""
    usage, unbilled = PrepaidCreditUsage(), UnbilledRevenue()
    rebuild(app, [usage, unbilled], as_of=t)
    for day in days:
        summary = app.customer_summary(acme, as_of=day)
        assert hours_left(usage, day) == summary.prepaid_hours_left, day
        assert unbilled.customer_total(acme, "EUR", day) == summary.unbilled_work, day


# -- hours given back after the day asked about ----------------------------------------------


def test_january_credited_after_the_carry_over_draws_the_carried_hours_only_from_the_credit(
    app: QuoteToCash,
) -> None:
    """January's 3 hours billed at 300.00 on 5 January; the carry-over of the 4 hours left
    recorded for 10 January; on 20 January the invoice is credited re-billable and the 3 hours
    draw the carried ones. On 7 January and on 15 January the invoice billed them (300.00)
    and nothing of them was unbilled; on 15 January the 4 carried hours were all left. From 20
    January 1 hour is left and nothing is owed."""
    acme, hours, r = acme_with_six_of_ten_hours_used(app)
    invoice = january_billed_at_its_rate(app, r, issue=True)
    carry_over_on_10_january(app, hours)
    before_the_credit = datetime.now(UTC)
    time.sleep(0.002)
    (line,) = app.invoice(invoice).lines
    note = app.draft_credit_note(
        invoice, line_ids=[line.line_id], disposition=CreditDisposition.REBILLABLE,
        reason="should have drawn the carried hours", drafted_on=date(2025, 1, 20), actor=A,
    )  # fmt: skip
    approve(app, note, date(2025, 1, 20))
    app.issue_invoice(note, issued_on=date(2025, 1, 20), actor=A)

    seventh = app.customer_summary(acme, as_of=date(2025, 1, 7))
    assert (seventh.invoiced, seventh.unbilled_work) == (eur("300.00"), eur("0.00"))
    fifteenth = app.customer_summary(acme, as_of=date(2025, 1, 15))
    assert (fifteenth.invoiced, fifteenth.unbilled_work) == (eur("300.00"), eur("0.00"))
    assert fifteenth.prepaid_hours_left == 4
    assert app.unbilled_work(r, date(2025, 1, 15)) == eur("0.00")
    twentieth = app.customer_summary(acme, as_of=date(2025, 1, 20))
    assert (twentieth.invoiced, twentieth.unbilled_work) == (eur("0.00"), eur("0.00"))
    assert twentieth.prepaid_hours_left == 1
    assert app.customer_summary(acme).prepaid_hours_left == 1
    assert app.unbilled_work(r) == eur("0.00")
    usage = followed(app, PrepaidCreditUsage())
    assert isinstance(usage, PrepaidCreditUsage)
    assert hours_left(usage, date(2025, 1, 15)) == 4
    assert hours_left(usage, date(2025, 1, 20)) == 1
    days = [date(2025, 1, d) for d in (4, 7, 10, 15, 20, 31)]
    assert_read_models_agree(app, acme, days, invoicing_settled=date(2025, 1, 20))
    assert_rebuilt_before_agree(app, acme, before_the_credit, days[1:4])


def test_january_voided_after_the_carry_over_draws_the_carried_hours_only_from_the_void(
    app: QuoteToCash,
) -> None:
    """The same January draft (300.00 on 5 January) voided on 15 January, after the carry-over
    recorded for 10 January: until the void the draft held the 3 hours (nothing unbilled on 7
    January, the 2024 hours still open; 4 carried hours left on 12 January); from the void
    they draw the carried hours (1 left). On 4 January, before the draft, they were unbilled
    work at their rate."""
    acme, hours, r = acme_with_six_of_ten_hours_used(app)
    draft = january_billed_at_its_rate(app, r, issue=False)
    carry_over_on_10_january(app, hours)
    before_the_void = datetime.now(UTC)
    time.sleep(0.002)
    app.void_invoice(draft, reason="redo", actor=A, voided_on=date(2025, 1, 15))

    fourth = app.customer_summary(acme, as_of=date(2025, 1, 4))
    assert (fourth.unbilled_work, fourth.prepaid_hours_left) == (eur("300.00"), 4)
    for day, unbilled, left in (
        (date(2025, 1, 7), "0.00", 4),
        (date(2025, 1, 12), "0.00", 4),
        (date(2025, 1, 15), "0.00", 1),
    ):
        summary = app.customer_summary(acme, as_of=day)
        assert (summary.unbilled_work, summary.prepaid_hours_left) == (eur(unbilled), left), day
    assert app.unbilled_work(r, date(2025, 1, 12)) == eur("0.00")
    days = [date(2025, 1, d) for d in (4, 7, 10, 12, 15, 31)]
    assert_read_models_agree(app, acme, days, invoicing_settled=date(2025, 1, 15))
    assert_rebuilt_before_agree(app, acme, before_the_void, days[1:4])


def test_the_day_given_back_is_kept_when_the_books_are_opened_again(tmp_path: Path) -> None:
    """Recorded in a SQLite file and opened again, the carried hours of 12 January are still
    4, and 1 from the void on 15 January."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    app = QuoteToCash.open(url)
    acme, hours, r = acme_with_six_of_ten_hours_used(app)
    draft = january_billed_at_its_rate(app, r, issue=False)
    carry_over_on_10_january(app, hours)
    app.void_invoice(draft, reason="redo", actor=A, voided_on=date(2025, 1, 15))
    app.close()

    again = QuoteToCash.open(url)
    try:
        assert again.customer_summary(acme, as_of=date(2025, 1, 12)).prepaid_hours_left == 4
        assert again.customer_summary(acme, as_of=date(2025, 1, 15)).prepaid_hours_left == 1
        assert again.customer_summary(acme, as_of=date(2025, 1, 12)).unbilled_work == eur(0)
    finally:
        again.close()


# -- hours topped up after the carry-over's day ----------------------------------------------


def test_hours_bought_after_the_carry_over_day_are_carried_from_the_day_they_were_bought(
    app: QuoteToCash,
) -> None:
    """5 more hours bought on 1 February 2025 and recorded on the 2024 allowance, before the
    carry-over of 10 January was recorded: on 10 January the 4 hours left are carried; the 5
    follow into 2025 from 1 February (bought then, not forfeited). 15 January: 4 hours left;
    2 February: 9."""
    acme, hours, _ = acme_with_six_of_ten_hours_used(app)
    app.top_up_allowance(hours, 5, topped_up_on=date(2025, 2, 1), reason="bought", actor=A)
    new = carry_over_on_10_january(app, hours)

    assert app.customer_summary(acme, as_of=date(2024, 12, 31)).prepaid_hours_left == 4
    assert app.customer_summary(acme, as_of=date(2025, 1, 15)).prepaid_hours_left == 4
    assert app.customer_summary(acme, as_of=date(2025, 2, 2)).prepaid_hours_left == 9
    assert app.customer_summary(acme).prepaid_hours_left == 9
    old = app.allowance(hours)
    assert (old.rolled_over_quantity, old.forfeited) == (9, 0)
    carried = app.allowance(new)
    assert carried.granted_by(date(2025, 1, 10)) == 4
    assert carried.granted == 9
    usage = followed(app, PrepaidCreditUsage())
    assert isinstance(usage, PrepaidCreditUsage)
    assert hours_left(usage, date(2025, 1, 15)) == 4
    assert hours_left(usage, date(2025, 2, 2)) == 9
    assert_read_models_agree(app, acme, [date(2025, 1, 15), date(2025, 2, 2)])


def test_carrying_more_than_was_left_on_the_carry_over_day_is_refused(app: QuoteToCash) -> None:
    """Asked to carry 6 hours on 10 January, when 4 were left then (the 5 bought on 1 February
    were not there yet): refused naming quantity, nothing recorded."""
    _, hours, _ = acme_with_six_of_ten_hours_used(app)
    app.top_up_allowance(hours, 5, topped_up_on=date(2025, 2, 1), reason="bought", actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(Exception) as refused:
        app.roll_over_allowance(
            hours, new_period=Y2025, rolled_over_on=date(2025, 1, 10), actor=A, quantity=6
        )
    assert getattr(refused.value, "field", None) == "quantity"
    assert app.recorder.max_notification_id() == before
    assert app.allowance(hours).rolled_over_to is None


def test_hours_bought_after_the_day_that_cover_the_old_years_overage_refuse_the_carry_over(
    app: QuoteToCash,
) -> None:
    """12 hours worked in 2024 on 10 prepaid, 5 bought on 1 February 2025: 2 of them cover
    2024's overage from 1 February. A carry-over dated 10 January would have them cover it
    before they were bought: refused naming rolled_over_on, nothing recorded. Dated 1 February
    it carries the 3 left."""
    acme, hours, r = acme_with_six_of_ten_hours_used(app)
    app.log_work(r, TimeEntry("t3", "bob", date(2024, 6, 1), Decimal(6), eur(100)), actor=A)
    app.top_up_allowance(hours, 5, topped_up_on=date(2025, 2, 1), reason="bought", actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition) as refused:
        carry_over_on_10_january(app, hours)
    assert refused.value.field == "rolled_over_on"
    assert app.recorder.max_notification_id() == before
    new = app.roll_over_allowance(hours, new_period=Y2025, rolled_over_on=date(2025, 2, 1), actor=A)
    assert app.allowance(new).granted == 3
    assert app.customer_summary(acme, as_of=date(2025, 2, 1)).prepaid_hours_left == 3


def test_an_expiry_before_hours_were_bought_is_refused(app: QuoteToCash) -> None:
    """The 5 hours bought on 1 February cannot be forfeited by an expiry dated 10 January,
    before they were bought: refused naming expired_on, nothing recorded; on 1 February the
    9 hours left are forfeited."""
    _, hours, _ = acme_with_six_of_ten_hours_used(app)
    app.top_up_allowance(hours, 5, topped_up_on=date(2025, 2, 1), reason="bought", actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition) as refused:
        app.expire_allowance(hours, expired_on=date(2025, 1, 10), actor=A)
    assert refused.value.field == "expired_on"
    assert app.recorder.max_notification_id() == before
    app.expire_allowance(hours, expired_on=date(2025, 2, 1), actor=A)
    assert app.allowance(hours).forfeited == 9
