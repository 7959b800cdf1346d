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

import contextlib
import random
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier
from psycopg_pool import PoolTimeout

from q2c_core.recorded_saves import SAVES_SUFFIX
from q2c_core.storage import out_of_reach, url_of

# a save's attempts on a lost connection, and the pause between them: the library's
_ATTEMPTS = 10
_WAIT = 0.2


class PostgresEventRecorder(PostgresApplicationRecorder):
    """The library's recorder, with inserts sent statement by statement (see the module); each
    save also records its notification ids and time (``recorded_saves``): the database
    server's clock, and never before the save before it. A save whose COMMIT reply was lost
    and that is found committed when retried succeeds once (``insert_events``)."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.saves_table = SQL("{0}.{1}").format(
            Identifier(datastore.schema), Identifier(events_table_name + SAVES_SUFFIX)
        )
        self.saves_table_text = f'"{datastore.schema}"."{events_table_name}{SAVES_SUFFIX}"'
        self.create_saves_statement = SQL(
            "CREATE TABLE IF NOT EXISTS {0} (last_id bigint PRIMARY KEY, "
            "first_id bigint NOT NULL, recorded_at timestamptz NOT NULL)"
        ).format(self.saves_table)
        self.sql_create_statements.append(self.create_saves_statement)
        self.saves_ready = False  # the saves table is known to exist
        fail_fast_on_pool_timeout(datastore)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Record events in one transaction; returns their notification ids, in order.

        Retried on a lost connection as the library's (``InterfaceError``,
        ``OperationalError``: 10 attempts, 0.2 seconds apart). A connection lost after the
        transaction's COMMIT was sent leaves the outcome unknown: the server may have
        committed and only its reply been lost (a network blip, a failover). The retry then
        clashes with the save's own committed events (``IntegrityError``), which the
        application would take for a lost version race and run the command again on fresh
        state: a payment recorded twice, a second invoice drafted, an issue refused as already
        issued though it was recorded. So after such a loss a clash is checked: when the
        stored event at every (originator id, version) of the save has the save's topic and
        state, the first attempt committed (each event carries its own timestamp, so another
        writer's event is never identical), and the save succeeds with those events'
        notification ids. Everything else the transaction writes was committed with them: the
        save's row (``recorded_saves``) and whatever a subclass writes in ``_insert_events``
        (a tracking record). Any other clash (another writer's events at one of those
        versions) is raised as before. When every attempt fails, the last error is raised and
        the outcome stays unknown, as with the library's recorder.
        """
        commit_lost = False  # an attempt's connection was lost once its COMMIT was sent
        attempts = 0
        while True:
            committing = [False]
            try:
                return self._insert_once(stored_events, committing, **kwargs)
            except IntegrityError:
                if commit_lost and stored_events:
                    ids: list[int] | None = self._ids_if_recorded(stored_events)
                    if ids is not None:
                        return ids
                raise
            except (InterfaceError, OperationalError):
                attempts += 1
                commit_lost = commit_lost or committing[0]
                if attempts >= _ATTEMPTS:
                    raise
                time.sleep(_WAIT * (1 + 0.1 * (random.random() - 0.5)))

    def _insert_once(
        self, stored_events: Sequence[StoredEvent], committing: list[bool], **kwargs: Any
    ) -> Sequence[int] | None:
        """One attempt; ``committing[0]`` is set once the transaction's work is sent and its
        COMMIT is next."""
        created_saves_table = False
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                committing[0] = True
                return None
            # the lock, the notify and the insert, as the library's pipelined save sends them
            self._insert_stored_events(curs, stored_events, **kwargs)
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            if ids:  # (in the save's transaction, while it holds the table lock)
                if not self.saves_ready:  # a schema made before the table, CREATE_TABLE off
                    curs.execute(self.create_saves_statement)  # (writers wait on the lock)
                    created_saves_table = True
                # the database's clock (one for every application server), never before the
                # save before (a clock stepped back): the last save by id is the latest, its
                # time the latest, as every save is recorded under this lock
                curs.execute(
                    SQL(
                        "INSERT INTO {0} VALUES (%s, %s, GREATEST(clock_timestamp(), "
                        "(SELECT recorded_at FROM {0} ORDER BY last_id DESC LIMIT 1)))"
                    ).format(self.saves_table),
                    (ids[-1], ids[0]),
                )
            committing[0] = True
        if created_saves_table:  # (known once committed: a rolled back one made none)
            self.saves_ready = True
        return ids

    @retry((InterfaceError, OperationalError), max_attempts=_ATTEMPTS, wait=_WAIT)
    def _ids_if_recorded(self, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        """The notification ids of the save's events as stored, in the save's order, when the
        stored event at each of its (originator id, version) is this one (same topic, same
        state); else None."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT e.originator_id, e.originator_version, e.topic, e.state, "
                    "e.notification_id FROM unnest(%s::{0}[], %s::bigint[]) "
                    "AS b(originator_id, originator_version) JOIN {1}.{2} e "
                    "ON e.originator_id = b.originator_id "
                    "AND e.originator_version = b.originator_version"
                ).format(
                    Identifier(self.datastore.originator_id_type),
                    Identifier(self.datastore.schema),
                    Identifier(self.events_table_name),
                ),
                (
                    [e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                ),
            )
            found = {
                (str(row["originator_id"]), row["originator_version"]): row
                for row in curs.fetchall()
            }
        ids: list[int] = []
        for e in stored_events:
            row = found.get((str(e.originator_id), e.originator_version))
            if row is None or row["topic"] != e.topic or bytes(row["state"]) != e.state:
                return None
            ids.append(row["notification_id"])
        return ids

    def saves_recorded_by(self, moment: datetime) -> tuple[int | None, int | None]:
        """(first id of the earliest save kept, last id of the latest save recorded by then)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute("SELECT to_regclass(%s) AS v", (self.saves_table_text,))
            found = curs.fetchone()
            if found is None or found["v"] is None:  # nothing saved since the schema was made
                return None, None
            curs.execute(SQL("SELECT MIN(first_id) AS v FROM {0}").format(self.saves_table))
            earliest = curs.fetchone()
            curs.execute(
                SQL("SELECT MAX(last_id) AS v FROM {0} WHERE recorded_at <= %s").format(
                    self.saves_table
                ),
                (moment,),
            )
            last = curs.fetchone()
        return (
            earliest["v"] if earliest is not None else None,
            last["v"] if last is not None else None,
        )

    def recorded_times(self, originator_id: UUID) -> dict[int, datetime]:
        """When each event of one aggregate was recorded (its save's time), by version; events
        recorded before q2c kept save times are left out."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute("SELECT to_regclass(%s) AS v", (self.saves_table_text,))
            found = curs.fetchone()
            if found is None or found["v"] is None:
                return {}
            # the save holding an event is the first whose last id is not below the event's
            # (a lateral lookup by the key, whatever the planner's statistics say)
            curs.execute(
                SQL(
                    "SELECT e.originator_version AS version, e.notification_id AS id, "
                    "s.first_id AS first_id, s.recorded_at AS recorded_at "
                    "FROM {0}.{1} e LEFT JOIN LATERAL (SELECT first_id, recorded_at FROM {2} "
                    "WHERE last_id >= e.notification_id ORDER BY last_id LIMIT 1) s ON true "
                    "WHERE e.originator_id = %s"
                ).format(
                    Identifier(self.datastore.schema),
                    Identifier(self.events_table_name),
                    self.saves_table,
                ),
                (originator_id,),
            )
            return {
                row["version"]: row["recorded_at"]
                for row in curs.fetchall()
                if row["first_id"] is not None and row["first_id"] <= row["id"]
            }


def fail_fast_on_pool_timeout(datastore: PostgresDatastore) -> None:
    """Make ``datastore`` raise ``StorageUnavailable`` (naming its URL, no password) when its
    pool has no connection to give within its timeout (``PoolTimeout``: the server down or
    refusing, the connect timeout, 30 seconds by default, spent). The library retries each read
    and write 10 times on a lost connection, and a pool timeout is such an error to it, so with
    the server stopped a query waited ten timeouts (five minutes) and then said "couldn't get a
    connection after 30.00 sec". A connection lost during a statement (a server restart) is
    still retried as before: the pool reconnects meanwhile."""
    if getattr(datastore, "_q2c_fails_fast", False):
        return
    given = datastore.pool.kwargs  # (the connection's settings: a dict as the library makes it)
    kwargs: dict[str, Any] = given if isinstance(given, dict) else {}
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_USER": str(kwargs.get("user") or ""),
        "POSTGRES_HOST": str(kwargs.get("host") or ""),
        "POSTGRES_PORT": str(kwargs.get("port") or ""),
        "POSTGRES_DBNAME": str(kwargs.get("dbname") or ""),
        "POSTGRES_SCHEMA": datastore.schema if datastore.schema != "public" else "",
    }
    url = url_of(lambda name: env.get(name) or None)
    if kwargs.get("password"):  # (shown as redacted() shows a typed one)
        user = env["POSTGRES_USER"] or "postgres"
        url = url.replace(f"//{user}@", f"//{user}:***@", 1)
    connect = datastore.get_connection

    @contextlib.contextmanager
    def get_connection() -> Iterator[Any]:
        try:
            with connect() as conn:
                yield conn
        except OperationalError as error:
            if isinstance(error.__cause__, PoolTimeout):
                raise out_of_reach(url, error.__cause__) from error
            raise

    datastore.get_connection = get_connection  # type: ignore[method-assign]
    datastore._q2c_fails_fast = True  # type: ignore[attr-defined]
