"""eventsourcing's PostgreSQL application recorder, saving without psycopg's pipeline mode.

eventsourcing 9.5 writes a save's events in one transaction, pipelined: ``SET LOCAL
lock_timeout``, ``LOCK TABLE ... IN EXCLUSIVE MODE`` (so notification ids commit in order),
``NOTIFY``, and one ``INSERT ... SELECT FROM unnest(<all events>) RETURNING notification_id``.
With psycopg 3.3 on this machine, saves of a few thousand events (a billing run's batches of
1,500 contracts, a large import) now and then never returned: the server waited for the rest
of the pipeline with nothing in flight on the socket, the client for its results. This
recorder sends the same statements in the same transaction one after another: two round trips
more per save, and no hang (``tests/test_postgres_large_saves.py``).

q2c's applications use it on PostgreSQL unless the environment names another recorder
(eventsourcing reads ``APPLICATION_RECORDER_TOPIC``); importing this module needs psycopg (the
``postgres`` extra). It always takes the table lock: the library's optional database function
(``POSTGRES_ENABLE_DB_FUNCTIONS``) inserts without it, so notification ids could commit out of
order under concurrent writers and a follower could skip an event; that option is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry


class PostgresEventRecorder(PostgresApplicationRecorder):
    """The library's recorder, with inserts sent statement by statement (see the module)."""

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Record events in one transaction; returns their notification ids, in order."""
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            # the lock, the notify and the insert, as the library's pipelined save sends them
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
