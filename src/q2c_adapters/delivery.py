"""Delivery of q2c events to an accounting backend: at least once, never twice, nothing lost.

A ``Delivery`` follows the application's notification log from a tracked position. For each
notification it calls the sink with the event id (``originator_id:version``) as idempotency key,
then records the new position. So:

- a sink that is down (raises anything but ``PoisonEvent``) stops the run *before* the position
  moves; the next run starts again at that event, so nothing is lost;
- a run that dies between the sink accepting an event and the position being recorded delivers
  that event again, and the sink's idempotency key makes the redelivery book nothing twice;
- an event the sink rejects for good (``PoisonEvent``) is parked with its reason in the same
  transaction that moves the position past it, and the rest continue. The parked list is
  queryable, survives restarts, and a parked event can be retried once the cause is fixed.

The position is an eventsourcing ``Tracking`` record kept by a ``TrackingRecorder`` (SQLite,
PostgreSQL or in memory); the parked list lives in a table next to it, in the application's own
database by default or in a separate store.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import attrs
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from q2c_core.app_base import BaseApp, closed_error
from q2c_core.domain.errors import InvalidValue, RuleViolated
from q2c_core.ports import AccountingSink, PoisonEvent
from q2c_core.storage import (
    CONNECT_TIMEOUT,
    create_tables,
    ensure_postgres_schema,
    env_for_url,
    opening,
    out_of_reach,
    redacted,
    unreachable_errors,
    url_of,
)


@attrs.frozen
class ParkedEvent:
    """An event the backend rejected for good, with the reason it gave."""

    notification_id: int
    event_id: str
    topic: str
    reason: str
    parked_at: str


@attrs.frozen
class DeliveryReport:
    """What one run did: delivered, parked, and where (and why) it stopped early."""

    delivered: int
    parked: int
    position: int
    lag: int = 0
    stopped_at: int | None = None
    error: str | None = None

    @property
    def caught_up(self) -> bool:
        """The run reached the end of the log (nothing failed, nothing left)."""
        return self.stopped_at is None and self.lag == 0


class DeliveryStore(Protocol):
    """Where a delivery keeps its position and its parked events."""

    def position(self, name: str) -> int:
        """The last notification id handled (delivered or parked), 0 before the first."""
        ...

    def advance(self, name: str, notification_id: int, parked: ParkedEvent | None) -> None:
        """Move the position to ``notification_id``, parking the event in the same transaction;
        eventsourcing's ``IntegrityError``, nothing written, when the position is already there
        or past it (another delivery of the name moved on)."""
        ...

    def parked(self, name: str) -> list[ParkedEvent]:
        """Events parked by this delivery, oldest first."""
        ...

    def unpark(self, name: str, event_id: str) -> None:
        """Forget a parked event (after it was delivered by a retry)."""
        ...

    def repark(self, name: str, parked: ParkedEvent) -> None:
        """Record the reason and time of a parked event's latest rejection (a retry the
        backend refused again); nothing when the event is no longer parked (another retry
        delivered it meanwhile)."""
        ...


_PARKED_COLUMNS = "notification_id, event_id, topic, reason, parked_at"


class SQLiteDeliveryStore(SQLiteTrackingRecorder):
    """Tracking position (eventsourcing's own table) plus a ``parked_events`` table, in SQLite."""

    def construct_create_table_statements(self) -> list[str]:
        """eventsourcing's tracking table and the parked-events table."""
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS parked_events ("
            "application_name TEXT, notification_id INTEGER, event_id TEXT, topic TEXT, "
            "reason TEXT, parked_at TEXT, PRIMARY KEY (application_name, event_id))",
        ]

    def position(self, name: str) -> int:
        """The last notification id handled."""
        return self.max_tracking_id(name) or 0

    def advance(self, name: str, notification_id: int, parked: ParkedEvent | None) -> None:
        """Record the position (and the parked event) in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            if parked is not None:
                c.execute(
                    "INSERT OR REPLACE INTO parked_events VALUES (?, ?, ?, ?, ?, ?)",
                    (name, *attrs.astuple(parked)),
                )
            self._insert_tracking(c, Tracking(name, notification_id))

    def parked(self, name: str) -> list[ParkedEvent]:
        """Parked events, oldest first."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT {_PARKED_COLUMNS} FROM parked_events "
                "WHERE application_name = ? ORDER BY notification_id",
                (name,),
            )
            return [ParkedEvent(*tuple(row)) for row in c.fetchall()]

    def unpark(self, name: str, event_id: str) -> None:
        """Forget a parked event."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "DELETE FROM parked_events WHERE application_name = ? AND event_id = ?",
                (name, event_id),
            )

    def repark(self, name: str, parked: ParkedEvent) -> None:
        """Record the latest rejection's reason and time of an event still parked."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "UPDATE parked_events SET reason = ?, parked_at = ? "
                "WHERE application_name = ? AND event_id = ?",
                (parked.reason, parked.parked_at, name, parked.event_id),
            )


