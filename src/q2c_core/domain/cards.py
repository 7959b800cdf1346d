"""Card numbers are never stored: text that carries one is refused before it becomes an event.

A card number is a Luhn-valid run of 13 to 19 digits, written plain or in groups parted by any
run of separators: spaces of any kind (non-breaking, narrow, figure, tabs, zero-width), dots,
slashes, dashes and underscores, as receipts, PDFs and payers write them. The groups are shaped
like a card's (every group but the last of three or more digits, as 4-4-4-4, 4-6-5 or 4-3-3-3, or
groups all of one size), which a date's 03 or 01 between its year and the next number is not.
A valid IBAN or structured creditor reference (RF) is an account or a reference, never a card,
even when the card's digits sit inside it.
"""

from __future__ import annotations

import re
from uuid import UUID

from q2c_core.domain.errors import CardNumberRefused

# what may stand between a card's digit groups: whitespace of any kind, invisible spaces and
# joiners, the soft hyphen, dots, slashes, underscores, and dashes of every sort
_SEPARATOR = r"[\s\u00ad\u200b-\u200d\u2060\ufeff./_\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]"
# digit groups parted by separators, as long as they run
_DIGIT_GROUPS = re.compile(rf"\d+(?:{_SEPARATOR}+\d+)*")
_GROUP = re.compile(r"\d+")

_SHORTEST, _LONGEST = 13, 19


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


# ISO 13616 IBAN lengths by country (the SWIFT IBAN registry)
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
# where an IBAN or an RF creditor reference may start: two letters and two check digits
_MOD97_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")
_ALNUM = re.compile(r"[A-Za-z0-9]")


def _mod97_valid(compact: str) -> bool:
    """ISO 7064 MOD 97-10, as IBANs (ISO 13616) and RF references (ISO 11649) are checked."""
    moved = (compact[4:] + compact[:4]).upper()
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _mod97_ends(text: str, start: int) -> list[tuple[int, int]]:
    """From ``start``, each (length, end) of an identifier written compact or in groups parted by
    single spaces, where a word ends."""
    ends: list[tuple[int, int]] = []
    length, i = 0, start
    while i < len(text) and length < 34:
        if _ALNUM.fullmatch(text[i]):
            length += 1
            i += 1
            if i == len(text) or not text[i].isalnum():
                ends.append((length, i))
        elif text[i].isspace() and i + 1 < len(text) and _ALNUM.fullmatch(text[i + 1]):
            i += 1
        else:
            break
    return ends


def _without_ibans(text: str) -> str:
    """The text with each valid IBAN and RF creditor reference blotted out (they part digit
    groups, so the digits on either side never join through them)."""
    spans: list[tuple[int, int]] = []
    for found in _MOD97_START.finditer(text):
        start = found.start()
        if spans and start < spans[-1][1]:
            continue
        prefix = found.group()[:2].upper()
        ends = _mod97_ends(text, start)
        fitting = [
            end
            for length, end in reversed(ends)
            if (length == _IBAN_LENGTHS.get(prefix) or (prefix == "RF" and 5 <= length <= 25))
            and _mod97_valid(re.sub(r"\s", "", text[start:end]))
        ]
        if fitting:
            spans.append((start, fitting[0]))
    for start, end in reversed(spans):
        text = text[:start] + "#" * (end - start) + text[end:]
    return text


def _holds_card(groups: list[str]) -> bool:
    """Whether some consecutive digit groups make a Luhn-valid number of 13 to 19 digits, shaped
    as a card is written: every group but the last of three or more digits, or all groups of one
    size (the last may be shorter)."""
    # the Luhn sum of any stretch of the digits in one subtraction: running sums that double the
    # digits at even places, and at odd ones (the place the stretch's last digit is not doubled)
    values = [int(ch) for group in groups for ch in group]
    doubled_even, doubled_odd = [0], [0]
    for place, value in enumerate(values):
        twice = value * 2 - 9 if value > 4 else value * 2
        doubled_even.append(doubled_even[-1] + (twice if place % 2 == 0 else value))
        doubled_odd.append(doubled_odd[-1] + (value if place % 2 == 0 else twice))
    starts = [0]
    for group in groups:
        starts.append(starts[-1] + len(group))
    for first, opening in enumerate(groups):
        long_groups = uniform = True  # of the groups before the last
        for last in range(first + 1, len(groups) + 1):
            begin, end = starts[first], starts[last]
            if end - begin > _LONGEST:
                break
            size = len(groups[last - 1])
            if end - begin >= _SHORTEST and (long_groups or (uniform and size <= len(opening))):
                sums = doubled_odd if (end - 1) % 2 == 0 else doubled_even
                if (sums[end] - sums[begin]) % 10 == 0:
                    return True
            long_groups = long_groups and size >= 3
            uniform = uniform and size == len(opening)
            if not (long_groups or uniform):
                break
    return False


def contains_card_number(text: str) -> bool:
    """Whether the text holds a Luhn-valid run of 13 to 19 digits, written plain or in groups
    parted by separators (spaces of any kind, dots, slashes, dashes, underscores), outside an
    IBAN or an RF creditor reference."""
    candidates = [
        run for run in _DIGIT_GROUPS.findall(text) if sum(c.isdigit() for c in run) >= _SHORTEST
    ]
    if not candidates:
        return False
    if _MOD97_START.search(text) is not None:
        candidates = _DIGIT_GROUPS.findall(_without_ibans(text))
    return any(_holds_card(_GROUP.findall(run)) for run in candidates)


def refuse_card_numbers(field: str, text: str | None, aggregate_id: UUID | None = None) -> None:
    """Raise CardNumberRefused when the text looks like it carries a card number."""
    if text and contains_card_number(text):
        raise CardNumberRefused(
            "looks like a payment-card number; card numbers are never stored",
            field=field,
            aggregate_id=aggregate_id,
        )
