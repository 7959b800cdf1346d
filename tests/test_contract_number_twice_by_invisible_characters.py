"""A customer has one contract of each number, however the number was typed: 'MC-1' with a
zero-width space pasted after it, or in full-width characters, prints as MC-1 on every
invoice and report, and is refused as the second MC-1 (``DuplicateEntry`` naming ``number``);
nothing is recorded."""

from __future__ import annotations

import pytest
from test_contract_billing import contract, customer, sub

from q2c_core import DuplicateEntry, QuoteToCash


@pytest.mark.parametrize("again", ["MC-1\u200b", "\u2060MC-1", "ＭＣ-１", " MC-1 "])
def test_a_second_contract_numbered_alike_is_refused(app: QuoteToCash, again: str) -> None:
    cust = customer(app)
    first = contract(app, cust, "MC-1", (sub("S1"),), activate=False)
    before = app.recorder.max_notification_id()

    with pytest.raises(DuplicateEntry) as refused:
        contract(app, cust, again, (sub("S1"),), activate=False)

    assert refused.value.field == "number"
    assert refused.value.aggregate_id == first
    assert app.recorder.max_notification_id() == before
    assert app.customer(cust).contract_ids == [first]
