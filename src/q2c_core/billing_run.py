"""Contract billing runs: each period of each maintenance contract billed exactly once.

Also home of the maintenance-contract commands (sign, activate, sub-contract changes...).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate

from q2c_core.app_base import BaseApp
from q2c_core.domain.contract import (
    BillingFrequency,
    BillingTiming,
    Contract,
    DayCount,
    PeriodAlignment,
    PricePoint,
    SubContract,
)
from q2c_core.domain.customer import Customer
from q2c_core.domain.errors import RuleViolated
from q2c_core.domain.money import Money, to_decimal
from q2c_core.domain.values import Period


class ContractBilling(BaseApp):
    """Commands and queries of maintenance contracts and their billing run."""

    def _load_customer(self, customer_id: UUID) -> Customer:
        return self._get(Customer, customer_id)

    # -- contracts -------------------------------------------------------------------------------

    def sign_contract(
        self,
        customer_id: UUID,
        *,
        number: str,
        term: Period,
        frequency: BillingFrequency,
        signed_on: date,
        actor: str,
        currency: str | None = None,
        timing: BillingTiming = BillingTiming.IN_ADVANCE,
        alignment: PeriodAlignment = PeriodAlignment.ANNIVERSARY,
        day_count: DayCount = DayCount.ACTUAL,
        auto_renew: bool = False,
        sub_contracts: Sequence[SubContract] = (),
    ) -> UUID:
        """Sign a master maintenance contract, optionally with its first sub-contracts."""

        def step() -> tuple[UUID, list[Aggregate]]:
            customer = self._load_customer(customer_id)
            contract = Contract(
                customer_id=customer_id,
                number=number,
                currency=currency or customer.currency,
                term=term,
                frequency=frequency,
                signed_on=signed_on,
                actor=actor,
                timing=timing,
                alignment=alignment,
                day_count=day_count,
                auto_renew=auto_renew,
                account_manager=customer.account_manager,
                tax_rate=customer.tax_rate,
                payment_terms_days=customer.payment_terms_days,
            )
            for sub in sub_contracts:
                contract.add_sub_contract(sub, actor)
            customer.add_contract(contract.id)
            return contract.id, [contract, customer]

        return self._atomically(step)

    def contract(self, contract_id: UUID) -> Contract:
        """One master contract."""
        return self._get(Contract, contract_id)

    def activate_contract(self, contract_id: UUID, *, effective: date, actor: str) -> None:
        """Start the service."""
        self._update(Contract, contract_id, lambda c: c.activate(effective, actor))

    def suspend_contract(
        self, contract_id: UUID, *, effective: date, reason: str, actor: str
    ) -> None:
        """Suspend by explicit decision, with its reason."""
        self._update(Contract, contract_id, lambda c: c.suspend(effective, reason, actor))

    def reactivate_contract(
        self, contract_id: UUID, *, effective: date, reason: str, actor: str
    ) -> None:
        """Lift a suspension."""
        self._update(Contract, contract_id, lambda c: c.reactivate(effective, reason, actor))

    def renew_contract(
        self,
        contract_id: UUID,
        *,
        new_end: date,
        effective: date,
        actor: str,
        uplift_percent: Decimal | int | str | None = None,
        new_prices: dict[str, Money] | None = None,
    ) -> None:
        """Extend the term with a price uplift (percentage) or new prices."""
        uplift = None if uplift_percent is None else to_decimal(uplift_percent, "uplift_percent")
        self._update(
            Contract,
            contract_id,
            lambda c: c.renew(new_end, effective, actor, uplift, new_prices),
        )

    def terminate_contract(
        self, contract_id: UUID, *, effective: date, reason: str, actor: str
    ) -> None:
        """End the contract early."""
        self._update(Contract, contract_id, lambda c: c.terminate(effective, reason, actor))

    def expire_contract(self, contract_id: UUID, *, effective: date, actor: str) -> None:
        """The term ran out."""
        self._update(Contract, contract_id, lambda c: c.expire(effective, actor))

    def add_sub_contract(self, contract_id: UUID, sub: SubContract, *, actor: str) -> None:
        """Add a product, licence or site."""
        self._update(Contract, contract_id, lambda c: c.add_sub_contract(sub, actor))

    def remove_sub_contract(
        self, contract_id: UUID, sub_id: str, *, effective_to: date, actor: str
    ) -> None:
        """End a sub-contract on a date (the first day not covered)."""
        self._update(
            Contract, contract_id, lambda c: c.remove_sub_contract(sub_id, effective_to, actor)
        )

    def reprice_sub_contract(
        self, contract_id: UUID, sub_id: str, *, effective: date, annual_price: Money, actor: str
    ) -> None:
        """A new annual price from a date on."""
        self._update(
            Contract,
            contract_id,
            lambda c: c.reprice_sub_contract(sub_id, effective, annual_price, actor),
        )

    def reassign_sub_contract(
        self,
        from_contract_id: UUID,
        sub_id: str,
        to_contract_id: UUID,
        *,
        effective: date,
        actor: str,
    ) -> None:
        """Move a sub-contract to another master contract on one date: no day twice, none lost."""

        def step() -> tuple[None, list[Aggregate]]:
            source = self.contract(from_contract_id)
            target = self.contract(to_contract_id)
            if source.customer_id != target.customer_id:
                raise RuleViolated(
                    "sub-contracts move only between contracts of one customer",
                    field="to_contract_id",
                    aggregate_id=from_contract_id,
                )
            sub = source.sub_contracts.get(sub_id)
            if sub is None:
                raise RuleViolated(
                    f"no sub-contract {sub_id!r}", field="sub_id", aggregate_id=from_contract_id
                )
            later = tuple(p for p in sub.prices if p.effective > effective)
            moved = attrs.evolve(
                sub,
                effective_from=effective,
                prices=(PricePoint(effective, sub.price_on(effective)), *later),
            )
            source.reassign_away(sub_id, to_contract_id, effective, actor)
            target.reassign_here(moved, from_contract_id, actor)
            return None, [source, target]

        self._atomically(step)
