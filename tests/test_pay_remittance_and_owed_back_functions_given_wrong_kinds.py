"""The remittance readers and the owed-back reckoners are public: a script reading a bank's
remittance column passes an empty cell as None, a number read from a spreadsheet as an int, a
customer's credit as a Decimal. Each is refused as a q2c error naming what was wrong, never a
bare Python error.

Found by review: ``invoice_numbers_in(None, numbers)`` and ``normalize_number(None)`` failed
with a bare ``TypeError: normalize() argument 2 must be str, not None``,
``invoice_numbers_in(text, [1, 2])`` the same, ``allocation_reference_key(None)`` with
``AttributeError``, ``owed_back_left([5], credit)`` and ``refunds_past_due`` with
``AttributeError: 'int' object has no attribute 'currency'`` and ``refunds_past_due`` given a
day of text with ``TypeError: '<' not supported``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from q2c_core import (
    InvalidValue,
    InvoiceNumberIndex,
    Money,
    allocation_reference_key,
    invoice_numbers_in,
    normalize_number,
    owed_back_left,
    refunds_past_due,
)

DAY = date(2024, 5, 1)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.mark.parametrize("text", [None, 42, b"INV-000001"])
def test_remittance_text_that_is_no_text_is_refused_naming_it(text: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        invoice_numbers_in(text, ["INV-000001"])
    assert refused.value.field == "text"
    with pytest.raises(InvalidValue) as refused:
        InvoiceNumberIndex(["INV-000001"]).find(text)
    assert refused.value.field == "text"
    with pytest.raises(InvalidValue) as refused:
        normalize_number(text)
    assert refused.value.field == "number"
    with pytest.raises(InvalidValue) as refused:
        allocation_reference_key(text)
    assert refused.value.field == "reference"


@pytest.mark.parametrize("known", [None, 5, "INV-000001", [1, 2], [None]])
def test_known_numbers_that_are_no_texts_are_refused_naming_them(known: Any) -> None:
    with pytest.raises(InvalidValue) as refused:
        invoice_numbers_in("paying INV-000001", known)
    assert refused.value.field == "known"


def test_remittance_given_rightly_still_names_its_invoices() -> None:
    assert invoice_numbers_in("inv 000002 and INV-000001", iter(["INV-000001", "INV-000002"])) == [
        "INV-000002",
        "INV-000001",
    ]
    assert normalize_number("ＩＮＶ－000001") == "inv000001"
    assert allocation_reference_key(" REM-7 ") == "rem-7"


@pytest.mark.parametrize(
    ("owed", "credit", "field"),
    [
        ([5], eur("-5.00"), "owed"),
        ([Decimal(5)], eur("-5.00"), "owed"),
        (None, eur("-5.00"), "owed"),
        ([eur("5.00")], Decimal("-5.00"), "credit"),
        ([eur("5.00")], None, "credit"),
    ],
)
def test_owed_back_of_the_wrong_kinds_is_refused_naming_it(
    owed: Any, credit: Any, field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        owed_back_left(owed, credit)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("owed", "credit", "day", "field"),
    [
        ([(DAY, 5)], eur("-5.00"), DAY, "owed"),
        ([eur("5.00")], eur("-5.00"), DAY, "owed"),
        ([("2024-04-01", eur("5.00"))], eur("-5.00"), DAY, "owed"),
        (None, eur("-5.00"), DAY, "owed"),
        ([(DAY, eur("5.00"))], -5, DAY, "credit"),
        ([(DAY, eur("5.00"))], eur("-5.00"), "2024-05-01", "day"),
    ],
)
def test_refunds_past_due_of_the_wrong_kinds_are_refused_naming_it(
    owed: Any, credit: Any, day: Any, field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        refunds_past_due(owed, credit, day)
    assert refused.value.field == field


def test_owed_back_given_rightly_reckons_as_before() -> None:
    """Two refunds owed back, 30.00 since 1 April and 20.00 since 1 May, and a credit of
    -35.00: the credit's other money covers the oldest first, so 15.00 of the first and all
    of the second are owed; on 1 May, only the first was owed since before it."""
    assert owed_back_left([eur("30.00"), eur("20.00")], eur("-35.00")) == [
        eur("15.00"),
        eur("20.00"),
    ]
    owed = [(date(2024, 4, 1), eur("30.00")), (DAY, eur("20.00"))]
    assert refunds_past_due(owed, eur("-35.00"), DAY) == eur("15.00")
