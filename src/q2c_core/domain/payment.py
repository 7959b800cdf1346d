"""Payments: received once, allocated across many invoices, the rest kept as customer credit.

Allocations are never deleted: an allocation is undone by a reversing event, and a bounced
payment reverses all its live allocations, which re-opens the invoices.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.cards import refuse_card_numbers
from q2c_core.domain.errors import (
    CurrencyMismatch,
    DuplicateEntry,
    InvalidTransition,
    InvalidValue,
    OverAllocation,
    RuleViolated,
)
from q2c_core.domain.event_facts import ChecksFacts, NotBefore
from q2c_core.domain.money import Money
from q2c_core.domain.values import TimeOrderedIds


@attrs.frozen
class PaymentAllocation:
    """Part of the payment applied to one invoice; reversed, never deleted."""

    allocation_id: str
    invoice_id: UUID
    amount: Money
    allocated_on: date
    reversed_reason: str | None = None
    # the business day of the reversal (None while live, and for reversals recorded before
    # q2c kept it: their day is when they were recorded)
    reversed_on: date | None = None

    @property
    def is_live(self) -> bool:
        """Not reversed."""
        return self.reversed_reason is None


def reversal_day(event: Any) -> date:
    """The business day of an ``AllocationReversed`` event; one recorded before reversals
    carried it (no ``reversed_on``) is dated by when it was recorded, as q2c always dated it."""
    day: date | None = getattr(event, "reversed_on", None)
    return day if day is not None else event.timestamp.date()


class Payment(ChecksFacts, TimeOrderedIds, Aggregate):
    """Money received from a customer."""

    # the sum of the live allocations, kept as they change: one payment spread over a
    # thousand invoices summed its allocations again at each of them (quadratic to replay);
    # None in a snapshot taken before it was kept (summed once when first asked)
    allocated_amount: Decimal | None = None

    DAY_ORDER: ClassVar[Mapping[str, tuple[NotBefore, ...]]] = {
        "PaymentAllocated": (NotBefore("allocated_on", "received_on", "the money arrived"),),
        "PaymentBounced": (NotBefore("bounced_on", "received_on", "the money arrived"),),
    }

    @event("PaymentReceived")
    def __init__(
        self,
        customer_id: UUID,
        amount: Money,
        received_on: date,
        reference: str,
        actor: str,
        note: str = "",
    ) -> None:
        if not amount.is_positive():
            raise InvalidValue("must be more than zero", field="amount", value=amount)
        if not amount.is_rounded():
            raise InvalidValue("must be whole minor units", field="amount", value=amount)
        refuse_card_numbers("reference", reference)
        refuse_card_numbers("note", note)
        self.customer_id = customer_id
        self.amount = amount
        self.received_on = received_on
        self.reference = reference
        self.note = note
        self.allocations: list[PaymentAllocation] = []
        self.allocated_amount = Decimal(0)
        self.bounced_on: date | None = None
        self.bounce_reason: str | None = None

    @property
    def is_bounced(self) -> bool:
        """The bank returned the payment."""
        return self.bounced_on is not None

    def live_allocations(self) -> list[PaymentAllocation]:
        """Allocations not reversed."""
        return [a for a in self.allocations if a.is_live]

    @property
    def allocated(self) -> Money:
        """Sum of live allocations."""
        return Money(self._allocated_sum(), self.amount.currency)

    def _allocated_sum(self) -> Decimal:
        if self.allocated_amount is None:
            self.allocated_amount = sum(
                (a.amount.amount for a in self.allocations if a.is_live), Decimal(0)
            )
        return self.allocated_amount

    @property
    def unallocated(self) -> Money:
        """Customer credit held from this payment (nothing once it bounced)."""
        if self.is_bounced:
            return Money.zero(self.amount.currency)
        return self.amount - self.allocated

    def allocation(self, allocation_id: str) -> PaymentAllocation:
        """One allocation by id."""
        for a in self.allocations:
            if a.allocation_id == allocation_id:
                return a
        raise RuleViolated(
            f"no allocation {allocation_id}",
            field="allocation_id",
            aggregate_id=self.id,
            value=allocation_id,
        )

    @event("PaymentAllocated")
    def allocate(
        self, allocation_id: str, invoice_id: UUID, amount: Money, allocated_on: date, actor: str
    ) -> None:
        """Apply part of the payment to one invoice; never more than is unallocated."""
        if self.is_bounced:
            raise InvalidTransition(
                "a bounced payment cannot be allocated", field="status", aggregate_id=self.id
            )
        if amount.currency != self.amount.currency:
            raise CurrencyMismatch(
                f"allocation in {amount.currency}, payment in {self.amount.currency}",
                field="amount",
                aggregate_id=self.id,
            )
        if not amount.is_positive() or not amount.is_rounded():
            raise InvalidValue(
                "must be more than zero, in whole minor units",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )
        if amount > self.unallocated:
            raise OverAllocation(
                f"{amount} is more than the {self.unallocated} unallocated",
                field="amount",
                aggregate_id=self.id,
                value=amount,
            )
        if any(a.allocation_id == allocation_id for a in self.allocations):
            raise DuplicateEntry(
                f"allocation {allocation_id} exists", field="allocation_id", aggregate_id=self.id
            )
        self.allocated_amount = self._allocated_sum() + amount.amount
        self.allocations.append(PaymentAllocation(allocation_id, invoice_id, amount, allocated_on))

    @event("AllocationReversed")
    def reverse_allocation(
        self, allocation_id: str, reason: str, actor: str, reversed_on: date | None = None
    ) -> None:
        """Undo one allocation on a business day; the money becomes customer credit again.

        ``reversed_on`` is None only in reversals recorded before q2c kept the day."""
        current = self.allocation(allocation_id)
        if not current.is_live:
            raise InvalidTransition(
                f"allocation {allocation_id} is already reversed",
                field="allocation_id",
                aggregate_id=self.id,
            )
        if not reason.strip():
            raise InvalidValue("must say why", field="reason", aggregate_id=self.id)
        if reversed_on is not None and reversed_on < current.allocated_on:
            raise InvalidValue(
                f"must not be before the allocation ({current.allocated_on})",
                field="reversed_on",
                aggregate_id=self.id,
                value=reversed_on,
            )
        self.allocated_amount = self._allocated_sum() - current.amount.amount
        self.allocations = [
            attrs.evolve(a, reversed_reason=reason, reversed_on=reversed_on)
            if a.allocation_id == allocation_id
            else a
            for a in self.allocations
        ]

    def bounce(self, bounced_on: date, reason: str, actor: str) -> None:
        """The bank returned the money: every live allocation is reversed on ``bounced_on``,
        which therefore is not before any of them (a return learnt of after the money was
        allocated later: reverse that allocation first, then record the bounce on its day)."""
        if self.is_bounced:
            raise InvalidTransition("already bounced", field="status", aggregate_id=self.id)
        for a in self.live_allocations():
            if bounced_on < a.allocated_on:
                raise RuleViolated(
                    f"must not be before allocation {a.allocation_id} ({a.allocated_on}), "
                    "which it reverses",
                    field="bounced_on",
                    aggregate_id=self.id,
                    value=bounced_on,
                )
        self._bounced(bounced_on, reason, actor)

    @event("PaymentBounced")
    def _bounced(self, bounced_on: date, reason: str, actor: str) -> None:
        """The ``PaymentBounced`` event (``bounce``)."""
        if self.is_bounced:
            raise InvalidTransition("already bounced", field="status", aggregate_id=self.id)
        self.allocations = [
            attrs.evolve(a, reversed_reason=f"bounced: {reason}", reversed_on=bounced_on)
            if a.is_live
            else a
            for a in self.allocations
        ]
        self.allocated_amount = Decimal(0)
        self.bounced_on = bounced_on
        self.bounce_reason = reason
