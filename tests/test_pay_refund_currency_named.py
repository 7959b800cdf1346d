"""A refund names the currency of the credit it pays back as a currency code.

Acme holds 150.00 EUR of credit. A script asks for a refund of 50.00 EUR of its credit in
``5`` (a column index passed by mistake), in ``"eur"`` or in ``"EURO"``: none is a currency, and
the refusal says so, naming ``currency`` (it said the refund's EUR did not match the credit's
"5"). A real other currency still is a mismatch naming ``amount``; ``EUR`` pays it back.
"""

from __future__ import annotations

from datetime import date

import pytest

from q2c_core import CurrencyMismatch, InvalidValue, Money, QuoteToCash

ON = date(2024, 4, 1)


@pytest.mark.parametrize("currency", [5, "eur", "EURO", ""])
def test_a_currency_that_is_no_currency_code_is_refused_naming_it(
    app: QuoteToCash, currency: object
) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor="al")
    app.receive_payment(acme, Money.of("150.00", "EUR"), received_on=ON, reference="T", actor="al")
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue) as refused:
        app.instruct_refund(
            acme,
            Money.of("50.00", "EUR"),
            refunded_on=ON,
            reference="RF-1",
            actor="al",
            currency=currency,  # type: ignore[arg-type]
        )
    assert refused.value.field == "currency"
    with pytest.raises(CurrencyMismatch) as mismatched:
        app.instruct_refund(
            acme,
            Money.of("50.00", "EUR"),
            refunded_on=ON,
            reference="RF-1",
            actor="al",
            currency="USD",
        )
    assert mismatched.value.field == "amount"
    assert app.recorder.max_notification_id() == before
    app.refund_customer_credit(
        acme, Money.of("50.00", "EUR"), refunded_on=ON, reference="RF-1", actor="al", currency="EUR"
    )
    assert app.customer_credit(acme) == Money.of("100.00", "EUR")
