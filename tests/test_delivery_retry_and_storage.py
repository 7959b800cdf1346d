"""Delivery's edges: retrying parked events when one of them cannot be read, and a delivery
store of its own at a URL whose storage cannot be opened."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import StoredEvent

from q2c_adapters.delivery import Delivery, open_store
from q2c_core import QuoteToCash, StorageUnavailable
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


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (
            "postgresql://postgres:S3cr3t@127.0.0.1:1/test?schema=h_nowhere",
            "cannot open postgresql://postgres:***@127.0.0.1:1/test?schema=h_nowhere",
        ),
        (
            "postgresql://postgres:S3cr3t@127.0.0.1:5432/no_such_database",
            "cannot open postgresql://postgres:***@127.0.0.1:5432/no_such_database",
        ),
        ("sqlite:///{folder}/no/such/folder/delivery.db", "cannot open sqlite:///"),
    ],
    ids=["server-not-listening", "database-missing", "folder-missing"],
)
def test_a_delivery_store_whose_storage_cannot_be_opened_is_storage_unavailable(
    tmp_path: Path, url: str, says: str
) -> None:
    """A delivery store of its own at a URL naming a server that is not listening, a database
    that does not exist or a folder that does not exist: StorageUnavailable on the url field,
    naming the URL with its password left out, the driver's error chained; no folder made."""
    if url.startswith("postgresql"):
        from conftest import require_postgres

        require_postgres()
    with pytest.raises(StorageUnavailable) as refused:
        open_store(url.format(folder=tmp_path))
    assert refused.value.field == "url"
    assert says in str(refused.value)
    assert "S3cr3t" not in str(refused.value) and "S3cr3t" not in str(refused.value.value)
    assert refused.value.__cause__ is not None
    assert not (tmp_path / "no").exists()


class LedgerWithClosedPeriods(LedgerWithoutAccounts):
    """A ledger that refuses customer events for whatever reason it gives at the time."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        if type(event).__qualname__.startswith("Customer."):
            raise PoisonEvent(self.reason)
        self.booked.append(event_id)


def test_a_retry_rejected_again_records_the_new_reason(backend_url: str) -> None:
    """The ledger first refused the customers for a missing account; the bookkeeper creates it,
    but by the retry the period is locked. The parked list then says why they are parked now
    (the period), with the time of that rejection, and still says so after a restart: an
    operator reading it is not sent to fix the account again."""
    app = QuoteToCash.open(backend_url)
    for name in ("Acme", "Globex"):
        app.register_customer(name, "EUR", account_manager="mia", actor="sales")
    ledger = LedgerWithClosedPeriods("account 1400 missing in the ledger")
    delivery = Delivery(app, ledger, name="ledger")
    delivery.run()
    first = delivery.parked()
    assert len(first) >= 2 and {p.reason for p in first} == {"account 1400 missing in the ledger"}

    ledger.reason = "period 2024-03 locked"
    still = delivery.retry_parked()

    assert [p.event_id for p in still] == [p.event_id for p in first]
    assert {p.reason for p in still} == {"period 2024-03 locked"}
    assert delivery.parked() == still
    at = datetime.fromisoformat
    assert all(
        at(now.parked_at) > at(then.parked_at) for now, then in zip(still, first, strict=True)
    )
    if backend_url != "memory:":
        app.close()
        app = QuoteToCash.open(backend_url)
        assert Delivery(app, ledger, name="ledger").parked() == still
    app.close()


class LedgerGoingDown(LedgerWithoutAccounts):
    """The ledger after the fix: accepts customer events until it goes down, after ``up_for``
    more events."""

    def __init__(self, up_for: int) -> None:
        super().__init__()
        self.accounts_created = True
        self.up_for = up_for

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        if self.up_for == 0:
            raise ConnectionError("ledger host unreachable")
        self.up_for -= 1
        super().deliver(event_id, event)


def test_a_retry_while_the_ledger_goes_down_raises_and_keeps_the_rest_parked(
    tmp_path: Path,
) -> None:
    """Three customers parked (no accounts in the ledger); the accounts are made and a retry
    runs, but the ledger goes down after the first: the retry raises the ledger's error (run
    would report it), the first customer's event has left the list, the rest stay parked
    with the reason they had, and the next retry delivers them."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
    for name in ("Acme", "Globex", "Initech"):
        app.register_customer(name, "EUR", account_manager="mia", actor="sales")
    delivery = Delivery(app, LedgerWithoutAccounts(), name="ledger")
    delivery.run()
    parked = delivery.parked()
    assert len(parked) >= 3
    down = LedgerGoingDown(up_for=1)
    retry = Delivery(app, down, name="ledger")
    with pytest.raises(ConnectionError, match="unreachable"):
        retry.retry_parked()
    assert down.booked == [parked[0].event_id]
    assert retry.parked() == parked[1:]  # reasons and times as they were
    up = LedgerGoingDown(up_for=100)
    assert Delivery(app, up, name="ledger").retry_parked() == []
    assert up.booked == [p.event_id for p in parked[1:]]
    app.close()