def postgres_store_class() -> type[Any]:
    """The PostgreSQL delivery store class, imported only when PostgreSQL is used (the
    ``postgres`` extra is optional)."""
    global _POSTGRES_STORE
    if _POSTGRES_STORE is not None:
        return _POSTGRES_STORE
    from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
    from psycopg.sql import SQL, Identifier

    class PostgresDeliveryStore(PostgresTrackingRecorder):
        """Tracking position plus a ``parked_events`` table, in a PostgreSQL schema."""

        def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
            super().__init__(datastore, tracking_table_name="q2c_delivery_tracking", **kwargs)
            self._parked = SQL("{0}.{1}").format(
                Identifier(self.datastore.schema), Identifier("q2c_parked_events")
            )
            self.sql_create_statements.append(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {0} (application_name text, "
                    "notification_id bigint, event_id text, topic text, reason text, "
                    "parked_at text, "
                    "PRIMARY KEY (application_name, event_id))"
                ).format(self._parked)
            )

        def position(self, name: str) -> int:
            """The last notification id handled."""
            return self.max_tracking_id(name) or 0

        def advance(self, name: str, notification_id: int, parked: ParkedEvent | None) -> None:
            """Record the position (and the parked event) in one transaction."""
            with self.datastore.transaction(commit=True) as curs:
                if parked is not None:
                    curs.execute(
                        SQL(
                            "INSERT INTO {0} VALUES (%s, %s, %s, %s, %s, %s) "
                            "ON CONFLICT (application_name, event_id) DO UPDATE SET "
                            "reason = EXCLUDED.reason, parked_at = EXCLUDED.parked_at"
                        ).format(self._parked),
                        (name, *attrs.astuple(parked)),
                    )
                self._insert_tracking(curs, Tracking(name, notification_id))

        def parked(self, name: str) -> list[ParkedEvent]:
            """Parked events, oldest first."""
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(
                    SQL(
                        "SELECT " + _PARKED_COLUMNS + " FROM {0} WHERE application_name = %s "
                        "ORDER BY notification_id"
                    ).format(self._parked),
                    (name,),
                )
                return [
                    ParkedEvent(
                        int(r["notification_id"]),
                        r["event_id"],
                        r["topic"],
                        r["reason"],
                        r["parked_at"],
                    )
                    for r in curs.fetchall()
                ]

        def unpark(self, name: str, event_id: str) -> None:
            """Forget a parked event."""
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(
                    SQL("DELETE FROM {0} WHERE application_name = %s AND event_id = %s").format(
                        self._parked
                    ),
                    (name, event_id),
                )

        def repark(self, name: str, parked: ParkedEvent) -> None:
            """Record the latest rejection's reason and time of an event still parked."""
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(
                    SQL(
                        "UPDATE {0} SET reason = %s, parked_at = %s "
                        "WHERE application_name = %s AND event_id = %s"
                    ).format(self._parked),
                    (parked.reason, parked.parked_at, name, parked.event_id),
                )

    _POSTGRES_STORE = PostgresDeliveryStore
    return PostgresDeliveryStore


