"""Delivery to an accounting backend: tracked position, at least once, no duplicates, poison parked.

The backend is the real Beancount journal (a file, read back by Beancount's loader). "Down" and
"rejects" are real in-process sinks wrapping it that raise on chosen events; "dies between booking
and recording the position" is the real store wrapped to raise on a chosen write. Position and
parked list live in the application's own SQLite file / PostgreSQL schema (or in memory).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.domain import DomainEventProtocol
from test_beancount_ledger import balance_assertions, build_books, load_ok

from q2c_adapters.accounting.beancount_ledger import (
    BeancountJournal,
    ledger_transactions,
)
from q2c_adapters.delivery import (
    Delivery,
    DeliveryStore,
    MemoryDeliveryStore,
    ParkedEvent,
    SQLiteDeliveryStore,
    open_store,
    store_for_app,
)
from q2c_core import InvalidValue, QuoteToCash
from q2c_core.ports import AccountingSink, PoisonEvent


class DownOnce:
    """The real journal behind a connection that is down the first time it sees chosen events."""

    def __init__(self, journal: BeancountJournal, down_for: set[str]) -> None:
        self.journal = journal
        self.down_for = set(down_for)

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        if event_id in self.down_for:
            self.down_for.discard(event_id)
            raise ConnectionError("ledger host unreachable")
        self.journal.deliver(event_id, event)


class Rejecting:
    """The real journal behind a gate that rejects chosen events for good."""

    def __init__(self, journal: BeancountJournal, reject: set[str]) -> None:
        self.journal = journal
        self.reject = reject

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        if event_id in self.reject:
            raise PoisonEvent(f"account closed for {type(event).__qualname__}")
        self.journal.deliver(event_id, event)


class DiesAfterBooking:
    """A real store that dies on its n-th position write: the sink already booked the event."""

    def __init__(self, store: DeliveryStore, die_on: int) -> None:
        self.store = store
        self.writes = 0
        self.die_on = die_on

    def position(self, name: str) -> int:
        return self.store.position(name)

    def advance(self, name: str, notification_id: int, parked: ParkedEvent | None) -> None:
        self.writes += 1
        if self.writes == self.die_on:
            raise SystemExit("process killed before the position was recorded")
        self.store.advance(name, notification_id, parked)

    def parked(self, name: str) -> list[ParkedEvent]:
        return self.store.parked(name)

    def unpark(self, name: str, event_id: str) -> None:
        self.store.unpark(name, event_id)


def booked_ids(text: str) -> list[str]:
    """Event ids of the journal's transactions, one per transaction."""
    return re.findall(r'^  event_id: "([^"]+)"', text, re.MULTILINE)


def expected_ids(app: QuoteToCash) -> list[str]:
    """Event ids of every transaction a full export books."""
    return [dict(t.meta)["event_id"] for t in ledger_transactions(app)]


def event_ids_with_topic(app: QuoteToCash, suffix: str) -> list[str]:
    """Ids of the events whose topic ends with ``suffix``, in log order."""
    notes = app.recorder.select_notifications(start=1, limit=10_000)
    return [f"{n.originator_id}:{n.originator_version}" for n in notes if n.topic.endswith(suffix)]


def assert_books_agree(app: QuoteToCash, text: str, customers: list[UUID]) -> None:
    """The journal loads cleanly and its balances equal q2c's own."""
    load_ok(text + balance_assertions(app, customers, text))


def test_delivers_every_event_once_and_tracks_the_position(
    app_factory: Callable[[], QuoteToCash], tmp_path: Path
) -> None:
    """On every backend, the journal ends with exactly the export's bookings, and the tracked
    position is the end of the log; running again delivers nothing."""
    app = app_factory()
    books = build_books(app)
    journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
    assert isinstance(journal, AccountingSink)
    delivery = Delivery(app, journal, name="beancount")
    report = delivery.run()
    assert report.caught_up and report.parked == 0
    assert report.delivered == app.recorder.max_notification_id()
    assert delivery.position == app.recorder.max_notification_id()
    assert delivery.lag() == 0
    text = journal.read()
    assert sorted(booked_ids(text)) == sorted(expected_ids(app))
    assert_books_agree(app, text, [books.acme, books.globex])
    again = Delivery(app, journal, name="beancount").run()
    assert again.delivered == 0 and again.position == report.position


