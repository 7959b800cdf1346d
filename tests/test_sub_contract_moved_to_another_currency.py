"""A licence moved to a master contract billed in another currency is refused naming the
contract it was sent to (``to_contract_id``), the one thing the clerk chose wrong, not an
``annual_price`` nobody gave; nothing is recorded on either contract."""

from __future__ import annotations

from datetime import date

import pytest
from test_contract_billing import A, contract, customer, sub

from q2c_core import (
    CurrencyMismatch,
    Money,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)


def test_a_move_to_a_contract_in_another_currency_names_the_target(app: QuoteToCash) -> None:
    """Acme's EUR contract MC-1 holds S1; Mia moves S1 to MC-3, Acme's USD contract, by
    mistake: refused naming to_contract_id and both currencies, MC-1 still bills S1."""
    cust = customer(app)
    eur_contract = contract(app, cust)
    usd_site = SubContract(
        "U1",
        "US site",
        SubContractKind.SITE,
        date(2024, 1, 1),
        [PricePoint(date(2024, 1, 1), Money.of(100, "USD"))],
    )
    usd_contract = contract(app, cust, number="MC-3", subs=(usd_site,), currency="USD")
    before = app.recorder.max_notification_id()

    with pytest.raises(CurrencyMismatch) as refused:
        app.reassign_sub_contract(
            eur_contract, "S1", usd_contract, effective=date(2024, 3, 1), actor=A
        )

    assert refused.value.field == "to_contract_id"
    assert "EUR" in str(refused.value) and "USD" in str(refused.value)
    assert app.recorder.max_notification_id() == before
    assert app.contract(eur_contract).sub_contracts["S1"].effective_to is None
    assert "S1" not in app.contract(usd_contract).sub_contracts


def test_a_move_in_one_currency_is_recorded(app: QuoteToCash) -> None:
    cust = customer(app)
    first = contract(app, cust)
    second = contract(app, cust, number="MC-2", subs=(sub("T1"),))
    assert app.reassign_sub_contract(first, "S1", second, effective=date(2024, 3, 1), actor=A)
    assert app.contract(second).sub_contracts["S1"].effective_from == date(2024, 3, 1)