_POSTGRES_STORE: type[Any] | None = None


class MemoryDeliveryStore(POPOTrackingRecorder):
    """Position and parked list in process (for an in-memory application)."""

    def __init__(self) -> None:
        super().__init__()
        self._parked_events: dict[str, dict[str, ParkedEvent]] = {}
        self._lock = threading.Lock()

    def position(self, name: str) -> int:
        """The last notification id handled."""
        return self.max_tracking_id(name) or 0

    def advance(self, name: str, notification_id: int, parked: ParkedEvent | None) -> None:
        """Record the position and the parked event together."""
        with self._lock:
            self.insert_tracking(Tracking(name, notification_id))
            if parked is not None:
                self._parked_events.setdefault(name, {})[parked.event_id] = parked

    def parked(self, name: str) -> list[ParkedEvent]:
        """Parked events, oldest first."""
        with self._lock:
            found = self._parked_events.get(name, {}).values()
            return sorted(found, key=lambda p: p.notification_id)

    def unpark(self, name: str, event_id: str) -> None:
        """Forget a parked event."""
        with self._lock:
            self._parked_events.get(name, {}).pop(event_id, None)

    def repark(self, name: str, parked: ParkedEvent) -> None:
        """Record the latest rejection's reason and time of an event still parked."""
        with self._lock:
            events = self._parked_events.get(name, {})
            if parked.event_id in events:
                events[parked.event_id] = parked


class _Overtaken(Exception):
    """A run's position write found the position already at or past it: another run of the
    same name moved on first (the stores record a position only forwards, and roll back the
    parked event written with it)."""

    def __init__(self, notification_id: int) -> None:
        super().__init__(notification_id)
        self.notification_id = notification_id


_MEMORY_STORES: weakref.WeakKeyDictionary[BaseApp, MemoryDeliveryStore] = (
    weakref.WeakKeyDictionary()
)


def store_for_app(app: BaseApp) -> DeliveryStore:
    """A delivery store in the application's own database (same SQLite file or PG schema)."""
    recorder: Any = app.recorder
    datastore = getattr(recorder, "datastore", None)
    store: Any
    if isinstance(datastore, SQLiteDatastore):
        store = SQLiteDeliveryStore(datastore)
    elif type(datastore).__name__ == "PostgresDatastore":
        store = postgres_store_class()(datastore)
    else:
        if app not in _MEMORY_STORES:
            _MEMORY_STORES[app] = MemoryDeliveryStore()
        return _MEMORY_STORES[app]
    # (processes starting their first deliveries at once: one creates the tables, the others
    # find them; ``create_tables``)
    create_tables(app.env, store.create_table)
    result: DeliveryStore = store
    return result


def open_store(url: str) -> DeliveryStore:
    """A delivery store of its own, at a storage URL (``sqlite:///...``, ``postgresql://...``),
    waiting for its storage as an application opened on the URL does: a position write for
    another SQLite writer ``?lock_timeout=`` seconds (else SQLITE_LOCK_TIMEOUT's, else 5), a
    PostgreSQL server ``?connect_timeout=`` seconds (else POSTGRES_CONNECT_TIMEOUT's, else 30);
    storage that cannot be opened (a server not answering, a database or a folder that does not
    exist) is ``StorageUnavailable`` naming the URL, its password left out."""
    env = env_for_url(url)
    with opening(url):
        store: Any = _open_store(env)
    store.url = redacted(url)  # (what its errors name)
    result: DeliveryStore = store
    return result


def _seconds(env: dict[str, str], name: str) -> int | None:
    """A wait the URL sets (``env_for_url``'s ``name``), else the environment's ``name`` (both
    checked by ``env_for_url``), else None."""
    given = env.get(name) or os.environ.get(name, "").strip()
    return int(given) if given else None


