"""Card numbers are never stored: text that carries one is refused before it becomes an event."""

from __future__ import annotations

import re
from uuid import UUID

from q2c_core.domain.errors import CardNumberRefused

# 13-19 digits, optionally grouped by single spaces or dashes.
_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) checksum that every payment-card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# a quick first look: a card needs 13 or more characters of digits, spaces and dashes in a row
_LONG_RUN = re.compile(r"\d[\d -]{11,}\d")


def contains_card_number(text: str) -> bool:
    """Whether the text holds a Luhn-valid run of 13 to 19 digits (spaces or dashes allowed)."""
    if _LONG_RUN.search(text) is None:
        return False
    for match in _CANDIDATE.finditer(text):
        if luhn_valid(re.sub(r"[ -]", "", match.group())):
            return True
    return False


def refuse_card_numbers(field: str, text: str | None, aggregate_id: UUID | None = None) -> None:
    """Raise CardNumberRefused when the text looks like it carries a card number."""
    if text and contains_card_number(text):
        raise CardNumberRefused(
            "looks like a payment-card number; card numbers are never stored",
            field=field,
            aggregate_id=aggregate_id,
        )