def test_backend_down_loses_nothing_and_resumes_after_restart(tmp_path: Path) -> None:
    """A backend that is down stops the run on that event, before the position moves; after a
    restart (new application object, new journal object on the same files) nothing is missing."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    path = str(tmp_path / "books.beancount")
    app = QuoteToCash.open(url)
    books = build_books(app)
    payment_events = event_ids_with_topic(app, "Payment.PaymentAllocated")
    down = DownOnce(BeancountJournal(app, path), {payment_events[0]})
    first = Delivery(app, down, name="beancount").run()
    assert not first.caught_up
    assert first.error == "ConnectionError: ledger host unreachable"
    stopped = app.recorder.select_notifications(start=first.stopped_at, limit=1)[0]
    assert f"{stopped.originator_id}:{stopped.originator_version}" == payment_events[0]
    assert first.position == first.stopped_at - 1
    assert payment_events[0] not in booked_ids(Path(path).read_text())
    app.close()

    reopened = QuoteToCash.open(url)
    delivery = Delivery(reopened, BeancountJournal(reopened, path), name="beancount")
    assert delivery.position == first.position
    second = delivery.run()
    assert second.caught_up and second.delivered + first.delivered == second.position
    text = Path(path).read_text()
    assert sorted(booked_ids(text)) == sorted(expected_ids(reopened))
    assert_books_agree(reopened, text, [books.acme, books.globex])
    reopened.close()


@pytest.mark.parametrize(("die_on", "every"), [(1, 1), (7, 1), (25, 1), (1, 10), (3, 10)])
def test_redelivery_after_a_crash_books_nothing_twice(
    tmp_path: Path, die_on: int, every: int
) -> None:
    """The process dies after the journal booked events but before the position was recorded
    (at once, or with a checkpoint every 10 events); the next run delivers them again and the
    journal, keyed by event id, skips them."""
    url = f"sqlite:///{tmp_path / 'billing.db'}"
    path = str(tmp_path / "books.beancount")
    app = QuoteToCash.open(url)
    books = build_books(app)
    store = store_for_app(app)
    assert isinstance(store, SQLiteDeliveryStore)
    crashing = DiesAfterBooking(store, die_on)
    with pytest.raises(SystemExit):
        Delivery(
            app, BeancountJournal(app, path), name="bc", store=crashing, checkpoint_every=every
        ).run()
    assert store.position(f"{app.name}->bc") == (die_on - 1) * every
    # restart: fresh journal object reads back what the file holds
    report = Delivery(app, BeancountJournal(app, path), name="bc").run()
    assert report.caught_up
    text = Path(path).read_text()
    ids = booked_ids(text)
    assert sorted(ids) == sorted(expected_ids(app))  # none missing, none twice
    assert_books_agree(app, text, [books.acme, books.globex])


def test_poison_event_is_parked_with_its_reason_and_the_rest_continue(
    app_factory: Callable[[], QuoteToCash], tmp_path: Path
) -> None:
    """A rejected event is parked (queryable, with its reason, surviving a restart of the
    delivery); every other event is delivered; a retry once the cause is fixed books it."""
    app = app_factory()
    books = build_books(app)
    bounced = event_ids_with_topic(app, "Payment.PaymentBounced")
    assert len(bounced) == 1
    journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
    delivery = Delivery(app, Rejecting(journal, set(bounced)), name="beancount")
    report = delivery.run()
    assert report.caught_up and report.parked == 1
    assert report.delivered == app.recorder.max_notification_id() - 1
    again = Delivery(app, journal, name="beancount", store=delivery.store)
    parked = again.parked()
    assert [p.event_id for p in parked] == bounced
    assert parked[0].reason == "account closed for Payment.PaymentBounced"
    assert parked[0].topic.endswith("Payment.PaymentBounced")
    text = journal.read()
    assert bounced[0] not in booked_ids(text)
    assert load_ok(text)  # the rest is a valid ledger
    assert again.retry_parked() == []
    assert again.parked() == []
    text = journal.read()
    assert sorted(booked_ids(text)) == sorted(expected_ids(app))
    assert_books_agree(app, text, [books.acme, books.globex])


def test_retry_of_a_still_rejected_event_keeps_it_parked(tmp_path: Path) -> None:
    """A retry the backend still refuses leaves the event parked with the new reason."""
    app = QuoteToCash.open("memory:")
    build_books(app)
    bounced = set(event_ids_with_topic(app, "Payment.PaymentBounced"))
    journal = BeancountJournal(app, str(tmp_path / "b.beancount"))
    delivery = Delivery(app, Rejecting(journal, bounced), name="x", store=MemoryDeliveryStore())
    delivery.run()
    still = delivery.retry_parked()
    assert [p.event_id for p in still] == sorted(bounced)
    assert len(delivery.parked()) == 1


def test_separate_store_keeps_position_apart_from_the_app(tmp_path: Path) -> None:
    """A delivery store of its own (another SQLite file) tracks the position there."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
    build_books(app)
    store = open_store(f"sqlite:///{tmp_path / 'delivery.db'}")
    journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
    report = Delivery(app, journal, name="bc", store=store).run(limit=10)
    assert report.delivered == 10 and not report.caught_up and report.lag > 0
    assert open_store(f"sqlite:///{tmp_path / 'delivery.db'}").position(f"{app.name}->bc") == 10
    assert store_for_app(app).position(f"{app.name}->bc") == 0


