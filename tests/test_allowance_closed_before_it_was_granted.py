"""Nothing is forfeited or bought on an allowance before the day it was granted.

Acme's 5 hours for 2024 were granted on 1 March 2025 (bought late, for last year's work).
Expiring them on 1 January 2025 was recorded: the prepaid usage of 1 February read 0 granted
and 5 forfeited, five hours lost a month before they were bought. A top-up dated 1 February
was recorded too, bought before there was an allowance to add it to."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from q2c_core import AllowanceUnit, InvalidTransition, Period, QuoteToCash

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
GRANTED_ON = date(2025, 3, 1)


def hours_granted_late(app: QuoteToCash) -> tuple[UUID, UUID]:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    hours = app.grant_allowance(
        acme, unit=AllowanceUnit.HOURS, quantity=5, period=YEAR, granted_on=GRANTED_ON, actor=A
    )
    return acme, hours


def test_hours_granted_in_march_are_not_expired_nor_topped_up_in_january(
    app: QuoteToCash,
) -> None:
    acme, hours = hours_granted_late(app)
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidTransition) as expired:
        app.expire_allowance(hours, expired_on=date(2025, 1, 1), actor=A)
    assert expired.value.field == "expired_on"
    with pytest.raises(InvalidTransition) as bought:
        app.top_up_allowance(hours, 2, topped_up_on=date(2025, 2, 1), reason="more hours", actor=A)
    assert bought.value.field == "topped_up_on"

    assert app.recorder.max_notification_id() == before  # nothing recorded
    assert app.customer_summary(acme, as_of=date(2025, 2, 1)).prepaid_hours_left == 0

    assert app.customer_summary(acme, as_of=GRANTED_ON).prepaid_hours_left == 5


def test_hours_granted_in_march_are_topped_up_and_expire_from_then(app: QuoteToCash) -> None:
    acme, hours = hours_granted_late(app)
    app.top_up_allowance(hours, 2, topped_up_on=GRANTED_ON, reason="more hours", actor=A)
    assert app.customer_summary(acme, as_of=GRANTED_ON).prepaid_hours_left == 7
    app.expire_allowance(hours, expired_on=GRANTED_ON, actor=A)
    assert app.allowance(hours).forfeited == 7
    assert app.customer_summary(acme, as_of=GRANTED_ON).prepaid_hours_left == 0
