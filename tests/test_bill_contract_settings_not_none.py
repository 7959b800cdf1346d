"""A contract's billing settings are given, never None: a CRM sync that sends ``timing=None``
(a blank field it did not map) must be refused at signing, naming the setting, not recorded to
stop every later billing run of every contract."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest

from q2c_core import (
    BillingFrequency,
    InvalidValue,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    SubContract,
    SubContractKind,
)

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def _licence() -> SubContract:
    return SubContract(
        "S1",
        "Licence",
        SubContractKind.PRODUCT,
        YEAR.start,
        [PricePoint(YEAR.start, Money.of(1200, "EUR"))],
    )


def sign(app: QuoteToCash, customer: UUID, number: str, **settings: Any) -> UUID:
    """A monthly contract for 2024 signed on its first day, with the settings given."""
    return app.sign_contract(
        customer,
        number=number,
        term=YEAR,
        frequency=BillingFrequency.MONTHLY,
        signed_on=YEAR.start,
        actor=A,
        **settings,
    )


@pytest.mark.parametrize("setting", ["timing", "alignment", "day_count"])
def test_a_contract_signed_with_a_setting_of_none_is_refused_naming_it(setting: str) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    good = sign(app, acme, "MC-1", sub_contracts=(_licence(),))
    app.activate_contract(good, effective=YEAR.start, actor=A)
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        sign(app, acme, "MC-2", sub_contracts=(_licence(),), **{setting: None})

    assert refused.value.field == setting
    assert app.recorder.max_notification_id() == before
    # and the customer's other contract is billed as ever
    result = app.run_billing(date(2024, 1, 1), actor="billing")
    assert len(result.invoice_ids) == 1
    app.close()


@pytest.mark.parametrize("given", [5, None, "S1"])
def test_sub_contracts_that_are_no_list_are_refused_naming_them(given: object) -> None:
    app = QuoteToCash.open("memory:")
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    before = app.recorder.max_notification_id()

    with pytest.raises(InvalidValue) as refused:
        sign(app, acme, "MC-1", sub_contracts=given)

    assert refused.value.field == "sub_contracts"
    assert app.recorder.max_notification_id() == before
    app.close()