def test_bad_delivery_settings_are_refused() -> None:
    """An empty name or a zero batch is a typed error naming the field."""
    app = QuoteToCash.open("memory:")
    sink = Rejecting(BeancountJournal.__new__(BeancountJournal), set())
    with pytest.raises(InvalidValue) as name_error:
        Delivery(app, sink, name=" ")
    assert name_error.value.field == "name"
    with pytest.raises(InvalidValue) as batch_error:
        Delivery(app, sink, name="x", batch_size=0)
    assert batch_error.value.field == "batch_size"


def test_an_event_that_cannot_be_decoded_is_parked(tmp_path: Path) -> None:
    """A stored event whose topic no longer resolves is parked as poison; the rest go on."""
    from uuid import uuid4

    from eventsourcing.persistence import StoredEvent

    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
    books = build_books(app)
    app.recorder.insert_events(
        [StoredEvent(uuid4(), 1, "q2c_core.domain.gone:Gone.Happened", b"{}")]
    )
    journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
    delivery = Delivery(app, journal, name="bc")
    report = delivery.run()
    assert report.caught_up and report.parked == 1
    (parked,) = delivery.parked()
    assert parked.reason.startswith("cannot decode:")
    assert parked.topic == "q2c_core.domain.gone:Gone.Happened"
    assert_books_agree(app, journal.read(), [books.acme, books.globex])


def test_separate_postgres_store_for_a_sqlite_app(tmp_path: Path) -> None:
    """The position and parked list can live in PostgreSQL while the app runs on SQLite."""
    from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres

    require_postgres()
    schema = new_pg_schema()
    try:
        app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
        build_books(app)
        bounced = set(event_ids_with_topic(app, "Payment.PaymentBounced"))
        journal = BeancountJournal(app, str(tmp_path / "books.beancount"))
        report = Delivery(
            app, Rejecting(journal, bounced), name="bc", store=open_store(pg_url(schema))
        ).run()
        assert report.caught_up and report.parked == 1
        again = open_store(pg_url(schema))
        assert again.position(f"{app.name}->bc") == app.recorder.max_notification_id()
        assert [p.event_id for p in again.parked(f"{app.name}->bc")] == sorted(bounced)
        again.unpark(f"{app.name}->bc", sorted(bounced)[0])
        assert again.parked(f"{app.name}->bc") == []
    finally:
        drop_pg_schema(schema)
