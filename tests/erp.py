"""The ERP the delivery stories deliver to: keyed by event id, so an event given twice is booked
once, as a real accounting backend's idempotency key books it."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from q2c_core import QuoteToCash


class Erp:
    """The ERP, keyed by event id: an event given twice is booked once."""

    def __init__(self) -> None:
        self.booked: list[str] = []

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        if event_id not in self.booked:
            self.booked.append(event_id)


def event_ids(app: QuoteToCash) -> list[str]:
    """Every event of the log by the id a delivery gives it (``originator_id:version``)."""
    notes = app.recorder.select_notifications(start=1, limit=10_000)
    return [f"{n.originator_id}:{n.originator_version}" for n in notes]