def _open_store(env: dict[str, str]) -> DeliveryStore:
    module = env["PERSISTENCE_MODULE"]
    store: Any
    if module == "eventsourcing.sqlite":
        # how long a position write waits for another writer (``?lock_timeout=``, else
        # SQLITE_LOCK_TIMEOUT, else the library's 5 s), as a save of the application waits;
        # a connection from the pool is waited for as long
        lock_timeout = _seconds(env, "SQLITE_LOCK_TIMEOUT")
        store = SQLiteDeliveryStore(
            SQLiteDatastore(
                env["SQLITE_DBNAME"],
                lock_timeout=lock_timeout,
                pool_timeout=float(max(5, lock_timeout or 0)),
            )
        )
    elif module == "eventsourcing.postgres":
        from eventsourcing.postgres import PostgresDatastore

        ensure_postgres_schema(env)
        store = postgres_store_class()(
            PostgresDatastore(
                dbname=env["POSTGRES_DBNAME"],
                host=env["POSTGRES_HOST"],
                port=env["POSTGRES_PORT"],
                user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"],
                schema=env.get("POSTGRES_SCHEMA", ""),
                # (``?connect_timeout=``, else POSTGRES_CONNECT_TIMEOUT, else 30 s: as the
                # application opened on the URL waits for the server)
                connect_timeout=float(_seconds(env, "POSTGRES_CONNECT_TIMEOUT") or CONNECT_TIMEOUT),
            )
        )
    else:
        return MemoryDeliveryStore()
    # (the schema first; processes opening a new store at once: ``create_tables``)
    create_tables(env, store.create_table)
    result: DeliveryStore = store
    return result


