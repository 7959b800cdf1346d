"""Text holding a lone surrogate is refused by name, in every store, and nothing is recorded.

A lone surrogate (``"\\ud800"``: half of a character, as a script that cut a UTF-16 string in
two or decoded bytes with ``surrogateescape`` hands over) is no character at all: UTF-8 cannot
write it. A payment referenced ``"INV-7\\ud800"`` was recorded in memory, where the ledger export
then failed to be written (``UnicodeEncodeError``) and the UBL showed a space, and in SQLite
``receive_payment`` and ``register_customer`` stopped on a bare ``UnicodeEncodeError`` from the
store. Now such text is refused as a control character is (``InvalidValue`` naming the field),
whatever the store, before anything is recorded.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import InvalidValue, Money, QuoteToCash

HALF = "\ud800"


def test_a_payment_reference_with_a_lone_surrogate_is_refused(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="a")
    with pytest.raises(InvalidValue) as refused:
        app.receive_payment(
            acme, Money.of("10", "EUR"), received_on=date(2024, 1, 2),
            reference=f"INV-7{HALF}", actor="a",
        )  # fmt: skip
    assert refused.value.field == "reference"
    assert app.payments(acme) == []


def test_a_customer_name_with_a_lone_surrogate_is_refused(app: QuoteToCash) -> None:
    with pytest.raises(InvalidValue) as refused:
        app.register_customer(f"Acme{HALF}", "EUR", account_manager="mia", actor="a")
    assert refused.value.field == "name"
    assert app.customers() == []
