"""Allocating one payment across many invoices, oldest due first; and the allocation a
caller's reference names, so a retry is never allocated twice."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_FLOOR
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import CurrencyMismatch, InvalidValue
from q2c_core.domain.event_facts import ChecksFacts, require_kind
from q2c_core.domain.money import Money
from q2c_core.domain.payment import in_minor_units
from q2c_core.domain.values import named_id, person_key, require_day


@attrs.frozen
class OpenItem:
    """An issued invoice that still has money outstanding."""

    invoice_id: UUID
    number: str
    due_date: date
    outstanding: Money

    def __attrs_post_init__(self) -> None:
        # (built by a caller planning with ``allocate_payment`` or ``match_credit`` too: a
        # float owed, or a due date of text, would be planned with or fail the sort bare)
        require_kind(self.invoice_id, UUID, "invoice_id", None)
        require_kind(self.number, str, "number", None, "text")
        require_day(self.due_date, "due_date")
        require_kind(self.outstanding, Money, "outstanding", None, "Money")


_DIGITS = re.compile(r"(\d+)")


def number_order(number: str) -> tuple[str | int, ...]:
    """How invoice numbers order: text as text, each run of digits by its value, so a series
    past its width orders as it numbered (``R-2`` before ``R-10``, ``INV-999999`` before
    ``INV-1000000``), which text alone sorted the other way round."""
    parts = _DIGITS.split(number)
    return tuple(int(part) if n % 2 else part for n, part in enumerate(parts))


def oldest_due_first(item: OpenItem) -> tuple[Any, ...]:
    """The order money pays open items in: due day first, then number as it counts
    (``number_order``), then as written, then id (a fixed order for any tie)."""
    return (item.due_date, number_order(item.number), item.number, str(item.invoice_id))


def open_items_given(open_items: object, field: str) -> list[OpenItem]:
    """The open items a planning function is given, as a list (a generator is read once), or
    ``InvalidValue`` naming ``field``: anything but a collection of ``OpenItem`` (None, text, a
    mapping, an invoice's row as a tuple) could not be planned with."""
    rule = "must be open items (OpenItem)"
    if not isinstance(open_items, Iterable) or isinstance(open_items, str | bytes | Mapping):
        raise InvalidValue(rule, field=field, value=open_items)
    items = list(open_items)
    for item in items:
        if not isinstance(item, OpenItem):
            raise InvalidValue(f"{rule}, not {item!r}", field=field, value=item)
    return items


@attrs.frozen
class Allocation:
    """A part of a payment applied to one invoice."""

    invoice_id: UUID
    amount: Money


def allocate_payment(available: Money, open_items: Sequence[OpenItem]) -> list[Allocation]:
    """Spread ``available`` over the open items, oldest due date first (then invoice number).

    Each invoice gets at most its outstanding amount; nothing is allocated to a settled invoice;
    what is left over stays unallocated (customer credit). Allocations are whole minor units and
    never exceed ``available`` nor an invoice's outstanding amount: each is taken down to whole
    minor units (10.005 EUR available allocates at most 10.00, never 10.01). An open item in
    another currency than ``available`` is refused (``CurrencyMismatch`` naming ``currency``),
    whether or not the money reaches it. ``available`` that is no ``Money``, or open items
    that are no ``OpenItem``, are refused (``InvalidValue`` naming ``available`` or
    ``open_items``).
    """
    require_kind(available, Money, "available", None, "Money")
    open_items = open_items_given(open_items, "open_items")
    refuse_other_currency(available, open_items)
    remaining = whole_minor_units(available)
    result: list[Allocation] = []
    for item in sorted(open_items, key=oldest_due_first):
        if not remaining.is_positive():
            break
        owed = whole_minor_units(item.outstanding)
        if not owed.is_positive():
            continue
        amount = remaining.min(owed)
        result.append(Allocation(item.invoice_id, amount))
        remaining = remaining - amount
    return result


def refuse_other_currency(money: Money, open_items: Iterable[OpenItem]) -> None:
    """``CurrencyMismatch`` naming ``currency`` and the first open item in another currency
    than ``money``: checked for every item before any is planned, so a list mixing currencies
    is refused however far the money would go."""
    for item in open_items:
        if item.outstanding.currency != money.currency:
            raise CurrencyMismatch(
                f"invoice {item.number} is in {item.outstanding.currency}, "
                f"the payment in {money.currency}",
                field="currency",
                aggregate_id=item.invoice_id,
            )


def whole_minor_units(money: Money) -> Money:
    """Money taken down to whole minor units (never up: 10.005 EUR is 10.00), as allocating
    (``allocate_payment``) and matching a bank credit (``match_credit``) take what is there
    and what is owed."""
    return Money(money.amount.quantize(money.quantum, rounding=ROUND_FLOOR), money.currency)


def allocation_reference_key(reference: str) -> str:
    """A caller's allocation reference as a person reads it (``person_key``, as a refund's
    reference is read): invisible characters dropped, full-width forms plain, spaces collapsed,
    capitals ignored. Empty for a reference of nothing to see: it names no allocation. One
    that is no text is refused (``InvalidValue`` naming ``reference``)."""
    require_kind(reference, str, "reference", None, "text")
    return person_key(reference)


class AllocationInstruction(ChecksFacts, Aggregate):
    """The allocation a caller's reference names on one payment (``allocate_payment`` given a
    ``reference``): the invoices and amounts given (None: oldest due first), its day, and the
    allocations it made. Saved with them, so the same call given again (a retry after a lost
    response), or made at the same moment by another process, allocates nothing more."""

    @staticmethod
    def create_id(payment_id: UUID, reference: str, **_: Any) -> UUID:
        """One instruction per payment and reference, however it is spelled
        (``allocation_reference_key``)."""
        return named_id(
            "allocation-instruction", f"{payment_id.hex}:{allocation_reference_key(reference)}"
        )

    @event("AllocationInstructed")
    def __init__(
        self,
        payment_id: UUID,
        reference: str,
        invoice_ids: list[UUID] | None,
        amounts: list[Money] | None,
        allocated_on: date,
        allocation_ids: list[str],
        actor: str,
    ) -> None:
        if not allocation_reference_key(reference):
            raise InvalidValue("must not be empty", field="reference")
        self.payment_id = payment_id
        self.reference = reference
        self.invoice_ids = None if invoice_ids is None else list(invoice_ids)
        self.amounts = None if amounts is None else list(amounts)
        self.allocated_on = allocated_on
        self.allocation_ids = list(allocation_ids)

    def repeats(self, plan: Sequence[tuple[UUID, Money]] | None, allocated_on: date) -> bool:
        """Whether an allocation is this one given again: the same invoices and amounts in
        the same order (or oldest due first again), on the same day."""
        if allocated_on != self.allocated_on:
            return False
        if plan is None or self.invoice_ids is None or self.amounts is None:
            return plan is None and self.invoice_ids is None
        return [i for i, _ in plan] == self.invoice_ids and [a for _, a in plan] == self.amounts

    def described(self) -> str:
        """What it allocated, for a refusal: the parts given, or oldest due first, and the
        day."""
        if self.invoice_ids is None or self.amounts is None:
            parts = "oldest due first"
        else:
            parts = ", ".join(
                f"{amount} to {invoice_id}"
                for invoice_id, amount in zip(self.invoice_ids, self.amounts, strict=True)
            )
        return f"{parts} on {self.allocated_on}"


def allocation_pairs(allocations: object, *, at_least_one: bool) -> list[tuple[UUID, Money]]:
    """An explicit allocation list as a command takes one (``allocate_payment``,
    ``resolve_bank_credit``): (invoice id, Money) pairs, each amount at its currency's minor
    unit (``in_minor_units``, as the payment records it, so the invoice records the same), or
    ``InvalidValue`` naming ``allocations`` before anything is planned. ``at_least_one``: an
    empty list is refused (allocating nothing says nothing; under a reference it would take the
    reference), where a suspended credit resolved with none stays customer credit."""
    rule = "must be (invoice id, Money) pairs"
    if not isinstance(allocations, Iterable) or isinstance(allocations, str | bytes | Mapping):
        raise InvalidValue(rule, field="allocations", value=allocations)
    plan: list[tuple[UUID, Money]] = []
    for entry in allocations:
        if (
            not isinstance(entry, tuple | list)
            or len(entry) != 2
            or not isinstance(entry[0], UUID)
            or not isinstance(entry[1], Money)
        ):
            raise InvalidValue(f"{rule}, not {entry!r}", field="allocations", value=entry)
        plan.append((entry[0], in_minor_units(entry[1])))
    if at_least_one and not plan:
        raise InvalidValue(
            "must name at least one invoice (None: oldest due first)",
            field="allocations",
            value=allocations,
        )
    return plan