def _count(value: object, field: str) -> None:
    """A setting that counts events: a whole number (not a flag, not text) of at least 1, or
    InvalidValue naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(
            f"must be a whole number of events, not {type(value).__name__}",
            field=field,
            value=repr(value),
        )
    if value < 1:
        raise InvalidValue("must be at least 1", field=field, value=value)


class Delivery:
    """Follows an application's notification log into an accounting sink.

    ``name`` identifies this delivery's position and parked list (one per sink).
    ``checkpoint_every`` records the position after that many delivered events (and always
    before parking, stopping or returning): 1 redelivers at most one event after a crash; more
    is faster and redelivers more, which the sink's idempotency key absorbs.
    A ``name`` that is no text or empty, a ``sink`` with no ``deliver`` method, a ``store``
    that is none (its URL: ``open_store(url)`` opens it), and a
    ``batch_size`` or ``checkpoint_every`` that is no whole number of at least 1 are refused,
    ``InvalidValue`` naming the setting.
    """

    def __init__(
        self,
        app: BaseApp,
        sink: AccountingSink,
        *,
        name: str,
        store: DeliveryStore | None = None,
        batch_size: int = 200,
        checkpoint_every: int = 1,
    ) -> None:
        if not isinstance(name, str):
            raise InvalidValue(
                f"must be text, not {type(name).__name__}", field="name", value=repr(name)
            )
        if not name.strip():
            raise InvalidValue("must not be empty", field="name")
        # (the Protocol's check sees the name only: a deliver of text passed it)
        if not isinstance(sink, AccountingSink) or not callable(getattr(sink, "deliver", None)):
            raise InvalidValue(
                f"must be an AccountingSink (a deliver(event_id, event) method), "
                f"not {type(sink).__name__}",
                field="sink",
            )
        _count(batch_size, "batch_size")
        _count(checkpoint_every, "checkpoint_every")
        if store is not None and not all(
            callable(getattr(store, method, None)) for method in ("position", "advance", "parked")
        ):
            opened = " (open it: store=open_store(url))" if isinstance(store, str) else ""
            raise InvalidValue(
                f"must be a DeliveryStore, not {type(store).__name__}{opened}",
                field="store",
                value=redacted(store) if isinstance(store, str) else None,
            )
        self.app = app
        self.sink = sink
        self.name = f"{app.name}->{name}"
        if store is None:
            with self._reaching(self._app_url()):  # (its tables made in the app's store)
                store = store_for_app(app)
        self.store: DeliveryStore = store
        self.batch_size = batch_size
        self.checkpoint_every = checkpoint_every

    def _in_log(self) -> contextlib.AbstractContextManager[None]:
        """Around reading the application's log: ``_reaching`` its URL."""
        return self._reaching(self._app_url())

    def _in_store(self) -> contextlib.AbstractContextManager[None]:
        """Around reading or writing the position and parked list: ``_reaching`` the store's
        URL (``open_store``'s), or the application's when they live in its store."""
        return self._reaching(getattr(self.store, "url", None) or self._app_url())

    def _app_url(self) -> str:
        return getattr(self.app, "storage_url", None) or url_of(self.app.env.get)

    @contextlib.contextmanager
    def _reaching(self, url: str) -> Iterator[None]:
        """Storage failing (out of reach, a SQLite file locked past its lock timeout) as
        ``StorageUnavailable`` naming ``url`` without its password, and an application
        closed already as its own ``StorageUnavailable`` saying so, as its commands raise
        them; never the sink's errors, which are not raised in here."""
        closing = getattr(self.app, "closing", None)
        if closing is not None and closing.is_set():
            raise closed_error(self.app)
        try:
            yield
        except unreachable_errors() as error:
            raise out_of_reach(url, error) from error

    @property
    def position(self) -> int:
        """The last notification id handled (delivered or parked)."""
        with self._in_store():
            return self.store.position(self.name)

    def lag(self) -> int:
        """Notifications recorded and not handled yet; a position past the end of the log is
        refused as ``run`` refuses it (``RuleViolated`` naming ``position``), never read as
        nothing left to deliver."""
        position = self.position
        self._refuse_past_head(position)
        return self._lag(position)

    def parked(self) -> list[ParkedEvent]:
        """Events parked with the reason the backend gave, oldest first."""
        with self._in_store():
            return self.store.parked(self.name)

    def run(self, *, limit: int | None = None) -> DeliveryReport:
        """Deliver from the tracked position until the log ends, ``limit`` is reached, or the
        sink fails (then the position stays on the failing event and the error is reported).
        ``limit`` (events delivered or parked) is a whole number of at least 1, or None for
        no limit (InvalidValue naming ``limit`` otherwise, nothing delivered).

        Storage failing under it (the log or the position's store out of reach, a SQLite
        file locked by another writer past its lock timeout) is ``StorageUnavailable`` naming
        that store's URL, and an application closed already its own ``StorageUnavailable``,
        as for the application's commands; what was recorded stands, and the next run goes
        on from there (``parked``, ``retry_parked``, ``position`` and ``lag`` alike).

        A position past the end of the log (the books restored from an older copy while the
        position was kept apart, ``open_store``) is refused, ``RuleViolated`` naming
        ``position``, nothing delivered: going on would skip the log's events up to it.

        Another run of the same name that moved the position on first (an overlapping cron
        run) stops this one at its next position write: the report says so (``stopped_at``,
        ``error``) with the position that run recorded; the event this run was recording, and
        any it parks with it, are left to that run (see ``_Overtaken``)."""
        if limit is not None:
            _count(limit, "limit")
        delivered = parked = 0
        position = self.position
        self._refuse_past_head(position)
        unrecorded = 0

        def advance(notification_id: int, parking: ParkedEvent | None) -> None:
            try:
                with self._in_store():
                    self.store.advance(self.name, notification_id, parking)
            except IntegrityError as error:  # the position is already at or past it
                raise _Overtaken(notification_id) from error

        def checkpoint() -> None:
            nonlocal unrecorded
            if unrecorded:
                advance(position, None)
                unrecorded = 0

        try:
            while limit is None or delivered + parked < limit:
                want = (
                    self.batch_size
                    if limit is None
                    else min(self.batch_size, limit - delivered - parked)
                )
                with self._in_log():
                    page = self.app.recorder.select_notifications(start=position + 1, limit=want)
                if not page:
                    break
                for notification in page:
                    key = f"{notification.originator_id}:{notification.originator_version}"
                    try:
                        self.sink.deliver(key, self._decoded(notification))
                    except PoisonEvent as poison:
                        advance(
                            notification.id,
                            ParkedEvent(
                                notification.id,
                                key,
                                notification.topic,
                                str(poison) or type(poison).__name__,
                                datetime.now(UTC).isoformat(),
                            ),
                        )
                        unrecorded = 0
                        parked += 1
                    except Exception as error:
                        checkpoint()
                        return DeliveryReport(
                            delivered,
                            parked,
                            position,
                            lag=self._lag(position),
                            stopped_at=notification.id,
                            error=f"{type(error).__name__}: {error}",
                        )
                    else:
                        delivered += 1
                        unrecorded += 1
                    position = notification.id
                    if unrecorded >= self.checkpoint_every:
                        checkpoint()
            checkpoint()
        except _Overtaken as overtaken:
            moved_to = self.position
            return DeliveryReport(
                delivered,
                parked,
                moved_to,
                lag=self._lag(moved_to),
                stopped_at=overtaken.notification_id,
                error=(
                    f"another delivery of {self.name} recorded position {moved_to} first: "
                    "this run stopped; that run delivers or parks the events (the sink's "
                    "idempotency key books nothing twice)"
                ),
            )
        return DeliveryReport(delivered, parked, position, lag=self._lag(position))

    def _refuse_past_head(self, position: int) -> None:
        """RuleViolated naming ``position`` when it is past the end of the application's log
        (read after it), before anything is delivered: a position is always a notification
        read from this log, so one past its end was recorded following another history (a
        tracking store kept apart while the books were restored from an older copy, or given
        another store's books). Going on would skip this log's events up to it, for good."""
        with self._in_log():
            head = self.app.recorder.max_notification_id() or 0
        if position <= head:
            return
        raise RuleViolated(
            f"delivery {self.name} is at notification {position}, past the end of the "
            f"application's log, whose last notification is {head}: its position was recorded "
            "following another history (the books restored from an older copy since, or "
            "another store's books); delivering on would skip this log's events up to there. "
            "To give the sink this log, deliver under a new name (from its start: the sink's "
            "idempotency key books nothing twice); otherwise open the books it delivered from",
            field="position",
            value=position,
        )

    def _decoded(self, notification: Notification) -> DomainEventProtocol[UUID]:
        """The notification's domain event, or ``PoisonEvent`` saying it cannot be decoded."""
        try:
            event: DomainEventProtocol[UUID] = self.app.mapper.to_domain_event(notification)
        except Exception as error:
            # an event this code cannot read will never become readable by waiting
            raise PoisonEvent(f"cannot decode: {type(error).__name__}: {error}") from error
        return event

    def _lag(self, position: int) -> int:
        with self._in_log():
            return max(0, (self.app.recorder.max_notification_id() or 0) - position)

    def retry_parked(self) -> list[ParkedEvent]:
        """Deliver the parked events again; those the sink now accepts leave the parked list.

        Returns the events still parked: those the sink rejects again, and those that still
        cannot be decoded ("cannot decode: ...", as ``run`` parks them). Their new reasons and
        the time of this rejection are recorded (``parked`` shows them, after a restart too),
        so the parked list says why each event is parked now, not why it was first.

        A sink that fails otherwise (down: any error but ``PoisonEvent``) stops the retry
        there, unlike ``run``, which reports it: its error is raised as it is, the events it
        accepted before have left the list and the others stay parked as they were, for the
        next retry.
        """
        still: list[ParkedEvent] = []
        for item in self.parked():
            with self._in_log():
                notes = self.app.recorder.select_notifications(
                    start=item.notification_id, limit=1, stop=item.notification_id
                )
            try:
                if not notes:
                    raise PoisonEvent("the notification is no longer in the log")
                self.sink.deliver(item.event_id, self._decoded(notes[0]))
            except PoisonEvent as poison:
                again = attrs.evolve(
                    item,
                    reason=str(poison) or type(poison).__name__,
                    parked_at=datetime.now(UTC).isoformat(),
                )
                with self._in_store():
                    self.store.repark(self.name, again)
                still.append(again)
                continue
            with self._in_store():
                self.store.unpark(self.name, item.event_id)
        return still
