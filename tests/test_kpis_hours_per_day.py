"""The practice lead reads March's utilisation at a working day of a given number of hours.

Bob logs 8 hours on 4 March; March 2024 has 21 working days. ``hours_per_day=True`` was taken as
one hour a day (21 hours available, 38.1 %), ``Decimal("NaN")`` crashed with an untyped
``decimal.InvalidOperation``, and a whole number gave an ``int`` where the hours available are a
Decimal. Now a bool, NaN, an infinity or a float is refused with ``InvalidValue`` naming
``hours_per_day``; 8 and ``Decimal("7.5")`` give Decimal hours. A period of two datetimes (a
time of day) is refused naming ``period`` instead of a ``TypeError`` from inside.

``Decimal("1E-30")`` passed the check (more than 0, at most 24) and the percentage of 8 hours
over 21 x 1E-30 hours crashed with an untyped ``decimal.InvalidOperation``; ``Decimal("1E-24")``
read a utilisation of 36,363,636,363,636,363,636,363,636.4 %. A working day of less than a
hundredth of an hour (36 seconds, the least a time entry holds) is no working day: it is refused
naming ``hours_per_day``; a hundredth of an hour itself is read.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from test_projections_story import authorized_request, work

from q2c_core import InvalidValue, Period, QuoteToCash
from q2c_core.projections import Kpis, catch_up

A = "alice"
MARCH = Period(date(2024, 3, 1), date(2024, 4, 1))


@pytest.fixture(scope="module")
def kpis() -> Kpis:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    export = authorized_request(app, acme, "Export", date(2024, 3, 1))
    app.log_work(export, work("t1", date(2024, 3, 4), "8"), actor=A)
    book = Kpis()
    catch_up(app, [book])
    return book


@pytest.mark.parametrize(
    "hours_per_day",
    [
        True,
        False,
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        7.5,
        8.0,
        "8",
        None,
        Decimal(0),
        Decimal("-8"),
        Decimal("24.01"),
        25,
    ],
)
def test_a_working_day_that_is_no_number_of_hours_is_refused(
    kpis: Kpis, hours_per_day: Any
) -> None:
    with pytest.raises(InvalidValue) as refused:
        kpis.utilisation(MARCH, hours_per_day=hours_per_day)
    assert refused.value.field == "hours_per_day"


@pytest.mark.parametrize(
    ("hours_per_day", "available", "percent"),
    [
        (8, Decimal(168), Decimal("4.8")),
        (Decimal(8), Decimal(168), Decimal("4.8")),
        (Decimal("7.5"), Decimal("157.5"), Decimal("5.1")),
        (24, Decimal(504), Decimal("1.6")),
    ],
)
def test_the_hours_available_are_working_days_times_the_working_day(
    kpis: Kpis, hours_per_day: Any, available: Decimal, percent: Decimal
) -> None:
    [bob] = kpis.utilisation(MARCH, hours_per_day=hours_per_day)
    assert type(bob.available) is Decimal
    assert (bob.worker, bob.logged, bob.available) == ("bob", Decimal(8), available)
    assert bob.utilisation_percent == percent


def test_the_default_working_day_is_8_hours(kpis: Kpis) -> None:
    [bob] = kpis.utilisation(MARCH)
    assert type(bob.available) is Decimal and bob.available == Decimal(168)


def test_a_period_of_times_of_day_is_refused_naming_the_period(kpis: Kpis) -> None:
    noon = Period(datetime(2024, 3, 1, 12), datetime(2024, 4, 1, 12))
    with pytest.raises(InvalidValue) as refused:
        kpis.utilisation(noon)
    assert refused.value.field == "period"


@pytest.mark.parametrize(
    "hours_per_day", [Decimal("1E-30"), Decimal("1E-24"), Decimal("0.009"), Decimal("0.0099")]
)
def test_a_working_day_of_less_than_a_hundredth_of_an_hour_is_refused(
    kpis: Kpis, hours_per_day: Decimal
) -> None:
    with pytest.raises(InvalidValue) as refused:
        kpis.utilisation(MARCH, hours_per_day=hours_per_day)
    assert refused.value.field == "hours_per_day"


def test_a_working_day_of_a_hundredth_of_an_hour_is_read(kpis: Kpis) -> None:
    """21 working days of 36 seconds are 0.21 hours available: Bob's 8 hours are 3,809.5 %."""
    [bob] = kpis.utilisation(MARCH, hours_per_day=Decimal("0.01"))
    assert bob.available == Decimal("0.21")
    assert bob.utilisation_percent == Decimal("3809.5")
