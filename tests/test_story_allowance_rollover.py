"""The story of prepaid hours carried into the next year: a year's allowance covers an ongoing
request; at the year's end what is left is rolled over into next year's allowance; the request's
work in the new year draws the carried hours (on the new allowance, where the charge is
recorded), while work dated in the old year stays with the old, closed allowance and is billed
at its rate. The reports say the same as the allowances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from q2c_core import (
    AllowanceUnit,
    Money,
    Period,
    QuoteToCash,
    RequestStatus,
    TimeEntry,
    charge_key,
)
from q2c_core.projections import (
    PrepaidCreditUsage,
    UnbilledRevenue,
    all_projections,
    catch_up,
    rebuild,
)

A = "bea"
Y2024 = Period(date(2024, 1, 1), date(2025, 1, 1))
Y2025 = Period(date(2025, 1, 1), date(2026, 1, 1))
Y2026 = Period(date(2026, 1, 1), date(2027, 1, 1))
DAY = date(2026, 12, 31)  # the reports' day: after all the work


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def dana(entry_id: str, day: date, hours: str) -> TimeEntry:
    return TimeEntry(entry_id, "dana", day, Decimal(hours), eur(100))


def ongoing_tweaks(app: QuoteToCash) -> tuple[UUID, UUID, UUID]:
    """Acme prepaid 40 hours for 2024; its "Ongoing tweaks" request is covered by them and
    took 10 hours in December. Returns (customer, 2024 allowance, request)."""
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    y2024 = app.grant_allowance(
        acme,
        unit=AllowanceUnit.HOURS,
        quantity=40,
        period=Y2024,
        granted_on=date(2024, 1, 1),
        actor=A,
    )
    tweaks = app.open_request(acme, "Ongoing tweaks", requested_on=date(2024, 11, 1), actor="pete")
    app.estimate_request(tweaks, hours=60, rate=eur(100), actor="pete")
    app.cover_request_by_allowance(tweaks, y2024, actor=A)
    app.authorize_work(tweaks, authorized_on=date(2024, 11, 1), actor="pete")
    app.log_work(tweaks, dana("t1", date(2024, 12, 2), "10"), actor="dana")
    return acme, y2024, tweaks


def roll_over(app: QuoteToCash, allowance: UUID, period: Period) -> UUID:
    """Carry everything left into the next year's allowance, on the new year's first day."""
    return app.roll_over_allowance(
        allowance, new_period=period, rolled_over_on=period.start, actor=A
    )


def reports_agree(app: QuoteToCash) -> tuple[UnbilledRevenue, PrepaidCreditUsage]:
    """The unbilled and prepaid reports, followed as the history was recorded; they hold what a
    rebuild from an empty start holds."""
    live = [UnbilledRevenue(), PrepaidCreditUsage()]
    catch_up(app, live)
    again = [UnbilledRevenue(), PrepaidCreditUsage()]
    rebuild(app, again)
    for followed, rebuilt in zip(live, again, strict=True):
        assert followed.rows() == rebuilt.rows(), followed.name
    unbilled, usage = live
    assert isinstance(unbilled, UnbilledRevenue) and isinstance(usage, PrepaidCreditUsage)
    return unbilled, usage


def usage_of(usage: PrepaidCreditUsage, allowance: UUID) -> tuple[Decimal, Decimal, Decimal]:
    """(drawn, remaining, overage) of one allowance, as the prepaid report shows it."""
    (found,) = [u for u in usage.usage(DAY) if u.allowance_id == allowance.hex]
    return found.drawn, found.remaining, found.overage


def test_the_hours_carried_into_the_new_year_cover_the_new_years_work(app: QuoteToCash) -> None:
    _, y2024, tweaks = ongoing_tweaks(app)
    y2025 = roll_over(app, y2024, Y2025)
    assert app.allowance(y2025).granted == 30  # the 30 hours Acme paid for and did not use

    app.log_work(tweaks, dana("t2", date(2025, 1, 8), "10"), actor="dana")

    # drawn from 2025's allowance, recorded there; 2024's is closed as it was
    new, old = app.allowance(y2025), app.allowance(y2024)
    assert (new.consumed, new.remaining, new.overage) == (10, 20, 0)
    assert [c.key for c in new.charges] == [charge_key(tweaks, "t2")]
    assert (old.consumed, old.charged) == (10, 10)
    assert app.unbilled_work(tweaks) == eur(0)
    buckets = {b.entry_id: b for b in app.work_buckets(tweaks)}
    assert (buckets["t2"].covered, buckets["t2"].unbilled) == (10, 0)
    unbilled, usage = reports_agree(app)
    assert [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex] == []
    assert usage_of(usage, y2025) == (10, 20, 0)
    assert usage_of(usage, y2024) == (10, 0, 0)

    # 25 hours more in March: 20 are still carried over, 5 are billed beyond them
    app.log_work(tweaks, dana("t3", date(2025, 3, 3), "16"), actor="dana")
    app.log_work(tweaks, dana("t4", date(2025, 3, 4), "9"), actor="dana")
    assert app.unbilled_work(tweaks) == eur(500)
    unbilled, usage = reports_agree(app)
    (beyond,) = [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex]
    assert (beyond.kind, beyond.item_id, beyond.hours, beyond.amount) == (
        "allowance_overage",
        "t4",
        5,
        eur(500),
    )
    assert usage_of(usage, y2025) == (30, 0, 5)
    app.complete_request(tweaks, completed_on=date(2025, 3, 31), actor="pete")
    invoice = app.invoice(
        app.draft_request_invoice(tweaks, drafted_on=date(2025, 3, 31), actor="pete")
    )
    (line,) = invoice.lines
    assert (line.quantity, line.net) == (5, eur(500))
    assert line.source is not None and line.source.allowance_id == y2025
    assert app.allowance(y2025).billed_overage == {charge_key(tweaks, "t4"): Decimal(5)}
    assert app.request(tweaks).status is RequestStatus.INVOICED
    assert app.unbilled_work(tweaks) == eur(0)
    unbilled, usage = reports_agree(app)
    assert [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex] == []


def test_a_late_december_timesheet_stays_with_the_closed_year(app: QuoteToCash) -> None:
    """Work done in December 2024, logged after the roll-over: 2024's hours were carried over
    (or forfeited) and 2025's are for 2025's work, so it is billed at its rate, never lost."""
    _, y2024, tweaks = ongoing_tweaks(app)
    y2025 = roll_over(app, y2024, Y2025)
    app.log_work(tweaks, dana("late", date(2024, 12, 20), "3"), actor="dana")
    assert app.allowance(y2025).charges == [] and app.allowance(y2024).charged == 10
    assert app.unbilled_work(tweaks) == eur(300)
    unbilled, _ = reports_agree(app)
    (late,) = [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex]
    assert (late.kind, late.item_id, late.amount) == ("work", "late", eur(300))


def test_january_work_logged_before_a_late_roll_over_draws_the_carried_hours(
    app: QuoteToCash,
) -> None:
    """The carry-over is recorded on 15 January, after a week of January was logged: that week
    draws the carried hours as if the roll-over had come first. An hour already invoiced at its
    rate stays invoiced as it is."""
    acme, y2024, tweaks = ongoing_tweaks(app)
    app.log_work(tweaks, dana("jan6", date(2025, 1, 6), "1"), actor="dana")
    app.complete_request(tweaks, completed_on=date(2025, 1, 6), actor="pete")
    billed = app.draft_request_invoice(tweaks, drafted_on=date(2025, 1, 6), actor="pete")
    assert app.invoice(billed).net == eur(100)
    other = app.open_request(acme, "Report tweaks", requested_on=date(2024, 12, 1), actor="pete")
    app.estimate_request(other, hours=8, rate=eur(100), actor="pete")
    app.cover_request_by_allowance(other, y2024, actor=A)
    app.authorize_work(other, authorized_on=date(2024, 12, 1), actor="pete")
    app.log_work(other, dana("jan8", date(2025, 1, 8), "6"), actor="dana")
    assert app.unbilled_work(other) == eur(600)  # nothing to draw yet: 2024 is over

    y2025 = app.roll_over_allowance(
        y2024, new_period=Y2025, rolled_over_on=date(2025, 1, 15), actor=A
    )

    new = app.allowance(y2025)
    assert [c.key for c in new.charges] == [charge_key(other, "jan8")]
    assert (new.granted, new.consumed, new.remaining) == (30, 6, 24)
    assert app.unbilled_work(other) == eur(0)
    assert app.invoice(billed).net == eur(100) and app.unbilled_work(tweaks) == eur(0)
    unbilled, usage = reports_agree(app)
    assert [i for i in unbilled.items(DAY) if i.customer_id == acme.hex] == []
    assert usage_of(usage, y2025) == (6, 24, 0)


def test_hours_carried_twice_follow_the_request_into_the_third_year(app: QuoteToCash) -> None:
    """2024's allowance rolled into 2025's, and that into 2026's: work in 2026 on the request
    2024's allowance covers draws 2026's hours."""
    _, y2024, tweaks = ongoing_tweaks(app)
    y2025 = roll_over(app, y2024, Y2025)
    app.log_work(tweaks, dana("t2", date(2025, 6, 2), "20"), actor="dana")
    y2026 = roll_over(app, y2025, Y2026)
    assert app.allowance(y2026).granted == 10
    app.log_work(tweaks, dana("t3", date(2026, 2, 2), "12"), actor="dana")
    assert [c.key for c in app.allowance(y2026).charges] == [charge_key(tweaks, "t3")]
    assert app.unbilled_work(tweaks) == eur(200)
    unbilled, usage = reports_agree(app)
    (beyond,) = [i for i in unbilled.items(DAY) if i.request_id == tweaks.hex]
    assert (beyond.kind, beyond.item_id, beyond.amount) == ("allowance_overage", "t3", eur(200))
    assert usage_of(usage, y2026) == (10, 0, 2)
    assert [u.drawn for u in usage.usage(DAY)] == [10, 20, 10]
    for followed, rebuilt in zip(all_projections(), all_projections(), strict=True):
        catch_up(app, [followed])
        rebuild(app, [rebuilt])
        assert followed.rows() == rebuilt.rows(), followed.name
