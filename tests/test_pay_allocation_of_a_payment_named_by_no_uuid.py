"""Bea's tool allocates under a reference, and gives the payment's id as the text a report
printed (or as a number pasted from the wrong column): the allocation is refused as a q2c error
naming ``payment_id``, nothing recorded, as it is without a reference.

Found by review: with a reference, ``allocate_payment`` named its ``AllocationInstruction`` by
``payment_id.hex`` before anything looked at the id, so a payment id of text or a number failed
with a bare ``AttributeError: 'str' object has no attribute 'hex'`` instead of a typed refusal.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_allocation_reference import D, acme_paying, eur

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("reference", [None, "REM-7"])
@pytest.mark.parametrize("as_given", ["text", "hex", "number"])
def test_a_payment_id_that_is_no_uuid_is_refused_naming_it(
    app: QuoteToCash, as_given: str, reference: str | None
) -> None:
    cust, pay, first, _ = acme_paying(app)
    given: Any = {"text": str(pay), "hex": pay.hex, "number": 7}[as_given]
    with pytest.raises(InvalidValue) as refused:
        app.allocate_payment(
            given, [(first, eur(30))], allocated_on=D, actor="bea", reference=reference
        )
    assert refused.value.field == "payment_id"
    assert app.payment(pay).allocations == []
    assert app.invoice(first).outstanding == eur(100)
    assert app.customer_credit(cust) == eur(150)
    # the same allocation with the payment's id goes through
    ids = app.allocate_payment(
        pay, [(first, eur(30))], allocated_on=D, actor="bea", reference=reference
    )
    assert len(ids) == 1
    assert app.invoice(first).outstanding == eur(70)
