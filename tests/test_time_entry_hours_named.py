"""Bob's timesheet row for the covered request says "NaN" hours (a broken export), or 1.5 as a
float: the refusal names the hours, the field he has to correct, not an "amount" the entry has
none of, and nothing is drawn on Acme's prepaid hours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from q2c_core import InvalidValue, Money, TimeEntry


@pytest.mark.parametrize("hours", [Decimal("NaN"), "sNaN", Decimal("Infinity"), 1.5, True, None])
def test_hours_that_are_no_number_are_refused_naming_hours(hours: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        TimeEntry("t1", "bob", date(2024, 3, 4), hours, Money.of(100, "EUR"))
    assert refused.value.field == "hours"


def test_hours_given_as_text_still_read_as_a_number() -> None:
    entry = TimeEntry("t1", "bob", date(2024, 3, 4), "1.5", Money.of(100, "EUR"))  # type: ignore[arg-type]
    assert entry.hours == Decimal("1.5")
