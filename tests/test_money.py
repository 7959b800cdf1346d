"""Money: exact Decimal amounts of one currency, rounded only where asked, split without drift."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core.domain.errors import CurrencyMismatch, InvalidValue
from q2c_core.domain.money import Money, minor_units, split_by_weights, to_decimal, total

CURRENCIES = ["EUR", "USD", "JPY", "KWD", "CLF"]
FAST = settings(max_examples=60, deadline=None)

amounts = st.decimals(
    min_value=Decimal("-1000000"), max_value=Decimal("1000000"), allow_nan=False, places=4
)


def test_builds_from_str_int_and_decimal() -> None:
    assert Money.of("12.50", "EUR").amount == Decimal("12.50")
    assert Money.of(12, "EUR").amount == Decimal(12)
    assert Money.of(Decimal("0.1"), "EUR").amount == Decimal("0.1")
    assert Money.of(" 3.20 ", "EUR").amount == Decimal("3.20")


@pytest.mark.parametrize(
    "bad", [0.1, 1.0, float("nan"), float("inf"), "NaN", "sNaN", "Infinity", "-inf", "abc", True]
)
def test_refuses_floats_nan_infinity_and_junk(bad: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        Money.of(bad, "EUR")  # type: ignore[arg-type]
    assert refused.value.field == "amount"


def test_refuses_decimal_nan_and_infinity() -> None:
    for bad in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        with pytest.raises(InvalidValue):
            Money(bad, "EUR")


def test_refuses_unknown_currency() -> None:
    with pytest.raises(InvalidValue) as refused:
        Money.of(1, "XXX")
    assert refused.value.field == "currency"
    with pytest.raises(InvalidValue):
        Money.of(1, "eur")


def test_multiplying_by_a_float_is_refused() -> None:
    with pytest.raises(InvalidValue):
        Money.of(1, "EUR") * 1.5  # type: ignore[operator]


def test_minor_units() -> None:
    assert minor_units("EUR") == 2
    assert minor_units("JPY") == 0
    assert minor_units("KWD") == 3
    assert Money.of("1.005", "EUR").rounded() == Money.of("1.01", "EUR")
    assert Money.of("-1.005", "EUR").rounded() == Money.of("-1.01", "EUR")
    assert Money.of("2.5", "JPY").rounded() == Money.of(3, "JPY")
    assert Money.of("1.0005", "KWD").rounded().amount == Decimal("1.001")


def test_str_shows_the_rounded_amount_and_currency() -> None:
    assert str(Money.of("1234.5", "EUR")) == "1,234.50 EUR"
    assert str(Money.of("1234.5", "JPY")) == "1,235 JPY"


def test_a_rounded_zero_is_never_shown_negative() -> None:
    """A deferred balance of -0.001 is nothing owed either way: it reads 0.00, not -0.00."""
    assert str(Money.of("-0.001", "EUR")) == "0.00 EUR"
    assert str(Money.of("-0.004", "EUR").rounded().amount) == "0.00"
    assert str(Money.of("-0.005", "EUR").rounded()) == "-0.01 EUR"


def test_total_of_nothing_is_zero_of_the_currency() -> None:
    assert total([], "USD") == Money.zero("USD")
    with pytest.raises(CurrencyMismatch):
        total([Money.of(1, "EUR")], "USD")


@FAST
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_money_never_accepts_a_float(value: float) -> None:
    """Money never accepts a float (nor NaN nor infinity), whatever its value."""
    with pytest.raises(InvalidValue):
        Money.of(value, "EUR")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        to_decimal(value)


@FAST
@given(amounts, amounts, st.sampled_from(CURRENCIES), st.sampled_from(CURRENCIES))
def test_currencies_never_mix(a: Decimal, b: Decimal, cur_a: str, cur_b: str) -> None:
    """Adding, subtracting or comparing amounts of different currencies always raises
    CurrencyMismatch; the same currency always works and is exact."""
    x, y = Money(a, cur_a), Money(b, cur_b)
    if cur_a == cur_b:
        assert (x + y).amount == a + b
        assert (x - y).amount == a - b
        assert (x < y) == (a < b)
        return
    for op in (
        lambda: x + y,
        lambda: x - y,
        lambda: x < y,
        lambda: x <= y,
        lambda: x > y,
        lambda: x >= y,
        lambda: x.min(y),
    ):
        with pytest.raises(CurrencyMismatch):
            op()


@FAST
@given(
    amounts,
    st.sampled_from(CURRENCIES),
    st.lists(
        st.decimals(min_value=0, max_value=1000, allow_nan=False, places=3), min_size=1, max_size=12
    ),
)
def test_split_by_weights_parts_add_up_to_the_whole(
    whole: Decimal, currency: str, weights: list[Decimal]
) -> None:
    """Splitting a rounded whole by weights gives rounded parts that add up exactly to the whole,
    each part within one minor unit of its exact share, and the same answer every time."""
    if sum(weights) == 0:
        with pytest.raises(InvalidValue):
            split_by_weights(Money(whole, currency), weights)
        return
    money = Money(whole, currency).rounded()
    parts = split_by_weights(money, weights)
    assert len(parts) == len(weights)
    assert total(parts, currency) == money
    assert all(p.is_rounded() for p in parts)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = money.amount * weight / weight_sum
        assert abs(part.amount - exact) < money.quantum
    assert split_by_weights(money, weights) == parts


def test_split_known_answer_remainder_goes_to_largest_fraction_then_earliest() -> None:
    parts = split_by_weights(Money.of("100.00", "EUR"), [Decimal(1), Decimal(1), Decimal(1)])
    assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    parts = split_by_weights(Money.of("-0.05", "EUR"), [Decimal(1), Decimal(1)])
    assert [p.amount for p in parts] == [Decimal("-0.03"), Decimal("-0.02")]


def test_split_refuses_empty_or_negative_weights() -> None:
    with pytest.raises(InvalidValue):
        split_by_weights(Money.of(1, "EUR"), [])
    with pytest.raises(InvalidValue):
        split_by_weights(Money.of(1, "EUR"), [Decimal(2), Decimal(-1)])
