"""A sub-contract moves to another master contract, never to its own, however the target's id
is spelled: its dashed text or the 32 hex digits the reports print name the same contract."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import QuoteToCash, RuleViolated


def test_moving_a_sub_contract_to_its_own_contract_named_by_text_is_refused_at_once(
    app: QuoteToCash,
) -> None:
    """Ops paste MC-1's id from a report as the target of S1's move off MC-1. It was tried 50
    times and given up as a ConcurrencyConflict ('other writers kept changing the same
    aggregates'), though nobody else wrote: the two sides were one contract loaded twice. It
    is refused naming ``to_contract_id``, as the id given as a UUID is; nothing recorded."""
    cust = customer(app)
    signed = contract(app, cust, subs=(sub("S1"),))
    before = app.recorder.max_notification_id()

    for spelled in (str(signed), signed.hex):
        with pytest.raises(RuleViolated, match="not to its own") as refused:
            app.reassign_sub_contract(
                signed, "S1", spelled, effective=date(2024, 6, 1), actor=A, as_sub_id="S1b"
            )
        assert refused.value.field == "to_contract_id"

    assert app.recorder.max_notification_id() == before
    assert list(app.contract(signed).sub_contracts) == ["S1"]
