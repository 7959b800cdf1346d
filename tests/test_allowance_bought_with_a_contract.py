"""An allowance bought with a maintenance contract names one of its customer's contracts.

Acme buys 20 enhancement hours with its 2024 maintenance contract MC-1. Granting them with the
id of Globex's contract, of a contract that does not exist, or of Acme itself (a slip between
ids) recorded the link for good, and every roll-over carried it into the next year."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from q2c_core import (
    AllowanceUnit,
    BillingFrequency,
    NotFound,
    Period,
    QuoteToCash,
    RuleViolated,
)

A = "alice"
YEAR = Period(date(2024, 1, 1), date(2025, 1, 1))


def contract_of(app: QuoteToCash, customer: UUID, number: str) -> UUID:
    return app.sign_contract(
        customer,
        number=number,
        term=YEAR,
        frequency=BillingFrequency.ANNUAL,
        signed_on=date(2023, 12, 1),
        actor=A,
    )


def grant(app: QuoteToCash, customer: UUID, contract: UUID) -> UUID:
    return app.grant_allowance(
        customer,
        unit=AllowanceUnit.HOURS,
        quantity=20,
        period=YEAR,
        granted_on=date(2024, 1, 1),
        actor=A,
        contract_id=contract,
    )


def test_hours_bought_with_acmes_contract_name_it(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    mc1 = contract_of(app, acme, "MC-1")
    allowance = grant(app, acme, mc1)
    assert app.allowance(allowance).contract_id == mc1
    following = app.roll_over_allowance(
        allowance,
        new_period=Period(date(2025, 1, 1), date(2026, 1, 1)),
        rolled_over_on=date(2025, 1, 1),
        actor=A,
    )
    assert app.allowance(following).contract_id == mc1


def test_hours_cannot_name_another_customers_contract_nor_no_contract(app: QuoteToCash) -> None:
    acme = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    globex = app.register_customer("Globex", "EUR", account_manager="mia", actor=A)
    globex_contract = contract_of(app, globex, "GX-1")
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolated) as other:
        grant(app, acme, globex_contract)
    assert other.value.field == "contract_id"
    for not_a_contract in (uuid4(), acme):
        with pytest.raises(NotFound) as missing:
            grant(app, acme, not_a_contract)
        assert missing.value.field == "contract_id"

    assert app.recorder.max_notification_id() == before  # nothing recorded
    assert app.customer(acme).allowance_ids == []
