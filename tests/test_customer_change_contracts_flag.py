"""Whether a customer's change of tax rate or payment terms reaches its contracts is a yes or a
no, asked as True or False.

Found by review: ``contracts`` was read as Python reads any value, so a script passing the
text "no" (or "false", as a form or a config file gives it) changed every contract of the
customer too, the opposite of what it asked: Brauhaus Nord's maintenance contract, signed at
19 % and 30 days, was billed at 7 % and 14 days from July on. Now anything but True or False
is refused (``InvalidValue`` naming ``contracts``), nothing recorded, the customer and its
contracts as they were; False leaves the contracts alone and True changes them, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from test_contract_payment_terms_change import brewery, maintenance
from test_contract_tax_rate_change import JULY_1, recorded

from q2c_core import InvalidValue, QuoteToCash, TaxRate

SEVEN = TaxRate.standard(7)


def _tax(app: QuoteToCash, customer: UUID, contracts: Any) -> bool:
    return app.change_customer_tax_rate(
        customer, tax_rate=SEVEN, effective=JULY_1, actor="bea", contracts=contracts
    )


def _terms(app: QuoteToCash, customer: UUID, contracts: Any) -> bool:
    return app.change_customer_payment_terms(
        customer, payment_terms_days=14, effective=JULY_1, actor="bea", contracts=contracts
    )


CHANGES = [_tax, _terms]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("asked", ["no", "false", "", 0, 1, None])
def test_a_yes_or_no_that_is_no_bool_is_refused_and_nothing_changes(
    change: Callable[[QuoteToCash, UUID, Any], bool], asked: object
) -> None:
    app = QuoteToCash.open("memory:")
    customer = brewery(app)
    contract = maintenance(app, customer)
    before = recorded(app)
    with pytest.raises(InvalidValue) as refused:
        change(app, customer, asked)
    assert refused.value.field == "contracts"
    assert recorded(app) == before
    assert app.customer(customer).tax_rate_on(JULY_1) == TaxRate.standard(19)
    assert app.customer(customer).payment_terms_on(JULY_1) == 30
    assert app.contract(contract).tax_rate_on(JULY_1) == TaxRate.standard(19)
    assert app.contract(contract).payment_terms_on(JULY_1) == 30


def test_false_leaves_the_contracts_alone_and_true_changes_them() -> None:
    app = QuoteToCash.open("memory:")
    customer = brewery(app)
    contract = maintenance(app, customer)
    assert _tax(app, customer, False)
    assert _terms(app, customer, False)
    assert app.customer(customer).tax_rate_on(JULY_1) == SEVEN
    assert app.customer(customer).payment_terms_on(JULY_1) == 14
    assert app.contract(contract).tax_rate_on(JULY_1) == TaxRate.standard(19)
    assert app.contract(contract).payment_terms_on(JULY_1) == 30
    assert _tax(app, customer, True)
    assert _terms(app, customer, True)
    assert app.contract(contract).tax_rate_on(JULY_1) == SEVEN
    assert app.contract(contract).payment_terms_on(JULY_1) == 14
