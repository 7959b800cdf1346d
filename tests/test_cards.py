"""Card numbers are never stored: Luhn-valid runs of 13-19 digits are refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from q2c_core.domain.cards import contains_card_number, luhn_valid, refuse_card_numbers
from q2c_core.domain.errors import CardNumberRefused

FAST = settings(max_examples=80, deadline=None)


def with_check_digit(body: str) -> str:
    for d in "0123456789":
        if luhn_valid(body + d):
            return body + d
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "paid with 4111 1111 1111 1111 thanks",
        "card 4111-1111-1111-1111",
        "378282246310005",  # amex, 15 digits
        "ref:5555555555554444;",
        "4222222222222",  # 13 digits
    ],
)
def test_card_numbers_are_found(text: str) -> None:
    assert contains_card_number(text)
    with pytest.raises(CardNumberRefused) as refused:
        refuse_card_numbers("reference", text)
    assert refused.value.field == "reference"
    assert "4111" not in str(refused.value)  # the refusal itself never repeats the number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "INV-000001 INV-000002",
        "4111111111111112",  # Luhn-invalid
        "411111111111",  # 12 digits
        "IBAN NL91ABNA0417164300",
        "order 2024-03-01 amount 1200.00",
    ],
)
def test_ordinary_references_pass(text: str) -> None:
    assert not contains_card_number(text)
    refuse_card_numbers("reference", text)


@FAST
@given(
    st.integers(min_value=12, max_value=18).flatmap(
        lambda n: st.text("0123456789", min_size=n, max_size=n)
    ),
    st.text(alphabet="ABC xyz:/", max_size=10),
    st.text(alphabet="ABC xyz:/", max_size=10),
    st.sampled_from(["", " ", "-"]),
)
def test_any_luhn_valid_13_to_19_digit_run_is_refused(
    body: str, before: str, after: str, sep: str
) -> None:
    """Any Luhn-valid run of 13 to 19 digits, plain or grouped by spaces or dashes, anywhere in
    the text, is recognised as a card number."""
    number = with_check_digit(body)
    grouped = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    assert contains_card_number(f"{before}{grouped}{after}")
