"""Asking for an invoice by a customer's id is refused (NotFound naming id), and the refusal
reads as English: "is a Customer, not an Invoice" (it said "not a Invoice")."""

from __future__ import annotations

import pytest

from q2c_core import NotFound, QuoteToCash


def test_a_customers_id_given_for_an_invoice_is_named_with_the_right_articles() -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="alice")
    with pytest.raises(NotFound) as refused:
        app.invoice(acme)
    assert refused.value.field == "id"
    assert "is a Customer, not an Invoice" in str(refused.value)
