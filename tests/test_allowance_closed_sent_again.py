"""An allowance's expiry or roll-over sent again after a lost response.

Found by review: the year-end job expires Contoso's allowance on 1 July, its response is lost,
and the same expiry sent again was refused ("cannot expire: the allowance is expired"), as was
the same roll-over ("the allowance is rolled_over"), so the job reported failures for closings
that had happened and could not learn the new allowance's id. Now the same expiry (its day)
records nothing and ``expire_allowance`` answers False (True when it records); the same
roll-over (its day, the new period, what was carried and the extra) records nothing and
returns the allowance it made. Another day, period or quantity is still refused, and a repeat
naming nobody is refused naming ``actor``, as the first sending is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    AllowanceUnit,
    InvalidTransition,
    InvalidValue,
    Period,
    QuoteToCash,
)

H1 = Period(date(2026, 1, 1), date(2026, 7, 1))
H2 = Period(date(2026, 7, 1), date(2027, 1, 1))
JULY_1 = date(2026, 7, 1)


def allowance(app: QuoteToCash) -> UUID:
    contoso = app.register_customer("Contoso", "EUR", account_manager="mia", actor="bea")
    return app.grant_allowance(
        contoso, unit=AllowanceUnit.HOURS, quantity=10, period=H1, granted_on=H1.start, actor="bea"
    )


def test_the_same_expiry_sent_again_records_nothing(backend_url: str) -> None:
    app = QuoteToCash.open(backend_url)
    held = allowance(app)
    assert app.expire_allowance(held, expired_on=JULY_1, actor="bea") is True
    recorded = app.recorder.max_notification_id()
    assert app.expire_allowance(held, expired_on=JULY_1, actor="bea") is False
    assert app.recorder.max_notification_id() == recorded
    with pytest.raises(InvalidTransition):
        app.expire_allowance(held, expired_on=date(2026, 7, 2), actor="bea")
    with pytest.raises(InvalidValue) as refused:
        app.expire_allowance(held, expired_on=JULY_1, actor=" ")
    assert refused.value.field == "actor"
    assert app.recorder.max_notification_id() == recorded
    app.close()


@pytest.mark.parametrize(
    "given",
    [{}, {"quantity": 4}, {"quantity": "4", "extra": 5}, {"extra": Decimal("2.5")}],
)
def test_the_same_roll_over_sent_again_returns_the_allowance_it_made(
    backend_url: str, given: dict[str, Any]
) -> None:
    app = QuoteToCash.open(backend_url)
    held = allowance(app)
    made = app.roll_over_allowance(held, new_period=H2, rolled_over_on=JULY_1, actor="bea", **given)
    recorded = app.recorder.max_notification_id()
    again = app.roll_over_allowance(
        held, new_period=H2, rolled_over_on=JULY_1, actor="bea", **given
    )
    assert again == made
    assert app.recorder.max_notification_id() == recorded
    app.close()


@pytest.mark.parametrize(
    "other",
    [
        {"new_period": Period(date(2026, 7, 1), date(2027, 7, 1))},
        {"rolled_over_on": date(2026, 7, 2)},
        {"quantity": 3},
        {"extra": 1},
    ],
)
def test_another_roll_over_is_still_refused(other: dict[str, Any]) -> None:
    app = QuoteToCash.open("memory:")
    held = allowance(app)
    app.roll_over_allowance(held, new_period=H2, rolled_over_on=JULY_1, actor="bea")
    recorded = app.recorder.max_notification_id()
    given: dict[str, Any] = {"new_period": H2, "rolled_over_on": JULY_1, **other}
    with pytest.raises(InvalidTransition) as refused:
        app.roll_over_allowance(held, actor="bea", **given)
    assert refused.value.field == "status"
    assert app.recorder.max_notification_id() == recorded
    with pytest.raises(InvalidValue) as nobody:
        app.roll_over_allowance(held, new_period=H2, rolled_over_on=JULY_1, actor=None)  # type: ignore[arg-type]
    assert nobody.value.field == "actor"
    app.close()
