"""A renewal uplift that would raise a price beyond what Money holds names the uplift.

Mia renews MC-1 (its licence at 1,200.00 a year) typing 1e14 % where she meant 14 %: the
uplifted price, 1.2e15, is beyond Money's range. The refusal said "amount: is out of range",
a field she never gave, naming neither the contract nor the sub-contract; an evergreen
contract signed with such a renewal uplift was skipped by the billing run with the same
words. Now the refusal is InvalidValue naming ``uplift_percent`` and the sub-contract, and
nothing is recorded."""

from __future__ import annotations

from datetime import date
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

A = "mia"


def signed(app: QuoteToCash, *, evergreen_uplift: str | None = None) -> UUID:
    acme = app.register_customer("Acme", "EUR", account_manager=A, actor=A)
    contract = app.sign_contract(
        acme,
        number="MC-1",
        term=Period(date(2024, 1, 1), date(2025, 1, 1)),
        frequency=BillingFrequency.ANNUAL,
        signed_on=date(2023, 12, 1),
        actor=A,
        auto_renew=evergreen_uplift is not None,
        renewal_uplift_percent=evergreen_uplift,
        sub_contracts=[
            SubContract(
                "lic",
                "ERP licence",
                SubContractKind.LICENCE,
                date(2024, 1, 1),
                [PricePoint(date(2024, 1, 1), Money.of("1200.00", "EUR"))],
            )
        ],
    )
    app.activate_contract(contract, effective=date(2024, 1, 1), actor=A)
    return contract


def test_a_renewal_uplift_beyond_moneys_range_is_refused_naming_the_uplift(
    app: QuoteToCash,
) -> None:
    contract = signed(app)
    version = app.contract(contract).version
    with pytest.raises(InvalidValue) as refused:
        app.renew_contract(
            contract,
            new_end=date(2026, 1, 1),
            effective=date(2025, 1, 1),
            uplift_percent="1e14",
            actor=A,
        )
    assert refused.value.field == "uplift_percent"
    assert "lic" in str(refused.value)
    assert app.contract(contract).version == version  # nothing recorded
    # the uplift she meant renews as before
    app.renew_contract(
        contract, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), uplift_percent=14, actor=A
    )
    assert app.contract(contract).sub_contracts["lic"].price_on(date(2025, 1, 1)) == Money.of(
        "1368.00", "EUR"
    )


def test_the_run_skips_an_evergreen_contract_naming_its_uplift(app: QuoteToCash) -> None:
    contract = signed(app, evergreen_uplift="1e9")
    app.run_billing(date(2025, 1, 1), actor=A)  # 1,200.00 x 10,000,001: still in range
    result = app.run_billing(date(2026, 1, 1), actor=A)
    (skipped,) = result.needs_attention
    assert skipped.contract_id == contract
    assert skipped.field == "uplift_percent"
    assert "lic" in skipped.reason
