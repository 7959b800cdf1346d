"""What left a year's allowance on its carry-over, as it stood on each day: hours bought
after the carry-over's day (recorded on the old allowance before the carry-over was) leave it
from the day they were bought, as they reach the new allowance.

Acme bought 10 prepaid hours for 2024 and used 6. On 1 February 2025 it bought 5 more,
recorded on the 2024 allowance; then the carry-over was recorded for 10 January: the 4 left
that day are carried, and the 5 follow as a top-up of the 2025 allowance dated 1 February."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_prepaid_carry_over_days import acme_with_six_of_ten_hours_used

from q2c_core import AllowanceUnit, Money, Period, Q2CError, QuoteToCash, TimeEntry
from q2c_core.projections import AllowanceUsage, PrepaidCreditUsage, catch_up, rebuild

A = "bea"
Y2024 = Period(date(2024, 1, 1), date(2025, 1, 1))
Y2025 = Period(date(2025, 1, 1), date(2026, 1, 1))
DAYS = [
    date(2024, 12, 31),
    date(2025, 1, 9),
    date(2025, 1, 10),
    date(2025, 1, 15),
    date(2025, 1, 31),
    date(2025, 2, 1),
    date(2025, 3, 1),
]


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def five_hours_bought_after_the_carry_over(app: QuoteToCash) -> tuple[UUID, UUID]:
    """The 2024 allowance (10 hours, 6 used, 5 bought on 1 February 2025) and the 2025
    allowance it was carried into on 10 January 2025."""
    _, hours, _ = acme_with_six_of_ten_hours_used(app)
    app.top_up_allowance(hours, 5, topped_up_on=date(2025, 2, 1), reason="bought", actor=A)
    new = app.roll_over_allowance(
        hours, new_period=Y2025, rolled_over_on=date(2025, 1, 10), actor=A
    )
    return hours, new


def granted_then(
    rows: dict[str, AllowanceUsage], new: UUID, granted_on: date, day: date
) -> Decimal:
    """What the allowance carried into had on ``day``: its row from the day it was granted
    (listed only from then), nothing before (not listed: it did not exist yet)."""
    assert (new.hex in rows) is (day >= granted_on), day
    return rows[new.hex].granted if new.hex in rows else Decimal(0)


@pytest.fixture
def app(tmp_path: Path) -> QuoteToCash:
    return QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.sqlite'}")


def test_the_old_row_rolls_over_what_the_new_allowance_had_that_day(app: QuoteToCash) -> None:
    hours, new = five_hours_bought_after_the_carry_over(app)
    usage = PrepaidCreditUsage()
    catch_up(app, [usage])

    rows = {u.allowance_id: u for u in usage.usage(date(2025, 1, 15))}
    old_row, new_row = rows[hours.hex], rows[new.hex]
    assert (old_row.granted, old_row.drawn, old_row.rolled_over, old_row.forfeited) == (
        Decimal(10),
        Decimal(6),
        Decimal(4),
        Decimal(0),
    )
    assert new_row.granted == Decimal(4)

    rows = {u.allowance_id: u for u in usage.usage(date(2025, 2, 1))}
    old_row, new_row = rows[hours.hex], rows[new.hex]
    assert (old_row.granted, old_row.rolled_over, old_row.forfeited) == (
        Decimal(15),
        Decimal(9),
        Decimal(0),
    )
    assert new_row.granted == Decimal(9)


def test_on_every_day_out_of_the_old_is_into_the_new_and_the_row_adds_up(
    app: QuoteToCash,
) -> None:
    hours, new = five_hours_bought_after_the_carry_over(app)
    usage = PrepaidCreditUsage()
    catch_up(app, [usage])
    again = PrepaidCreditUsage()
    rebuild(app, [again])
    assert usage.rows() == again.rows()

    for day in DAYS:
        rows = {u.allowance_id: u for u in usage.usage(day)}
        old_row = rows[hours.hex]
        assert old_row.rolled_over == granted_then(rows, new, app.allowance(new).granted_on, day)
        if old_row.status == "rolled_over":
            assert old_row.granted - old_row.drawn == old_row.rolled_over + old_row.forfeited
        assert rows == {u.allowance_id: u for u in again.usage(day)}


def test_the_allowance_says_what_it_had_rolled_over_by_a_day(app: QuoteToCash) -> None:
    hours, new = five_hours_bought_after_the_carry_over(app)
    old, carried_into = app.allowance(hours), app.allowance(new)

    assert old.rolled_over_quantity == Decimal(9)  # (as recorded: all that ever left it)
    assert old.rolled_over_by(date(2025, 1, 9)) == Decimal(0)
    assert old.rolled_over_by(date(2025, 1, 10)) == Decimal(4)
    assert old.rolled_over_by(date(2025, 1, 31)) == Decimal(4)
    assert old.rolled_over_by(date(2025, 2, 1)) == Decimal(9)
    for day in DAYS:
        assert old.rolled_over_by(day) == carried_into.granted_by(day), day


def test_a_carry_over_with_nothing_bought_later_reads_as_before(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, period=Y2024, granted_on=date(2024, 1, 1),
        actor=A,
    )  # fmt: skip
    app.top_up_allowance(hours, 2, topped_up_on=date(2024, 6, 1), reason="bought", actor=A)
    new = app.roll_over_allowance(
        hours, new_period=Y2025, rolled_over_on=date(2025, 1, 10), quantity=8, actor=A
    )
    old = app.allowance(hours)
    assert old.rolled_over_by(date(2025, 1, 9)) == Decimal(0)
    assert old.rolled_over_by(date(2025, 1, 10)) == Decimal(8) == old.rolled_over_quantity
    usage = PrepaidCreditUsage()
    catch_up(app, [usage])
    rows = {u.allowance_id: u for u in usage.usage(date(2025, 1, 15))}
    assert (rows[hours.hex].granted, rows[hours.hex].rolled_over, rows[hours.hex].forfeited) == (
        Decimal(12),
        Decimal(8),
        Decimal(4),
    )
    assert rows[new.hex].granted == Decimal(8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    worked=st.integers(0, 14),
    top_ups=st.lists(st.tuples(st.integers(1, 5), st.integers(-30, 60)), max_size=4),
    roll_day=st.integers(0, 30),
    part=st.integers(0, 4),
    extra=st.integers(0, 3),
)
def test_whatever_was_bought_when_the_rows_add_up_on_every_day(
    worked: int, top_ups: list[tuple[int, int]], roll_day: int, part: int, extra: int
) -> None:
    """Any work, top-ups dated before or after the carry-over's day, part or all of what was
    left carried, with an extra grant: on every day what left the old allowance is what the
    new one had of it, and the old row adds up (granted - drawn = rolled over + forfeited)."""
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, period=Y2024, granted_on=date(2024, 1, 1),
        actor=A,
    )  # fmt: skip
    r = app.open_request(acme, "Tweaks", requested_on=date(2024, 1, 2), actor=A)
    app.estimate_request(r, hours=30, rate=eur(100), actor=A)
    app.cover_request_by_allowance(r, hours, actor=A)
    app.authorize_work(r, authorized_on=date(2024, 1, 2), actor=A)
    if worked:
        entry = TimeEntry("t1", "bob", date(2024, 3, 10), Decimal(worked), eur(100))
        app.log_work(r, entry, actor=A)
    for quantity, offset in top_ups:
        on = Y2024.end + timedelta(days=offset)
        app.top_up_allowance(hours, quantity, topped_up_on=on, reason="bought", actor=A)
    rolled_on = Y2024.end + timedelta(days=roll_day)
    left = app.allowance(hours).left_on(rolled_on)
    try:
        new = app.roll_over_allowance(
            hours, new_period=Y2025, rolled_over_on=rolled_on, actor=A,
            quantity=max(Decimal(0), left - part), extra=extra,
        )  # fmt: skip
    except Q2CError:  # (later top-ups covering 2024's work: refused, recording nothing)
        assume(False)
        return
    old, carried_into = app.allowance(hours), app.allowance(new)
    usage = PrepaidCreditUsage()
    catch_up(app, [usage])
    for offset in range(-2, 62):
        day = Y2024.end + timedelta(days=offset)
        rows = {u.allowance_id: u for u in usage.usage(day)}
        old_row = rows[hours.hex]
        new_granted = granted_then(rows, new, carried_into.granted_on, day)
        more = Decimal(extra) if day >= rolled_on else Decimal(0)
        assert old_row.rolled_over == old.rolled_over_by(day) == new_granted - more, day
        assert carried_into.granted_by(day) == new_granted, day
        if day >= rolled_on:
            assert old_row.granted - old_row.drawn == old_row.rolled_over + old_row.forfeited
    assert old.rolled_over_by(date.max) == old.rolled_over_quantity
