"""A renewal's new prices the contract cannot take (a sub-contract it does not hold, a price
below zero, a price in another currency) are refused naming ``new_prices``, the argument the
account manager gave, with the sub-contract's id; they named ``sub_id`` or ``annual_price``,
fields of a command nobody called. Nothing is recorded, and the renewal with the right prices
is taken."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, eur, sub

from q2c_core import CurrencyMismatch, InvalidValue, Money, Q2CError, QuoteToCash, RuleViolated


@pytest.mark.parametrize(
    ("prices", "error"),
    [
        ({"S1": eur(1300), "SX": eur(100)}, RuleViolated),
        ({"S1": eur(-1)}, InvalidValue),
        ({"S1": Money.of(1300, "USD")}, CurrencyMismatch),
    ],
    ids=["unknown sub-contract", "below zero", "another currency"],
)
def test_a_renewal_price_the_contract_cannot_take_names_new_prices(
    app: QuoteToCash, prices: dict[str, Money], error: type[Q2CError]
) -> None:
    signed = contract(app, customer(app), subs=(sub("S1"),))
    before = app.recorder.max_notification_id()

    with pytest.raises(error) as refused:
        app.renew_contract(
            signed, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), new_prices=prices, actor=A
        )

    assert refused.value.field == "new_prices"
    assert "S" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.contract(signed).term.end == date(2025, 1, 1)

    assert app.renew_contract(
        signed,
        new_end=date(2026, 1, 1),
        effective=date(2025, 1, 1),
        new_prices={"S1": eur(1300)},
        actor=A,
    )
    assert app.contract(signed).sub_contracts["S1"].price_on(date(2025, 1, 1)) == eur(1300)
