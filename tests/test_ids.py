"""Aggregate ids: random, unique, and ordered by creation time (UUID version 7)."""

from __future__ import annotations

import uuid
from datetime import date

from q2c_core import Customer, Invoice, new_id
from q2c_core.domain.invoice import ApprovalPolicy, InvoiceKind


def test_ids_made_one_after_another_sort_one_after_another() -> None:
    ids = [new_id() for _ in range(20_000)]  # several share a millisecond: the counter orders them
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)


def test_new_aggregates_get_time_ordered_ids() -> None:
    customer = Customer("Acme", "EUR", "mia", "bea")
    invoice = Invoice(
        customer.id, InvoiceKind.STANDARD, "EUR", [], date(2026, 3, 1), "bea", ApprovalPolicy()
    )
    assert customer.id.version == 7 and invoice.id.version == 7
    assert customer.id < invoice.id
