"""Reading the notification log for the read side: ``select_notifications`` as plain tuples.

eventsourcing's ``select_notifications`` builds a frozen ``Notification`` per row and, on SQLite,
a ``uuid.UUID`` per originator id (a Python-level constructor): about three quarters of the cost
of reading the log, for values a replay mostly throws away. ``NotificationReader`` runs the same
query on the recorder's own connections (same rows, same order, same filters: ``start``,
``limit``, ``stop``, ``topics``, ``inclusive_of_start``) and returns each row as a tuple
``(id, originator_id, originator_version, topic, state)``, the originator id as the database
gives it (the stored text on SQLite; the decoder turns it into a UUID only once per aggregate).

It has its own statements for eventsourcing's SQLite and PostgreSQL application recorders (when
their ``select_notifications`` is the library's own) and calls ``select_notifications`` for any
other recorder (the in-memory one, a subclass that changes it). ``as_notification`` gives back
the library's ``Notification`` of a tuple, exactly as ``select_notifications`` builds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    InterfaceError,
    Notification,
    OperationalError,
)
from eventsourcing.utils import retry

from q2c_core.event_batches import library_statement

# (notification id, originator id as stored, originator version, topic, state)
RawNotification = tuple[int, Any, int, str, Any]


class NotificationReader:
    """``select_notifications`` of one application recorder, as tuples (see the module)."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder
        self._select = self._generic
        # what the library's Notification holds for a stored text id (SQLite's convert)
        self._uuid_ids = False
        backend = library_statement(recorder, "select_notifications")
        if backend == "sqlite":
            self._select = self._sqlite
            sqlite: Any = recorder  # eventsourcing's SQLite recorder: it has a datastore
            self._uuid_ids = sqlite.datastore.originator_id_type == "uuid"
        elif backend == "postgres":
            self._select = self._postgres

    @property
    def fast(self) -> bool:
        """Whether rows are read by the reader's own statement (else by the library's method)."""
        return self._select != self._generic

    def select(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
        with_state: bool = True,
    ) -> list[RawNotification]:
        """The notifications ``select_notifications`` would return, as tuples; with
        ``with_state=False`` each row's state is None, not read (for callers that need only
        which aggregates and positions: the states are most of what a page reads)."""
        return self._select(start, limit, stop, topics, inclusive_of_start, with_state)

    def as_notification(self, row: RawNotification) -> Notification:
        """The library's ``Notification`` of a row, as ``select_notifications`` gives it."""
        nid, originator_id, version, topic, state = row
        if self._uuid_ids and isinstance(originator_id, str):
            originator_id = UUID(originator_id)
        if not isinstance(state, bytes):
            state = bytes(state)
        return Notification(
            id=nid,
            originator_id=originator_id,
            originator_version=version,
            topic=topic,
            state=state,
        )

    # -- per backend ------------------------------------------------------------------------

    def _generic(
        self,
        start: int | None,
        limit: int,
        stop: int | None,
        topics: Sequence[str],
        inclusive_of_start: bool,
        with_state: bool,
    ) -> list[RawNotification]:
        page = self.recorder.select_notifications(
            start, limit, stop, topics, inclusive_of_start=inclusive_of_start
        )
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state if with_state else None)
            for n in page
        ]

    def _sqlite(
        self,
        start: int | None,
        limit: int,
        stop: int | None,
        topics: Sequence[str],
        inclusive_of_start: bool,
        with_state: bool,
    ) -> list[RawNotification]:
        # the library's statement (eventsourcing.sqlite), with the columns named
        recorder: Any = self.recorder
        params: list[int | str] = []
        clauses: list[str] = []
        if start is not None:
            params.append(start)
            clauses.append("rowid>=?" if inclusive_of_start else "rowid>?")
        if stop is not None:
            params.append(stop)
            clauses.append("rowid<=?")
        if topics:
            params += list(topics)
            clauses.append(f"topic IN ({','.join('?' * len(topics))})")
        params.append(limit)
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        statement = (
            f"SELECT rowid, originator_id, originator_version, topic, {_state(with_state)} "
            f"FROM {recorder.events_table_name} {where}ORDER BY rowid LIMIT ?"
        )
        with recorder.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # plain tuples (the connection's factory builds Rows)
            cursor.execute(statement, params)
            rows: list[RawNotification] = cursor.fetchall()
            return rows

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def _postgres(
        self,
        start: int | None,
        limit: int,
        stop: int | None,
        topics: Sequence[str],
        inclusive_of_start: bool,
        with_state: bool,
    ) -> list[RawNotification]:
        # the library's statement (eventsourcing.postgres), with the columns named
        from psycopg.rows import tuple_row
        from psycopg.sql import SQL, Composed, Identifier

        recorder: Any = self.recorder
        params: list[Any] = []
        clauses: list[Composed | SQL] = []
        if start is not None:
            params.append(start)
            op = ">=" if inclusive_of_start else ">"
            clauses.append(SQL("notification_id" + op + "%s"))
        if stop is not None:
            params.append(stop)
            clauses.append(SQL("notification_id <= %s"))
        if topics:
            params.append(list(topics))
            clauses.append(SQL("topic = ANY(%s)"))
        params.append(limit)
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, "
            + _state(with_state)
            + " FROM {0}.{1}"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        if clauses:
            statement += SQL(" WHERE ") + SQL(" AND ").join(clauses)
        statement += SQL(" ORDER BY notification_id LIMIT %s")
        with (
            recorder.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(statement, params, prepare=True)
            rows: list[RawNotification] = curs.fetchall()
            return rows


def _state(with_state: bool) -> str:
    """The state column of a select, or NULL in its place."""
    return "state" if with_state else "NULL"
