"""Bea's tool reverses an allocation but sends the allocation's id wrapped in a list (or the
whole allocation record as a dict): the reversal is refused as a q2c error naming
``allocation_id``, nothing recorded, the invoice still paid.

Found by review: ``Payment.allocation`` looked the id up in its index before asking whether it
was text, so a list or dict failed with a bare ``TypeError: unhashable type``.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_allocation_reference import D, acme_paying, eur

from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("wrapped", ["list", "dict", "set"])
def test_an_allocation_id_that_is_no_text_is_refused_naming_it(
    app: QuoteToCash, wrapped: str
) -> None:
    cust, pay, first, _ = acme_paying(app)
    [allocation_id] = app.allocate_payment(pay, [(first, eur(100))], allocated_on=D, actor="bea")
    given: Any = {
        "list": [allocation_id],
        "dict": {"allocation_id": allocation_id},
        "set": {allocation_id},
    }[wrapped]
    with pytest.raises(InvalidValue) as refused:
        app.reverse_allocation(pay, given, reason="wrong invoice", actor="bea", reversed_on=D)
    assert refused.value.field == "allocation_id"
    with pytest.raises(InvalidValue):
        app.payment(pay).allocation(given)
    assert app.payment(pay).allocation(allocation_id).is_live
    assert app.invoice(first).outstanding == eur(0)
    assert app.customer_credit(cust) == eur(50)
