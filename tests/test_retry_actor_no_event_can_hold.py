"""A command sent again after a lost response records nothing, and its actor is checked as its
event checks it (``_require_actor``): one holding a control character or a lone surrogate (bytes
no UTF-8 reads) is refused as the first call refuses it, ``InvalidValue`` naming ``actor``.

Found by review: the retry's check refused a blank actor or one of invisible characters only,
but answered ``bea`` with a NUL or a lone surrogate in it as the same bounce or top-up sent
again, where the first call refuses both, naming ``actor``.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from q2c_core import AllowanceUnit, InvalidValue, Money, Period, QuoteToCash

D = date(2024, 4, 2)
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))
ACTORS = ["bea\x00", "bea\x1b[2J", "bea\udcff"]


def acme(app: QuoteToCash) -> UUID:
    return app.register_customer("Acme", "EUR", account_manager="mia", actor="al")


@pytest.mark.parametrize("actor", ACTORS)
def test_a_bounce_sent_again_by_an_actor_no_event_can_hold_is_refused(
    app: QuoteToCash, actor: str
) -> None:
    payment = app.receive_payment(
        acme(app), Money.of("500", "EUR"), received_on=D, reference="TR-88", actor="bea"
    )
    with pytest.raises(InvalidValue) as first:
        app.bounce_payment(payment, bounced_on=D, reason="returned", actor=actor)
    assert first.value.field == "actor"
    assert app.bounce_payment(payment, bounced_on=D, reason="returned", actor="bea") is True
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as again:
        app.bounce_payment(payment, bounced_on=D, reason="returned", actor=actor)
    assert again.value.field == "actor"
    assert app.recorder.max_notification_id() == before
    assert app.bounce_payment(payment, bounced_on=D, reason="returned", actor="bea") is False


@pytest.mark.parametrize("actor", ACTORS)
def test_a_top_up_sent_again_by_an_actor_no_event_can_hold_is_refused(
    app: QuoteToCash, actor: str
) -> None:
    allowance = app.grant_allowance(
        acme(app), unit=AllowanceUnit.HOURS, quantity=10, period=YEAR, granted_on=D, actor="mia"
    )
    given = {"topped_up_on": D, "reason": "PO-9", "key": "T-1"}
    app.top_up_allowance(allowance, 5, actor="mia", **given)  # type: ignore[arg-type]
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as again:
        app.top_up_allowance(allowance, 5, actor=actor, **given)  # type: ignore[arg-type]
    assert again.value.field == "actor"
    assert app.recorder.max_notification_id() == before
    assert app.allowance(allowance).granted == 15  # (topped up once)
