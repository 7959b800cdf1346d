"""Gapless invoice numbers: one sequence per series, assigned in the same transaction as the issue.

The series is an aggregate; two issuers racing for the same number make the second save fail on
the series' version, so it retries with the next number. No gap, no duplicate.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from q2c_core.domain.errors import InvalidValue
from q2c_core.domain.event_facts import ChecksFacts
from q2c_core.domain.values import named_id


class InvoiceNumberSeries(ChecksFacts, Aggregate):
    """A numbering series such as ``INV`` or ``CN``."""

    @staticmethod
    def create_id(name: str, **_: Any) -> UUID:
        """One series per name."""
        return named_id("invoice-number-series", name)

    @event("SeriesOpened")
    def __init__(self, name: str, prefix: str, width: int = 6, actor: str = "") -> None:
        if not name.strip():
            raise InvalidValue("must not be empty", field="series")
        self.name = name
        self.prefix = prefix
        self.width = width
        self.last_number = 0
        self.last_invoice_id: UUID | None = None

    def format(self, n: int) -> str:
        """The printed number, e.g. INV-000042."""
        return f"{self.prefix}{n:0{self.width}d}"

    @property
    def next_number(self) -> str:
        """The number the next issue will get."""
        return self.format(self.last_number + 1)

    @event("NumberAssigned")
    def assign(self, invoice_id: UUID, number: str, actor: str = "") -> None:
        """Consume the next number for an invoice being issued, by whoever issues it (``actor``;
        empty in histories recorded before it was kept)."""
        if number != self.next_number:
            raise InvalidValue(
                f"the next number is {self.next_number}, not {number}",
                field="number",
                aggregate_id=self.id,
                value=number,
            )
        self.last_number += 1
        self.last_invoice_id = invoice_id
