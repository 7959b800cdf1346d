"""Moving a sub-contract on a day it is no longer covered where it is: the refusal says which
sub-contract and which day (``effective``), as it does for a day before it started, not a
complaint about an ``effective_to`` nobody gave; nothing is recorded."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import InvalidValue, QuoteToCash, RuleViolated


def test_a_removed_sub_contract_moved_after_its_end_is_refused_naming_the_day(
    app: QuoteToCash,
) -> None:
    """S1 was removed from MC-1 from 1 June. Moving it to MC-2 on 1 August (a stale request
    from the CRM) is refused naming ``effective`` and S1's end; nothing is recorded."""
    cust = customer(app)
    mc1 = contract(app, cust, subs=(sub("S1"), sub("S2")))
    mc2 = contract(app, cust, number="MC-2", subs=(sub("T1"),))
    app.remove_sub_contract(mc1, "S1", effective_to=date(2024, 6, 1), actor=A)
    before = app.recorder.max_notification_id()

    for day in (date(2024, 6, 1), date(2024, 8, 1)):
        with pytest.raises(InvalidValue, match="'S1' is not active") as refused:
            app.reassign_sub_contract(mc1, "S1", mc2, effective=day, actor=A)
        assert refused.value.field == "effective"
        assert refused.value.aggregate_id == mc1

    assert app.recorder.max_notification_id() == before
    assert "S1" not in app.contract(mc2).sub_contracts


def test_a_sub_contract_that_moved_away_moved_again_later_is_refused_naming_the_move(
    app: QuoteToCash,
) -> None:
    """S2 moved from MC-1 to MC-2 on 1 June. Moving it from MC-1 again on 1 August is refused
    as on any day: it moved to MC-2 (``RuleViolated`` naming ``sub_id``); nothing recorded."""
    cust = customer(app)
    mc1 = contract(app, cust, subs=(sub("S1"), sub("S2")))
    mc2 = contract(app, cust, number="MC-2", subs=(sub("T1"),))
    mc3 = contract(app, cust, number="MC-3", subs=(sub("U1"),))
    app.reassign_sub_contract(mc1, "S2", mc2, effective=date(2024, 6, 1), actor=A)
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated, match="moved to contract") as refused:
        app.reassign_sub_contract(mc1, "S2", mc3, effective=date(2024, 8, 1), actor=A)
    assert refused.value.field == "sub_id"
    assert app.recorder.max_notification_id() == before
