"""Delivery's edges: retrying parked events when one of them cannot be read, and a delivery
store of its own at a URL whose storage cannot be opened."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import StoredEvent

from q2c_adapters.delivery import Delivery
from q2c_core import QuoteToCash
from q2c_core.ports import PoisonEvent

GONE_TOPIC = "q2c_core.domain.gone:Gone.Happened"


class LedgerWithoutAccounts:
    """An accounting backend that refuses customer events until the customer accounts exist."""

    def __init__(self) -> None:
        self.accounts_created = False
        self.booked: list[str] = []

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        if not self.accounts_created and type(event).__qualname__.startswith("Customer."):
            raise PoisonEvent("customer account missing in the ledger")
        self.booked.append(event_id)


def test_retry_keeps_an_unreadable_event_parked_and_delivers_the_rest(tmp_path: Path) -> None:
    """The log starts with an event of a type this code no longer has (its topic does not
    resolve), parked as 'cannot decode'; the ledger refused the customers, parked too. Once the
    customer accounts exist, a retry delivers and unparks every customer event and keeps the
    unreadable one parked, returned with the reason it cannot be decoded."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
    app.recorder.insert_events([StoredEvent(uuid4(), 1, GONE_TOPIC, b"{}")])
    for name in ("Acme", "Globex", "Initech"):
        app.register_customer(name, "EUR", account_manager="mia", actor="sales")
    ledger = LedgerWithoutAccounts()
    delivery = Delivery(app, ledger, name="ledger")
    report = delivery.run()
    parked = delivery.parked()
    assert report.caught_up and report.parked == len(parked)
    assert parked[0].topic == GONE_TOPIC and parked[0].reason.startswith("cannot decode:")
    customer_events = [p.event_id for p in parked[1:]]
    assert len(customer_events) >= 3
    assert all(p.reason == "customer account missing in the ledger" for p in parked[1:])

    ledger.accounts_created = True
    still = delivery.retry_parked()

    assert [p.topic for p in still] == [GONE_TOPIC]
    assert still[0].reason.startswith("cannot decode: TopicError:")
    assert [p.topic for p in delivery.parked()] == [GONE_TOPIC]
    assert [e for e in ledger.booked if e in customer_events] == customer_events
    app.close()
