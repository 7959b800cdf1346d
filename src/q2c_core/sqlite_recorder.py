"""eventsourcing's SQLite application recorder, keeping a row per save (``recorded_saves``); a
save that cannot get the file's write lock in time is ``StorageUnavailable`` saying the store
is busy (``store_busy``, which a snapshot that cannot be written says too)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ConnectionUnavailableError, OperationalError, StoredEvent
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
)

from q2c_core.domain.errors import StorageUnavailable
from q2c_core.recorded_saves import SAVES_SUFFIX, not_before, now, recorded_text

# SQLite's primary result codes of a lock another connection holds (SQLITE_BUSY, SQLITE_LOCKED)
_BUSY_CODES = (5, 6)


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    """The library's recorder; each save also records its notification ids and time (this
    machine's clock, and never before the save before it)."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        # (named before the library's constructor builds the create statements)
        self.saves_table_name = events_table_name + SAVES_SUFFIX
        self.saves_ready = False  # the saves table is known to exist
        super().__init__(datastore, events_table_name)
        # a writer of this process waits for another thread's write as long as for another
        # process's (the library's pool gives up after 5 s whatever the lock timeout)
        pool = datastore.pool
        pool.pool_timeout = max(pool.pool_timeout, float(self.lock_timeout))

    @property
    def lock_timeout(self) -> int:
        """Seconds a write waits for another writer to release the file (the URL's
        ``?lock_timeout=``, else SQLITE_LOCK_TIMEOUT, else the library's 5)."""
        return self.datastore.pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Record events in one transaction (the library's); another writer holding the file's
        lock past the lock timeout is ``StorageUnavailable``, the save rolled back whole."""
        try:
            return super().insert_events(stored_events, **kwargs)
        except OperationalError as error:
            busy = store_busy(self, error, "nothing was recorded")
            if busy is None:
                raise
            raise busy from error

    def construct_create_table_statements(self) -> list[str]:
        """The events table, and the saves table beside it."""
        return [*super().construct_create_table_statements(), self._create_saves_statement()]

    def _create_saves_statement(self) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {self.saves_table_name} ("
            "last_id INTEGER PRIMARY KEY, first_id INTEGER NOT NULL, recorded_at TEXT NOT NULL)"
        )

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:  # (in the save's transaction, under SQLite's one-writer lock)
            if not self.saves_ready:  # a file made before the table, opened with CREATE_TABLE off
                c.execute(self._create_saves_statement())
                self.saves_ready = True
            # never before the save before (a clock stepped back): the last save by id is the
            # latest, its time the latest, as every save is recorded under this lock
            c.execute(
                f"SELECT recorded_at FROM {self.saves_table_name} ORDER BY last_id DESC LIMIT 1"
            )
            before = c.fetchone()
            c.execute(
                f"INSERT INTO {self.saves_table_name} VALUES (?, ?, ?)",
                (ids[-1], ids[0], recorded_text(not_before(now(), before and before[0]))),
            )
        return ids

    def saves_recorded_by(self, moment: datetime) -> tuple[int | None, int | None]:
        """(first id of the earliest save kept, last id of the latest save recorded by then)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (self.saves_table_name,),
            )
            if c.fetchone() is None:  # nothing saved since the file was made before it
                return None, None
            c.execute(f"SELECT MIN(first_id) FROM {self.saves_table_name}")
            earliest = c.fetchone()[0]
            c.execute(
                f"SELECT MAX(last_id) FROM {self.saves_table_name} WHERE recorded_at <= ?",
                (recorded_text(moment),),
            )
            last = c.fetchone()[0]
        return earliest, last

    def recorded_times(self, originator_id: UUID) -> dict[int, datetime]:
        """When each event of one aggregate was recorded (its save's time), by version; events
        recorded before q2c kept save times are left out."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (self.saves_table_name,),
            )
            if c.fetchone() is None:
                return {}
            # the save holding an event is the first whose last id is not below the event's
            c.execute(
                f"SELECT e.originator_version, e.rowid, s.first_id, s.recorded_at "
                f"FROM {self.events_table_name} e LEFT JOIN {self.saves_table_name} s "
                f"ON s.last_id = (SELECT MIN(last_id) FROM {self.saves_table_name} "
                "WHERE last_id >= e.rowid) WHERE e.originator_id = ?",
                (originator_id.hex,),
            )
            return {
                version: datetime.fromisoformat(recorded_at)
                for version, rowid, first_id, recorded_at in c.fetchall()
                if first_id is not None and first_id <= rowid
            }


def store_busy(
    recorder: object, error: OperationalError, outcome: str
) -> StorageUnavailable | None:
    """``StorageUnavailable`` saying the SQLite file is busy when ``error`` is another writer
    holding its lock past the lock timeout (``outcome`` says what was left unwritten), or None
    for any other error, or a recorder not on SQLite."""
    if not isinstance(recorder, SQLiteAggregateRecorder) or not _locked(error):
        return None
    pool = recorder.datastore.pool
    name = pool.db_name
    return StorageUnavailable(
        f"the SQLite database {name} is busy: another writer held it locked for more than "
        f"{pool.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT} s, so {outcome}; try again, or "
        "let writes wait longer with ?lock_timeout=seconds in the URL",
        field="url",
        value=f"sqlite:///{name}",
    )


def _locked(error: OperationalError) -> bool:
    """Whether a save failed because another writer held the lock: SQLite's busy timeout ran
    out (another connection), or the pool's wait for this process's writer did."""
    if isinstance(error, ConnectionUnavailableError):
        return True
    cause = error.__cause__
    if not isinstance(cause, sqlite3.OperationalError):
        return False
    code = getattr(cause, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _BUSY_CODES
    return "locked" in str(cause)
