"""A sub-contract moved to a contract that does not exist (an id mistyped, a contract of
another store) is refused naming ``to_contract_id``, the id that names nothing, as a deposit
named by a wrong id is: it was a NotFound naming ``id``, which of the two ids not said (None
given printed no id at all). The contract it was to leave keeps it, nothing recorded."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from test_contract_billing import A, contract, customer

from q2c_core import NotFound, QuoteToCash


@pytest.mark.parametrize("target", [uuid4(), None])
def test_a_move_to_no_contract_names_to_contract_id(app: QuoteToCash, target: object) -> None:
    signed = contract(app, customer(app))
    before = app.recorder.max_notification_id()

    with pytest.raises(NotFound) as refused:
        app.reassign_sub_contract(
            signed,
            "S1",
            target,  # type: ignore[arg-type]
            effective=date(2024, 3, 1),
            actor=A,
        )

    assert refused.value.field == "to_contract_id"
    assert refused.value.aggregate_id == signed
    assert app.recorder.max_notification_id() == before
    assert app.contract(signed).sub_contracts["S1"].effective_to is None


def test_a_move_from_no_contract_is_refused_as_not_found(app: QuoteToCash) -> None:
    target = contract(app, customer(app))
    with pytest.raises(NotFound):
        app.reassign_sub_contract(uuid4(), "S1", target, effective=date(2024, 3, 1), actor=A)
