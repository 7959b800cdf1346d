"""Storage failing under a delivery (the books' SQLite file locked by another writer past its
lock timeout, the application closed) is ``StorageUnavailable`` naming the store's URL, as for
any command of the application: a cron job's ``except StorageUnavailable`` catches it, never
eventsourcing's untyped ``OperationalError`` or ``ConnectionPoolClosedError``. What the run
recorded stands; the next run goes on from there and loses nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import UUID

import pytest
from erp import Erp, event_ids
from eventsourcing.domain import DomainEventProtocol

from q2c_adapters.delivery import Delivery, open_store
from q2c_core import QuoteToCash, StorageUnavailable


def test_a_busy_books_file_stops_the_run_as_storage_unavailable(tmp_path: Path) -> None:
    """A DB browser holds the books' write lock while the delivery runs (position kept in the
    books, lock timeout 1 s): the run stops with StorageUnavailable naming the URL; once the
    browser lets go, the next run delivers every event, each booked once."""
    db = tmp_path / "billing.db"
    app = QuoteToCash.open(f"sqlite:///{db}?lock_timeout=1")
    for name in ("Acme", "Globex"):
        app.register_customer(name, "EUR", account_manager="mia", actor="sales")
    erp = Erp()
    delivery = Delivery(app, erp, name="erp")
    browser = sqlite3.connect(db, isolation_level=None)
    browser.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageUnavailable) as busy:
            delivery.run()
    finally:
        browser.rollback()
        browser.close()
    assert busy.value.field == "url" and busy.value.value == f"sqlite:///{db}?lock_timeout=1"
    assert "locked" in str(busy.value)
    assert delivery.position == 0

    assert delivery.run().caught_up
    assert erp.booked == event_ids(app)
    app.close()


def test_a_separate_tracking_store_busy_is_named_by_its_own_url(tmp_path: Path) -> None:
    """The position in a store of its own (tracking.db, lock timeout 1 s) locked by another
    writer: StorageUnavailable names tracking.db, not the books."""
    app = QuoteToCash.open(f"sqlite:///{tmp_path / 'billing.db'}")
    app.register_customer("Acme", "EUR", account_manager="mia", actor="sales")
    tracking = tmp_path / "tracking.db"
    delivery = Delivery(
        app, Erp(), name="erp", store=open_store(f"sqlite:///{tracking}?lock_timeout=1")
    )
    holder = sqlite3.connect(tracking, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageUnavailable) as busy:
            delivery.run()
    finally:
        holder.rollback()
        holder.close()
    assert busy.value.value == f"sqlite:///{tracking}?lock_timeout=1"
    assert delivery.run().caught_up
    app.close()


def test_a_delivery_of_a_closed_application_says_it_was_closed(shared_url: str) -> None:
    """The application was closed (a web worker shutting down) before the delivery ran, on
    SQLite and PostgreSQL: a new Delivery of it, and run, retry_parked, parked, position and
    lag, refuse with the application's StorageUnavailable saying it was closed."""
    app = QuoteToCash.open(shared_url)
    app.register_customer("Acme", "EUR", account_manager="mia", actor="sales")
    delivery = Delivery(app, Erp(), name="erp")
    app.close()
    with pytest.raises(StorageUnavailable, match="this application was closed"):
        Delivery(app, Erp(), name="erp-2")  # (its position's tables in the closed store)
    for step in (delivery.run, delivery.retry_parked, delivery.parked, delivery.lag):
        with pytest.raises(StorageUnavailable, match="this application was closed"):
            step()
    with pytest.raises(StorageUnavailable, match="this application was closed"):
        _ = delivery.position


class ErpWhileTheServerRestarts(Erp):
    """The ERP, slow enough that PostgreSQL is restarted while it books the second event: the
    server ends every connection to the books (those whose last statement named their schema,
    so no other store's)."""

    def __init__(self, schema: str) -> None:
        super().__init__()
        self.schema = schema
        self.given = 0

    def deliver(self, event_id: str, event: DomainEventProtocol[UUID]) -> None:
        self.given += 1
        if self.given == 2:
            import psycopg
            from conftest import PG_DSN

            with psycopg.connect(PG_DSN, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE pid <> pg_backend_pid() AND query LIKE %s",
                    (f"%{self.schema}%",),
                )
        super().deliver(event_id, event)


def test_postgres_cutting_the_connections_mid_run_is_storage_unavailable() -> None:
    """The PostgreSQL server restarts in the middle of a run (position in the books' schema):
    the run stops with StorageUnavailable naming the URL, never psycopg's or eventsourcing's
    own error; the next run reconnects and goes on from the position recorded, and every
    event is booked once."""
    from conftest import drop_pg_schema, new_pg_schema, pg_url, require_postgres

    require_postgres()
    schema = new_pg_schema()
    try:
        app = QuoteToCash.open(pg_url(schema))
        for name in ("Acme", "Globex", "Initech"):
            app.register_customer(name, "EUR", account_manager="mia", actor="sales")
        erp = ErpWhileTheServerRestarts(schema)
        delivery = Delivery(app, erp, name="erp")
        with pytest.raises(StorageUnavailable) as cut:
            delivery.run()
        assert cut.value.field == "url" and cut.value.value == pg_url(schema)
        assert delivery.run().caught_up
        assert erp.booked == event_ids(app)
        app.close()
    finally:
        drop_pg_schema(schema)
