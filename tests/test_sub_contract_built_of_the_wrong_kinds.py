"""A sub-contract typed with a day or a price of the wrong kind: Acme's clerk pastes the end
day as text, or a price list of plain numbers, into a new sub-contract for MC-1.

Building the ``SubContract`` used to stop right there on a bare ``TypeError`` ("'<=' not
supported between 'str' and 'date'") or ``AttributeError`` ("'str' object has no attribute
'annual_price'"), naming no field. Now it is built as given, and adding it (or signing a
contract with it) is refused with ``InvalidValue`` naming the field, nothing recorded: as a
sub-contract with a datetime price date always was (test_contract_guards.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from test_contract_billing import contract, customer, eur
from test_contract_guards import fields_refused_adding_and_signing

from q2c_core import QuoteToCash
from q2c_core.domain.contract import PricePoint, SubContract, SubContractKind
from q2c_core.domain.errors import InvalidValue

DAY = date(2024, 3, 15)
PRICES = (PricePoint(DAY, eur(1200)),)


def sub_contract(**given: Any) -> SubContract:
    """S9, a product maintained from 15 March 2024 at 1,200.00 a year, but for ``given``."""
    facts: dict[str, Any] = {"effective_from": DAY, "prices": PRICES} | given
    return SubContract("S9", "x", SubContractKind.PRODUCT, **facts)


@pytest.mark.parametrize(
    ("field", "given"),
    [
        ("sub_contract.effective_to", {"effective_to": "2024-06-01"}),
        ("sub_contract.effective_from", {"effective_from": None, "effective_to": DAY}),
        (
            "sub_contract.effective_from",
            {"effective_from": datetime(2024, 3, 15, 9), "effective_to": date(2024, 6, 1)},
        ),
        ("sub_contract.prices", {"prices": ("1200",)}),
        ("sub_contract.prices", {"prices": (None,)}),
    ],
)
def test_a_sub_contract_of_the_wrong_kinds_is_refused_naming_its_field(
    app: QuoteToCash, field: str, given: dict[str, Any]
) -> None:
    """Built as typed, refused when added to MC-1 and when signed with MC-9, naming the
    field; nothing is recorded."""
    wrong = sub_contract(**given)
    cust = customer(app)
    cid = contract(app, cust)
    before = app.recorder.max_notification_id()
    added, signed = fields_refused_adding_and_signing(app, cust, cid, wrong)
    assert added == field
    assert signed == field.replace("sub_contract.", "sub_contracts.")
    assert app.recorder.max_notification_id() == before


def test_an_end_not_after_the_start_and_a_negative_price_are_still_refused_when_built() -> None:
    """The rules between well-typed values stand where they were: an end before the start
    day, or a price below zero, is refused as the sub-contract is built. (An end on the start
    day is how one removed from its first day reads back; a new one so is refused when added
    or signed, test_sub_contract_removed_from_its_first_day.)"""
    with pytest.raises(InvalidValue) as ends:
        sub_contract(effective_to=date(2024, 3, 14))
    assert ends.value.field == "effective_to"
    with pytest.raises(InvalidValue) as negative:
        sub_contract(prices=(PricePoint(DAY, eur(-1)),))
    assert negative.value.field == "annual_price"
