"""What a caller's key names when a command that creates something (or adds to it) is given
one, so the command sent again after a lost response creates nothing more.

A grant of prepaid hours has nothing of its own to tell a retry from a second purchase (two
grants of 10 hours for one year may both be bought), so the caller names it: an instruction
per scope (the customer) and key, saved in the same save as what the command made, answers the
same command given again (also by another process at the same moment, which clashes with it
and is decided again on it) with what it made, and refuses another command under the key. Keys
are read as a receipt's key is (``receipt_key``: invisible characters, full width, spaces and
capitals aside).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.invoice import InvoiceKind
from q2c_core.domain.invoice_lines import InvoiceLine
from q2c_core.domain.payment import receipt_key
from q2c_core.domain.values import Period, named_id


class GrantInstruction(ChecksFacts, Aggregate):
    """The allowance a caller's key names for one customer (``grant_allowance`` given a
    ``key``): its unit, quantity, period, day, currency and contract, and the allowance
    granted. Saved with the allowance, so the same grant given again grants nothing more."""

    @staticmethod
    def create_id(customer_id: UUID, key: str, **_: Any) -> UUID:
        """One instruction per customer and key, however it is spelled (``receipt_key``)."""
        return named_id("grant-instruction", f"{customer_id.hex}:{receipt_key(key)}")

    @event("GrantInstructed")
    def __init__(
        self,
        customer_id: UUID,
        key: str,
        allowance_id: UUID,
        unit: str,
        quantity: Decimal,
        period: Period,
        granted_on: date,
        currency: str,
        contract_id: UUID | None,
        actor: str,
    ) -> None:
        if not receipt_key(key):
            raise InvalidValue("must not be empty", field="key")
        self.customer_id = customer_id
        self.key = key
        self.allowance_id = allowance_id
        self.unit = unit
        self.quantity = quantity
        self.period = period
        self.granted_on = granted_on
        self.currency = currency
        self.contract_id = contract_id

    def repeats(
        self,
        unit: str,
        quantity: Decimal,
        period: Period,
        granted_on: date,
        currency: str,
        contract_id: UUID | None,
    ) -> bool:
        """Whether a grant is this one given again: the same unit, quantity (``10`` is
        ``10.00``), period, day, currency and contract."""
        return (
            self.unit == unit
            and self.quantity == quantity
            and self.period == period
            and self.granted_on == granted_on
            and self.currency == currency
            and self.contract_id == contract_id
        )


class TopUpInstruction(ChecksFacts, Aggregate):
    """The top-up a caller's key names on one allowance (``top_up_allowance`` given a
    ``key``): its quantity, day and reason. Saved with the top-up, so the same top-up given
    again adds nothing more."""

    @staticmethod
    def create_id(allowance_id: UUID, key: str, **_: Any) -> UUID:
        """One instruction per allowance and key, however it is spelled (``receipt_key``)."""
        return named_id("top-up-instruction", f"{allowance_id.hex}:{receipt_key(key)}")

    @event("TopUpInstructed")
    def __init__(
        self,
        allowance_id: UUID,
        key: str,
        quantity: Decimal,
        topped_up_on: date,
        reason: str,
        actor: str,
    ) -> None:
        if not receipt_key(key):
            raise InvalidValue("must not be empty", field="key")
        self.allowance_id = allowance_id
        self.key = key
        self.quantity = quantity
        self.topped_up_on = topped_up_on
        self.reason = reason

    def repeats(self, quantity: Decimal, topped_up_on: date, reason: str) -> bool:
        """Whether a top-up is this one given again: the same quantity (``5`` is ``5.00``),
        day and reason."""
        return (
            self.quantity == quantity
            and self.topped_up_on == topped_up_on
            and self.reason == reason
        )


class DraftInstruction(ChecksFacts, Aggregate):
    """The invoice a caller's key names for one customer (``draft_invoice`` or
    ``draft_deposit_invoice`` given a ``key``): its kind, currency, lines, day, purchase order
    number and note, and the invoice drafted. Saved with the draft, so the same draft given
    again drafts nothing more."""

    @staticmethod
    def create_id(customer_id: UUID, key: str, **_: Any) -> UUID:
        """One instruction per customer and key, however it is spelled (``receipt_key``)."""
        return named_id("draft-instruction", f"{customer_id.hex}:{receipt_key(key)}")

    @event("DraftInstructed")
    def __init__(
        self,
        customer_id: UUID,
        key: str,
        invoice_id: UUID,
        kind: InvoiceKind,
        currency: str,
        lines: list[InvoiceLine],
        drafted_on: date,
        purchase_order_number: str | None,
        note: str,
        actor: str,
    ) -> None:
        if not receipt_key(key):
            raise InvalidValue("must not be empty", field="key")
        self.customer_id = customer_id
        self.key = key
        self.invoice_id = invoice_id
        self.kind = kind
        self.currency = currency
        self.lines = list(lines)
        self.drafted_on = drafted_on
        self.purchase_order_number = purchase_order_number
        self.note = note

    def repeats(
        self,
        kind: InvoiceKind,
        currency: str,
        lines: Sequence[InvoiceLine],
        drafted_on: date,
        purchase_order_number: str | None,
        note: str,
    ) -> bool:
        """Whether a draft is this one given again: the same kind, currency, lines (each
        line's id, text, quantity, price, tax and source), day, purchase order number and
        note."""
        return (
            self.kind == kind
            and self.currency == currency
            and list(self.lines) == list(lines)
            and self.drafted_on == drafted_on
            and self.purchase_order_number == purchase_order_number
            and self.note == note
        )
