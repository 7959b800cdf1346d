"""``PrepaidCreditUsage.hours_left`` takes a customer's id (a UUID, its text, or the 32 hex
digits the reports print); a text that is no id is refused, naming ``customer_id``.

Found by review: ``hours_left("nope")`` answered 0 hours, as for a customer with none left, so
a mistyped id read as "nothing prepaid left" instead of a mistake."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from q2c_core import AllowanceUnit, InvalidValue, Period, QuoteToCash
from q2c_core.projections import PrepaidCreditUsage, catch_up

A = "bea"


def test_hours_left_refuses_a_text_that_is_no_id_and_reads_every_spelling_of_one(
    tmp_path: Path,
) -> None:
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'q2c.sqlite'}")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=10, granted_on=date(2025, 1, 1),
        period=Period(date(2025, 1, 1), date(2026, 1, 1)), actor=A,
    )  # fmt: skip
    usage = PrepaidCreditUsage()
    catch_up(app, [usage])

    for spelled in (acme, str(acme), acme.hex, acme.hex.upper()):
        assert usage.hours_left(spelled) == Decimal(10)
    for wrong in ("nope", "", acme.hex[:-1]):
        with pytest.raises(InvalidValue) as refused:
            usage.hours_left(wrong)
        assert refused.value.field == "customer_id"
    app.close()
