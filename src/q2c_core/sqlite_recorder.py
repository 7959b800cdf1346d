"""eventsourcing's SQLite application recorder, keeping a row per save (``recorded_saves``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore

from q2c_core.recorded_saves import SAVES_SUFFIX, now, recorded_text


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    """The library's recorder; each save also records its notification ids and time."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        # (named before the library's constructor builds the create statements)
        self.saves_table_name = events_table_name + SAVES_SUFFIX
        self.saves_ready = False  # the saves table is known to exist
        super().__init__(datastore, events_table_name)

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
            c.execute(
                f"INSERT INTO {self.saves_table_name} VALUES (?, ?, ?)",
                (ids[-1], ids[0], recorded_text(now())),
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
