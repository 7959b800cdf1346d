"""Asking for a customer's credit in something that is no currency code is refused as a q2c
error naming ``currency``, as every other currency given to q2c is.

Found by review: ``customer_credit(customer, ["EUR"])`` (a list from a form's multi-select)
failed with a bare ``TypeError: unhashable type: 'list'``, and ``customer_credit(customer, "")``
(an empty form field) answered in the customer's own currency as if no currency were asked.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_allocation_reference import acme_paying, eur

from q2c_core import InvalidValue, Money, QuoteToCash


@pytest.mark.parametrize("asked", [["EUR"], {"EUR": 1}, "", 5, "eur", "XXX"])
def test_credit_in_no_currency_is_refused_naming_it(app: QuoteToCash, asked: Any) -> None:
    cust, *_ = acme_paying(app)
    with pytest.raises(InvalidValue) as refused:
        app.customer_credit(cust, asked)
    assert refused.value.field == "currency"


def test_credit_in_a_currency_or_the_customers_own(app: QuoteToCash) -> None:
    cust, *_ = acme_paying(app)
    assert app.customer_credit(cust) == eur(150)
    assert app.customer_credit(cust, "EUR") == eur(150)
    assert app.customer_credit(cust, "USD") == Money.zero("USD")
