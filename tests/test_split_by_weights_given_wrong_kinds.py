"""``split_by_weights`` shares a rounded whole over weights (commission by revenue kind, a
deposit over tax categories). Given weights as floats, as text, NaN or infinity, or a whole
that is no Money, it failed with Python's own TypeError, AttributeError or decimal's
InvalidOperation; a float near money is a bug. Each is now refused as q2c refuses bad input:
``InvalidValue`` naming ``weights`` or ``whole``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from q2c_core import InvalidValue, Money, split_by_weights

WHOLE = Money.of("100.00", "EUR")


@pytest.mark.parametrize(
    "weights",
    [
        [0.5, 0.5],
        ["1", "2"],
        [Decimal("NaN")],
        [Decimal("Infinity"), Decimal(1)],
        [True, False],
        [None],
    ],
)
def test_weights_of_the_wrong_kind_are_refused_naming_weights(weights: list[object]) -> None:
    with pytest.raises(InvalidValue) as refused:
        split_by_weights(WHOLE, weights)  # type: ignore[arg-type]
    assert refused.value.field == "weights"


@pytest.mark.parametrize("whole", [100, Decimal("100.00"), "100.00 EUR"])
def test_a_whole_that_is_no_money_is_refused_naming_whole(whole: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        split_by_weights(whole, [Decimal(1), Decimal(2)])  # type: ignore[arg-type]
    assert refused.value.field == "whole"


def test_whole_numbers_and_decimals_still_split_the_whole_exactly() -> None:
    parts = split_by_weights(WHOLE, [1, Decimal("2")])
    assert parts == [Money.of("33.33", "EUR"), Money.of("66.67", "EUR")]


@pytest.mark.parametrize("weights", [Decimal(1), 3, None])
def test_weights_that_are_no_collection_are_refused_naming_weights(weights: object) -> None:
    """One weight given bare (``Decimal(1)``, not ``[Decimal(1)]``) failed with Python's own
    'object is not iterable' TypeError."""
    with pytest.raises(InvalidValue) as refused:
        split_by_weights(WHOLE, weights)  # type: ignore[arg-type]
    assert refused.value.field == "weights"


def test_weights_given_as_a_generator_split_the_whole() -> None:
    """Weights read once (a generator over the revenue kinds) split the whole as a list does:
    the checks read them up, and the split found them all zero."""
    parts = split_by_weights(WHOLE, (w for w in [Decimal(1), Decimal(3)]))  # type: ignore[arg-type]
    assert parts == [Money.of("25.00", "EUR"), Money.of("75.00", "EUR")]
