"""The practice lead reads March's utilisation at a working day typed as almost no time.

Bob logs 8 hours on 4 March 2024. ``hours_per_day=Decimal("1E-30")`` passed the check (more
than 0, at most 24) and the percentage of 8 hours over 21 x 1E-30 hours crashed with an untyped
``decimal.InvalidOperation`` (more digits than a Decimal holds); ``Decimal("1E-24")`` read
a utilisation of 36,363,636,363,636,363,636,363,636.4 %. A working day of less than a hundredth
of an hour (36 seconds, the least a time entry holds) is no working day: it is refused with
``InvalidValue`` naming ``hours_per_day``; a hundredth of an hour itself is read.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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
