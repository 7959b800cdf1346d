"""A top-up says why in visible text: a reason of invisible characters only is refused, naming
``reason``, and nothing is recorded.

Found by review: ``top_up_allowance`` refused a blank reason but recorded one made of a
zero-width space, so the allowance's history said nobody could read why 5 hours were added."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from q2c_core import AllowanceUnit, InvalidValue, Period, QuoteToCash

A = "bea"


@pytest.mark.parametrize("reason", ["\u200b", " \u2060 ", "\u3164", "bought\x07"])
def test_a_top_up_whose_reason_no_one_can_read_is_refused(tmp_path: Path, reason: str) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.sqlite'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, granted_on=date(2025, 1, 1),
        period=Period(date(2025, 1, 1), date(2026, 1, 1)), actor=A,
    )  # fmt: skip
    with pytest.raises(InvalidValue) as refused:
        app.top_up_allowance(hours, 5, topped_up_on=date(2025, 3, 1), reason=reason, actor=A)
    assert refused.value.field == "reason"
    assert app.allowance(hours).granted == Decimal(10)

    app.top_up_allowance(hours, 5, topped_up_on=date(2025, 3, 1), reason="bought 5", actor=A)
    assert app.allowance(hours).granted == Decimal(15)
    app.close()
