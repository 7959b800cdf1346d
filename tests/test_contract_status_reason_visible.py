"""A contract is suspended, reactivated or terminated only with its reason recorded: a reason
of invisible characters only (a zero-width space pasted from a chat) says nothing, as a blank
one says nothing, and is refused naming ``reason``; nothing is recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import ContractStatus, InvalidValue, QuoteToCash


@pytest.mark.parametrize("reason", ["\u200b", "\u200b \u2060", "\u2800"])
def test_a_status_change_whose_reason_shows_nothing_is_refused(
    app: QuoteToCash, reason: str
) -> None:
    cust = customer(app)
    active = contract(app, cust, subs=(sub("S1"),))
    suspended = contract(app, cust, number="MC-2", subs=(sub("S1"),))
    app.suspend_contract(suspended, effective=date(2024, 3, 1), reason="asked", actor=A)
    before = app.recorder.max_notification_id()
    refused: list[Any] = [
        lambda: app.suspend_contract(active, effective=date(2024, 3, 1), reason=reason, actor=A),
        lambda: app.reactivate_contract(
            suspended, effective=date(2024, 3, 5), reason=reason, actor=A
        ),
        lambda: app.terminate_contract(
            active, effective=date(2024, 6, 1), reason=reason, actor=A, noticed_on=date(2024, 5, 1)
        ),
    ]
    for command in refused:
        with pytest.raises(InvalidValue) as error:
            command()
        assert error.value.field == "reason"
    assert app.recorder.max_notification_id() == before
    assert app.contract(active).status is ContractStatus.ACTIVE
    assert app.contract(suspended).status is ContractStatus.SUSPENDED
