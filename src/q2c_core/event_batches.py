"""Reading the events of many aggregates at once: one query per batch of ids.

A billing run loads its contracts a thousand at a time. eventsourcing's ``select_events`` reads
one aggregate per call (a query, and on SQLite a transaction, each), so ``EventBatches`` runs the
same query for a whole batch of ids on eventsourcing's SQLite and PostgreSQL application
recorders (same table, same rows, ordered by aggregate and version) and returns each aggregate's
events as plain tuples ``(originator_id, originator_version, topic, state)``, the originator id
as the database gives it (32 hex digits on SQLite, a UUID on PostgreSQL). Any other recorder
(the in-memory one, a subclass that reads differently) is asked aggregate by aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, InterfaceError, OperationalError
from eventsourcing.utils import retry

# (originator id as stored, originator version, topic, state)
RawEvent = tuple[Any, int, str, bytes]

_SQLITE_CHUNK = 900  # ids per statement: under SQLite's oldest limit of 999 parameters


class EventBatches:
    """Every event of a batch of aggregates, one query per batch (see the module)."""

    def __init__(self, recorder: AggregateRecorder) -> None:
        self.recorder = recorder
        self._select = self._generic
        self._hex_ids = False  # whether rows carry the id as the 32 hex digits SQLite keeps
        backend = library_statement(recorder, "select_events")
        if backend == "sqlite":
            self._select = self._sqlite
            self._hex_ids = True
        elif backend == "postgres":
            self._select = self._postgres

    @property
    def batched(self) -> bool:
        """Whether a batch is one query (else the library's method, aggregate by aggregate)."""
        return self._select != self._generic

    def events_of(self, ids: Sequence[UUID]) -> dict[UUID, list[RawEvent]]:
        """Each aggregate's events in version order, by the ids asked for (an id asked for
        twice: its events once); aggregates without events are left out."""
        by_stored: dict[Any, UUID] = {i.hex: i for i in ids} if self._hex_ids else {}
        found: dict[UUID, list[RawEvent]] = {}
        for row in self._select(ids):
            key = by_stored[row[0]] if by_stored else row[0]
            events = found.get(key)
            if events is None:
                found[key] = [row]
            else:
                events.append(row)
        return found

    # -- per backend ------------------------------------------------------------------------

    def _generic(self, ids: Sequence[UUID]) -> list[RawEvent]:
        rows: list[RawEvent] = []
        for aggregate_id in dict.fromkeys(ids):  # (an id asked for twice: its events once)
            rows.extend(
                (aggregate_id, s.originator_version, s.topic, s.state)
                for s in self.recorder.select_events(aggregate_id)
            )
        return rows

    def _sqlite(self, ids: Sequence[UUID]) -> list[RawEvent]:
        recorder: Any = self.recorder
        hexes = list(dict.fromkeys(i.hex for i in ids))
        rows: list[RawEvent] = []
        with recorder.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # plain tuples (the connection's factory builds Rows)
            for k in range(0, len(hexes), _SQLITE_CHUNK):
                chunk = hexes[k : k + _SQLITE_CHUNK]
                cursor.execute(
                    "SELECT originator_id, originator_version, topic, state "
                    f"FROM {recorder.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY originator_id, originator_version",
                    chunk,
                )
                rows.extend(cursor.fetchall())
        return rows

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def _postgres(self, ids: Sequence[UUID]) -> list[RawEvent]:
        from psycopg.rows import tuple_row
        from psycopg.sql import SQL, Identifier

        recorder: Any = self.recorder
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {0}.{1} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with (
            recorder.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(statement, (list(ids),), prepare=True)
            rows: list[RawEvent] = curs.fetchall()
            return rows


def library_statement(recorder: object, method: str) -> str | None:
    """``"sqlite"`` or ``"postgres"`` when ``recorder`` runs eventsourcing's own ``method`` of
    that backend (so its table and statement are known and q2c may run the same statement
    differently), else None: another recorder, or a subclass that reads its own way."""
    for klass in type(recorder).__mro__:
        if method in vars(klass):
            return _LIBRARY_MODULES.get(klass.__module__)
    return None


_LIBRARY_MODULES = {"eventsourcing.sqlite": "sqlite", "eventsourcing.postgres": "postgres"}
