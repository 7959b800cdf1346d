"""The story of a maintenance contract: signed with sub-contracts, activated, suspended,
reactivated, renewed with a price uplift, sub-contracts added, removed, re-priced, re-assigned,
terminated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from q2c_core import (
    BillingFrequency,
    ContractStatus,
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    Money,
    Period,
    PricePoint,
    QuoteToCash,
    RuleViolated,
    SubContract,
    SubContractKind,
)

A = "alice"
TERM = Period(date(2024, 1, 1), date(2025, 1, 1))


def eur(amount: str | int) -> Money:
    return Money.of(amount, "EUR")


def sub(sub_id: str, price: str, start: date = date(2024, 1, 1)) -> SubContract:
    return SubContract(
        sub_id,
        f"{sub_id} maintenance",
        SubContractKind.LICENCE,
        start,
        [PricePoint(start, eur(price))],
    )


def test_contract_lifecycle(app: QuoteToCash) -> None:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    contract = app.sign_contract(
        cust,
        number="MC-1",
        term=TERM,
        frequency=BillingFrequency.QUARTERLY,
        signed_on=date(2023, 12, 15),
        actor=A,
        sub_contracts=[sub("erp", "1200"), sub("crm", "600")],
    )
    c = app.contract(contract)
    assert c.status is ContractStatus.SIGNED and c.currency == "EUR"
    assert app.customer(cust).contract_ids == [contract]
    assert c.annual_value(date(2024, 1, 1)) == eur(1800)

    app.activate_contract(contract, effective=date(2024, 1, 1), actor=A)
    app.add_sub_contract(contract, sub("site-b", "300", date(2024, 4, 1)), actor=A)
    app.reprice_sub_contract(
        contract, "crm", effective=date(2024, 7, 1), annual_price=eur(660), actor=A
    )
    app.remove_sub_contract(contract, "site-b", effective_to=date(2024, 10, 1), actor=A)
    c = app.contract(contract)
    assert c.annual_value(date(2024, 5, 1)) == eur(2100)
    assert c.annual_value(date(2024, 8, 1)) == eur(2160)
    assert c.annual_value(date(2024, 10, 1)) == eur(1860)

    app.suspend_contract(contract, effective=date(2024, 11, 1), reason="unpaid", actor=A)
    assert app.contract(contract).status is ContractStatus.SUSPENDED
    app.reactivate_contract(contract, effective=date(2024, 11, 10), reason="paid", actor=A)
    c = app.contract(contract)
    assert c.status is ContractStatus.ACTIVE
    assert [h.status for h in c.history] == [
        ContractStatus.SIGNED,
        ContractStatus.ACTIVE,
        ContractStatus.SUSPENDED,
        ContractStatus.ACTIVE,
    ]
    assert c.history[2].reason == "unpaid"

    app.renew_contract(
        contract, new_end=date(2026, 1, 1), effective=date(2025, 1, 1), actor=A, uplift_percent=3
    )
    c = app.contract(contract)
    assert c.term == Period(date(2024, 1, 1), date(2026, 1, 1))
    assert c.sub_contracts["erp"].price_on(date(2025, 1, 1)) == eur("1236.00")
    assert c.sub_contracts["crm"].price_on(date(2025, 1, 1)) == eur("679.80")
    assert c.sub_contracts["erp"].price_on(date(2024, 12, 31)) == eur(1200)
    assert "site-b" in c.sub_contracts  # ended before the renewal: not re-priced
    assert c.sub_contracts["site-b"].price_on(date(2025, 1, 1)) == eur(300)

    app.terminate_contract(
        contract,
        effective=date(2025, 6, 1),
        reason="moved vendor",
        actor=A,
        noticed_on=date(2025, 6, 1),
    )
    c = app.contract(contract)
    assert c.status is ContractStatus.TERMINATED
    assert c.term.end == date(2025, 6, 1)
    assert c.sub_contracts["erp"].effective_to == date(2025, 6, 1)
    assert c.active_sub_contracts(date(2025, 6, 1)) == []
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition):
        app.reactivate_contract(contract, effective=date(2025, 7, 1), reason="x", actor=A)
    # (an ended contract takes a sub-contract only for days it served: a correction)
    with pytest.raises(InvalidValue, match="ended on 2025-06-01") as late:
        app.add_sub_contract(contract, sub("late", "1", date(2025, 7, 1)), actor=A)
    assert late.value.field == "effective_from"
    assert app.recorder.max_notification_id() == before


def test_renew_with_new_prices(app: QuoteToCash) -> None:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    contract = app.sign_contract(
        cust,
        number="MC-2",
        term=TERM,
        frequency=BillingFrequency.ANNUAL,
        signed_on=date(2024, 1, 1),
        actor=A,
        sub_contracts=[sub("erp", "1200"), sub("crm", "600")],
    )
    app.activate_contract(contract, effective=date(2024, 1, 1), actor=A)
    app.renew_contract(
        contract,
        new_end=date(2026, 1, 1),
        effective=date(2025, 1, 1),
        actor=A,
        new_prices={"erp": eur(1500)},
    )
    c = app.contract(contract)
    assert c.sub_contracts["erp"].price_on(date(2025, 2, 1)) == eur(1500)
    assert c.sub_contracts["crm"].price_on(date(2025, 2, 1)) == eur(600)
    with pytest.raises(InvalidValue):
        app.renew_contract(contract, new_end=date(2025, 6, 1), effective=date(2026, 1, 1), actor=A)
    with pytest.raises(InvalidValue):
        app.renew_contract(
            contract,
            new_end=date(2027, 1, 1),
            effective=date(2026, 1, 1),
            actor=A,
            uplift_percent=2,
            new_prices={"erp": eur(1)},
        )


def test_reassign_a_sub_contract_between_master_contracts(app: QuoteToCash) -> None:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    kwargs = dict(
        term=TERM, frequency=BillingFrequency.MONTHLY, signed_on=date(2024, 1, 1), actor=A
    )
    first = app.sign_contract(cust, number="MC-A", sub_contracts=[sub("site", "1200")], **kwargs)  # type: ignore[arg-type]
    second = app.sign_contract(cust, number="MC-B", **kwargs)  # type: ignore[arg-type]
    app.reprice_sub_contract(
        first, "site", effective=date(2024, 9, 1), annual_price=eur(1800), actor=A
    )
    app.reassign_sub_contract(first, "site", second, effective=date(2024, 7, 1), actor=A)
    away = app.contract(first).sub_contracts["site"]
    here = app.contract(second).sub_contracts["site"]
    assert away.effective_to == date(2024, 7, 1) and away.reassigned_to == second
    assert here.effective_from == date(2024, 7, 1) and here.reassigned_from == first
    assert here.price_on(date(2024, 7, 1)) == eur(1200)
    assert here.price_on(date(2024, 9, 1)) == eur(1800)
    # every day covered exactly once
    for day in (date(2024, 6, 30), date(2024, 7, 1), date(2024, 12, 31)):
        covered = [c for c in (first, second) if app.contract(c).active_sub_contracts(day)]
        assert len(covered) == 1


def test_contract_refusals(app: QuoteToCash) -> None:
    cust = app.register_customer("Acme", "EUR", account_manager="mia", actor=A)
    contract = app.sign_contract(
        cust,
        number="MC-3",
        term=TERM,
        frequency=BillingFrequency.MONTHLY,
        signed_on=date(2024, 1, 1),
        actor=A,
        sub_contracts=[sub("erp", "1200")],
    )
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidTransition):
        app.suspend_contract(contract, effective=date(2024, 2, 1), reason="x", actor=A)
    with pytest.raises(DuplicateEntry):
        app.add_sub_contract(contract, sub("erp", "1"), actor=A)
    with pytest.raises(CurrencyMismatch):
        app.reprice_sub_contract(
            contract, "erp", effective=date(2024, 2, 1), annual_price=Money.of(1, "USD"), actor=A
        )
    with pytest.raises(RuleViolated):
        app.remove_sub_contract(contract, "nope", effective_to=date(2024, 2, 1), actor=A)
    with pytest.raises(InvalidValue):
        app.add_sub_contract(contract, sub("late", "1", date(2025, 3, 1)), actor=A)
    app.activate_contract(contract, effective=date(2024, 1, 1), actor=A)
    before = app.recorder.max_notification_id()
    with pytest.raises(InvalidValue):
        app.suspend_contract(contract, effective=date(2024, 2, 1), reason=" ", actor=A)
    with pytest.raises(InvalidValue):
        app.renew_contract(
            contract,
            new_end=date(2026, 1, 1),
            effective=date(2025, 1, 1),
            actor=A,
            uplift_percent=-101,
        )
    with pytest.raises(InvalidValue) as below_zero:
        app.sign_contract(
            cust,
            number="MC-4",
            term=TERM,
            frequency=BillingFrequency.MONTHLY,
            signed_on=date(2024, 1, 1),
            actor=A,
            auto_renew=True,
            renewal_uplift_percent=-101,
        )
    assert below_zero.value.field == "renewal_uplift_percent"
    assert app.recorder.max_notification_id() == before
    assert app.contract(contract).status is ContractStatus.ACTIVE
    assert Decimal(0) == 0
