"""Allocating one payment across many invoices, oldest due first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import attrs

from q2c_core.domain.errors import CurrencyMismatch
from q2c_core.domain.money import Money


@attrs.frozen
class OpenItem:
    """An issued invoice that still has money outstanding."""

    invoice_id: UUID
    number: str
    due_date: date
    outstanding: Money


@attrs.frozen
class Allocation:
    """A part of a payment applied to one invoice."""

    invoice_id: UUID
    amount: Money


def allocate_payment(available: Money, open_items: Sequence[OpenItem]) -> list[Allocation]:
    """Spread ``available`` over the open items, oldest due date first (then invoice number).

    Each invoice gets at most its outstanding amount; nothing is allocated to a settled invoice;
    what is left over stays unallocated (customer credit). Allocations never exceed ``available``.
    """
    remaining = available.rounded()
    result: list[Allocation] = []
    for item in sorted(open_items, key=lambda i: (i.due_date, i.number, str(i.invoice_id))):
        if item.outstanding.currency != available.currency:
            raise CurrencyMismatch(
                f"invoice {item.number} is in {item.outstanding.currency}, "
                f"the payment in {available.currency}",
                field="currency",
                aggregate_id=item.invoice_id,
            )
        if not remaining.is_positive():
            break
        if not item.outstanding.is_positive():
            continue
        amount = remaining.min(item.outstanding)
        result.append(Allocation(item.invoice_id, amount))
        remaining = remaining - amount
    return result
