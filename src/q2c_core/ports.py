"""Ports: the small protocols through which q2c talks to the outside world.

q2c_core defines them; q2c_adapters implements them (Beancount, UBL, CSV, PDF...). The core never
imports an adapter, so an embedding application can plug in its own.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol


@runtime_checkable
class AccountingSink(Protocol):
    """Receives domain events for an accounting backend, at least once.

    ``event_id`` is the idempotency key: delivering the same event twice must not book twice.
    Raise ``PoisonEvent`` for an event the backend will never accept; any other exception means
    "try again later".
    """

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        """Book one event (idempotently, keyed by ``event_id``)."""
        ...


class PoisonEvent(Exception):
    """The backend rejects this event for good; it is parked with the reason, the rest go on."""


@runtime_checkable
class DocumentRenderer(Protocol):
    """Turns an issued invoice or credit note into a document (HTML, PDF, UBL XML...)."""

    media_type: str

    def render(self, invoice_id: UUID) -> bytes:
        """The document's bytes."""
        ...


@runtime_checkable
class Importer(Protocol):
    """Reads one file from an outside system and records it, all or nothing, never twice."""

    def import_file(self, path: str, *, actor: str) -> object:
        """Import a file; returns a report of what was recorded, skipped and refused."""
        ...
