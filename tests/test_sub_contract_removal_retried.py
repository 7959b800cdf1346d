"""A removal of a sub-contract sent again after a lost response records nothing, as before,
and now says so as every other contract command sent again does: ``remove_sub_contract``
returns True when it records the removal and False for the same removal again (it returned
None either way, so a tool could not tell a retry from a change)."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer

from q2c_core import InvalidValue, QuoteToCash


def test_a_removal_sent_twice_says_it_recorded_once(app: QuoteToCash) -> None:
    signed = contract(app, customer(app))
    assert app.remove_sub_contract(signed, "S2", effective_to=date(2024, 6, 1), actor=A) is True
    before = app.recorder.max_notification_id()
    assert app.remove_sub_contract(signed, "S2", effective_to=date(2024, 6, 1), actor=A) is False
    assert app.recorder.max_notification_id() == before
    # an earlier end is a removal of its own; a later one is refused (extend it instead)
    assert app.remove_sub_contract(signed, "S2", effective_to=date(2024, 5, 1), actor=A) is True
    with pytest.raises(InvalidValue) as later:
        app.remove_sub_contract(signed, "S2", effective_to=date(2024, 6, 1), actor=A)
    assert later.value.field == "effective_to"
