"""The allocation and matching functions are public: a treasury script planning cash
application with them passes what its spreadsheet gave it, a float for the money, an invoice's
row as a tuple, a due date as text. Each is refused as a q2c error naming what was wrong, never
a bare Python error, and never planned with a float.

Found by review: ``allocate_payment(100, items)`` failed with a bare ``AttributeError: 'int'
object has no attribute 'currency'``, items given as tuples with ``AttributeError: 'tuple'
object has no attribute 'outstanding'``, ``OpenItem`` took ``outstanding=5.0`` (a float near
money) and a due date of text, which then failed sorting with ``TypeError: '<' not supported
between instances of 'datetime.date' and 'str'``; ``match_credit`` the same.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from q2c_core import InvalidValue, Money, OpenItem, allocate_payment, match_credit

DUE = date(2024, 4, 30)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def inv_1() -> OpenItem:
    return OpenItem(uuid4(), "INV-000001", DUE, eur("50.00"))


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("outstanding", {"outstanding": 50.0}),
        ("outstanding", {"outstanding": Decimal("50.00")}),
        ("outstanding", {"outstanding": None}),
        ("due_date", {"due_date": "2024-04-30"}),
        ("due_date", {"due_date": datetime(2024, 4, 30, 9, 0)}),
        ("invoice_id", {"invoice_id": "INV-000001"}),
        ("number", {"number": 1}),
    ],
)
def test_an_open_item_of_the_wrong_kinds_is_refused_naming_the_field(
    field: str, kwargs: dict[str, Any]
) -> None:
    given: dict[str, Any] = {
        "invoice_id": uuid4(),
        "number": "INV-000001",
        "due_date": DUE,
        "outstanding": eur("50.00"),
    }
    given.update(kwargs)
    with pytest.raises(InvalidValue) as refused:
        OpenItem(**given)
    assert refused.value.field == field


@pytest.mark.parametrize("available", [100, 100.0, Decimal("100.00"), "100.00 EUR", None])
def test_money_to_allocate_that_is_no_money_is_refused_naming_it(available: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        allocate_payment(available, [inv_1()])
    assert refused.value.field == "available"
    with pytest.raises(InvalidValue) as refused:
        match_credit(available, [inv_1()], [])
    assert refused.value.field == "amount"


@pytest.mark.parametrize(
    "items",
    [None, 5, "INV-000001", [("INV-000001", DUE, 50)], [None], {uuid4(): eur("50.00")}],
)
def test_open_items_that_are_no_open_items_are_refused_naming_them(items: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        allocate_payment(eur("100.00"), items)
    assert refused.value.field == "open_items"
    with pytest.raises(InvalidValue) as refused:
        match_credit(eur("100.00"), items, [])
    assert refused.value.field == "named"
    with pytest.raises(InvalidValue) as refused:
        match_credit(eur("100.00"), [], items)
    assert refused.value.field == "others"


def test_open_items_given_rightly_still_plan_as_before() -> None:
    """A generator of open items is read once, as a list is: 100.00 pays INV-000001's 50.00
    and 50.00 of INV-000002's 70.00; a credit of 50.00 matches INV-000001 by its amount."""
    first, second = inv_1(), OpenItem(uuid4(), "INV-000002", date(2024, 5, 31), eur("70.00"))
    plan = allocate_payment(eur("100.00"), (i for i in [second, first]))
    assert [(a.invoice_id, a.amount) for a in plan] == [
        (first.invoice_id, eur("50.00")),
        (second.invoice_id, eur("50.00")),
    ]
    match = match_credit(eur("50.00"), (), (i for i in [first, second]))
    assert match.allocations == ((first.invoice_id, eur("50.00")),)
    assert isinstance(match.allocations[0][0], UUID)
