"""When each save was recorded, so that "as of T" means what was recorded by T.

eventsourcing keeps each event's creation time in the event, not the time its transaction
committed, and one save may record an event created earlier after one created later (a billing
run saves a contract's PeriodBilled, then the invoice drafted just before it; an allocation saves
the payment, then the invoice). q2c's recorders (``SQLiteEventRecorder``,
``PostgresEventRecorder``) therefore add one row per save to a table beside the events, in the
same transaction: the save's first and last notification ids and the time it was recorded,
taken while the save holds the write lock and never before the save before it, so later saves
have later times whatever a clock does (one stepped back, a second application server's behind
the first's). On PostgreSQL that time is the database server's clock, one for every
application server; on SQLite, the machine's.

``position_as_of`` turns a time into the last notification id recorded by then: whole saves,
and the same cut for every reader, whatever topics it reads. A save's time is taken before its
transaction commits, so a cut first waits for the saves being written (``wait_for_saves``): a
save it then cannot see is recorded after the cut was taken, and a cut for a time already past
on the recording clock is the same whenever it is taken, while others save or after. A time
still ahead of that clock (the database server's on PostgreSQL, however far an application
server's runs ahead of it) is no fixed cut yet: saves recorded before it, later, are taken in
when the cut is taken again. Events recorded before the table existed (and by the in-memory
recorder, which has none) are cut at the first event created after the time, the best the
events alone can tell.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from q2c_core.domain.errors import InvalidValue
from q2c_core.storage import reaching, url_of

SAVES_SUFFIX = "_saves"


def recorded_text(moment: datetime) -> str:
    """A recording time as SQLite keeps it: UTC, fixed width, so text order is time order (the
    year in four digits: ``strftime``'s ``%Y`` writes 999 as "999", which sorts after "2026").
    A time at the ends of the calendar that has no UTC datetime (``datetime.min`` east of UTC,
    ``datetime.max`` west of it) is written as the first or the last there is."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc = datetime.min if moment.year == 1 else datetime.max
    return f"{utc.year:04d}" + utc.strftime("-%m-%dT%H:%M:%S.%f+00:00")


def now() -> datetime:
    """This machine's time, for the recording time of a save being written (on SQLite)."""
    return datetime.now(UTC)


def not_before(moment: datetime, before: str | datetime | None) -> datetime:
    """A save's recording time: ``moment``, or the save before's time (``before``, as the
    store keeps it) when that is later: a clock that stepped back never puts a save before an
    earlier one."""
    if before is None:
        return moment
    earlier = datetime.fromisoformat(before) if isinstance(before, str) else before
    if earlier.tzinfo is None:
        earlier = earlier.replace(tzinfo=UTC)
    return max(moment, earlier)


@runtime_checkable
class RecordsSaves(Protocol):
    """A recorder that keeps a row per save (see the module)."""

    def saves_recorded_by(self, moment: datetime) -> tuple[int | None, int | None]:
        """(first notification id of the earliest save kept, last notification id of the
        latest save committed and recorded at or before ``moment``); None where there is
        none. Saves still being written are not waited for (``wait_for_saves``)."""
        ...

    def recorded_times(self, originator_id: UUID) -> dict[int, datetime]:
        """When each event of one aggregate was recorded, by version (see the module)."""
        ...


def recorded_times(app: Any, originator_id: UUID) -> dict[int, datetime]:
    """When each event of one aggregate was recorded (its save's time, UTC), by version: the
    time to give ``--as-of`` for a view that includes the event. Empty where the recorder keeps
    no save times (in memory, or events recorded before q2c kept them).

    An id given as its text (with dashes, or the 32 hex digits reports print) is read as the
    UUID it spells; other text is ``InvalidValue`` naming ``originator_id``. An application
    closed already is ``StorageUnavailable`` saying so, and storage out of reach while it is
    read ``StorageUnavailable`` naming the URL, as with its commands."""
    if not isinstance(originator_id, UUID):
        try:
            originator_id = UUID(str(originator_id))
        except ValueError:
            raise InvalidValue(
                "must be an aggregate's id (a UUID, or its text)",
                field="originator_id",
                value=originator_id,
            ) from None
    with _reading(app):
        recorder = app.recorder
        if not isinstance(recorder, RecordsSaves):
            return {}
        return {v: t.astimezone(UTC) for v, t in recorder.recorded_times(originator_id).items()}


def position_as_of(app: Any, moment: datetime) -> int:
    """The last notification id recorded at or before ``moment`` (0: nothing was): the same
    whenever it is asked once ``moment`` is past on the recording clock (see the module).

    ``moment`` is a date and time (UTC when it names no zone): anything else (text, a business
    day) is ``InvalidValue`` naming ``moment``. An application closed already is
    ``StorageUnavailable`` saying so, and storage out of reach while it is read
    ``StorageUnavailable`` naming the URL, as with its commands."""
    if not isinstance(moment, datetime):
        raise InvalidValue(
            f"must be a date and time (when events were recorded), not {type(moment).__name__}",
            field="moment",
            value=moment,
        )
    with _reading(app):
        return _position_as_of(app, moment)


@contextlib.contextmanager
def _reading(app: Any) -> Iterator[None]:
    """Around reading an application's recorder: refused when the application was closed
    (``closed_error``), its storage out of reach raised as ``StorageUnavailable``."""
    from q2c_core.app_base import closed_error

    closing = getattr(app, "closing", None)
    if closing is not None and closing.is_set():
        raise closed_error(app)
    with reaching(getattr(app, "storage_url", None) or url_of(app.env.get)):
        yield


def _position_as_of(app: Any, moment: datetime) -> int:
    recorder = app.recorder
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if isinstance(recorder, RecordsSaves):
        wait_for_saves(recorder)
        earliest, last = recorder.saves_recorded_by(moment)
        if earliest is not None:
            if last is not None:
                return last  # (events before the earliest kept save precede it)
            return _first_created_after(app, moment, earliest - 1)
    head: int = recorder.max_notification_id() or 0
    return _first_created_after(app, moment, head)


def wait_for_saves(recorder: object) -> None:
    """Wait until the saves being written when this is called have committed (or rolled back).

    q2c's recorders take a save's time while it holds the writers' lock: on PostgreSQL the
    events table locked in EXCLUSIVE mode, on SQLite the file's write lock (taken by the first
    insert of the save's transaction). Taking the same lock for a moment waits for those
    saves, and any save not committed by then takes the lock, and its time, afterwards. On
    PostgreSQL the lock is ROW EXCLUSIVE (the weakest that waits for a writer's EXCLUSIVE,
    allowed to any role that may insert; it keeps no reader waiting), held by a transaction
    that reads nothing; a role that may only read waits instead for the transactions holding
    the writers' lock to end. Other recorders (in memory) save in this process, and are not
    waited for."""
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    if isinstance(recorder, SQLiteAggregateRecorder):
        _wait_for_sqlite_saves(recorder)
        return
    try:
        from eventsourcing.postgres import PostgresAggregateRecorder
    except ImportError:  # (no PostgreSQL driver: not a PostgreSQL recorder)
        return
    if isinstance(recorder, PostgresAggregateRecorder):
        _wait_for_postgres_saves(recorder)


def _wait_for_sqlite_saves(recorder: Any) -> None:
    """Take the file's write lock and let it go (as long as a save waits for it, the lock
    timeout, else ``StorageUnavailable`` saying the store is busy)."""
    import sqlite3

    from eventsourcing.persistence import OperationalError

    from q2c_core.sqlite_recorder import store_busy

    # (this process's writer slot too: its other threads' saves, and an in-memory file's)
    with recorder.datastore.get_connection(commit=True) as conn:
        cursor = conn.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            busy = store_busy(recorder, OperationalError(error), "no cut was taken")
            if busy is None:
                raise
            raise busy from error
        finally:
            cursor.sqlite_cursor.close()
        conn.rollback()


def _wait_for_postgres_saves(recorder: Any) -> None:
    """Lock the events table in ROW EXCLUSIVE mode and let it go, within the writers' lock
    timeout; a role without the right to insert waits for the writers' lock to be let go."""
    from eventsourcing.persistence import PersistenceError
    from psycopg import errors
    from psycopg.sql import SQL, Identifier

    datastore = recorder.datastore
    table = SQL("{0}.{1}").format(
        Identifier(datastore.schema), Identifier(recorder.events_table_name)
    )
    try:
        with datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            curs.execute(SQL("SET LOCAL lock_timeout = '{0}s'").format(datastore.lock_timeout))
            curs.execute(SQL("LOCK TABLE {0} IN ROW EXCLUSIVE MODE").format(table))
    except PersistenceError as error:  # (the library's, raised from the driver's)
        if isinstance(error.__cause__, errors.InsufficientPrivilege):
            _wait_for_postgres_writers(recorder, table.as_string())
        elif not isinstance(error.__cause__, errors.UndefinedTable):
            raise  # (no events table: nothing is being saved)


# how often a role that may only read looks again whether the writers' lock was let go (s)
_LOOK_AGAIN = 0.002


def _wait_for_postgres_writers(recorder: Any, table: str) -> None:
    """Wait until the transactions holding the events table's EXCLUSIVE lock now have ended
    (``pg_locks``, which any role may read); a writer taking it later takes its time later."""
    holding = (
        "SELECT l.virtualtransaction AS v FROM pg_locks l JOIN pg_database d "
        "ON d.oid = l.database AND d.datname = current_database() "
        "WHERE l.locktype = 'relation' AND l.relation = to_regclass(%s) "
        "AND l.mode = 'ExclusiveLock' AND l.granted"
    )
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(holding, (table,))
        writers = {row["v"] for row in curs.fetchall()}
        while writers:
            time.sleep(_LOOK_AGAIN)
            curs.execute(holding, (table,))
            writers &= {row["v"] for row in curs.fetchall()}


_PREFIX = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'


def _first_created_after(app: Any, moment: datetime, stop: int) -> int:
    """The notification id before the first event (up to ``stop``) created after ``moment``;
    the last one up to ``stop`` when there is none. Each event's time is read from the head
    of its stored state where it is written plainly there, else the event is decoded."""
    from q2c_core.projections.reader import NotificationReader

    reader = NotificationReader(app.recorder)
    mapper = app.mapper
    start, last = 1, 0
    while start <= stop:
        page = reader.select(start, 20_000, stop=stop)
        if not page:
            break
        for row in page:
            state = row[4]
            if isinstance(state, memoryview):
                state = bytes(state)
            if isinstance(state, bytes) and state.startswith(_PREFIX):
                end = state.index(b'"', len(_PREFIX))
                created = datetime.fromisoformat(state[len(_PREFIX) : end].decode())
            else:
                created = mapper.to_domain_event(reader.as_notification(row)).timestamp
            if created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            if created > moment:
                return last
            last = row[0]
        start = page[-1][0] + 1
    return last
