"""Where read models live: rows per projection, stored with the projection's tracking record.

The store extends eventsourcing's own ``TrackingRecorder`` classes (SQLite, PostgreSQL and the
in-memory POPO one) with one table of read-model rows, so a page of read-model changes and the
tracking record of the last notification it covers are written in ONE transaction. After a crash
a follower resumes from ``max_tracking_id`` and nothing is counted twice or lost.

Rows are JSON with Decimal, date and datetime values tagged, so they come back exactly. Ids are
kept as 32 hex digits (``hexid``); a UUID value is refused (an older store's tagged ``$u`` UUIDs are
still read back as UUIDs). Rows are encoded by ``orjson`` when it is installed (an optional
speed-up: q2c_core depends only on eventsourcing, attrs and cattrs) with the same text as the
standard library's encoder, which takes over for anything orjson does not write the same way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, cast
from uuid import UUID

import attrs
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    Tracking,
    TrackingRecorder,
)
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from q2c_core.domain.errors import DamagedRow, StorageUnavailable
from q2c_core.storage import create_tables as create_tables_safely
from q2c_core.storage import env_for_url, opening, redacted, sqlite_wal_mode

_fast_dumps: Callable[..., bytes] | None
try:  # optional speed-up, see the module's docstring
    from orjson import OPT_PASSTHROUGH_DATETIME as _FAST_OPTIONS
    from orjson import dumps as _fast_dumps
except ImportError:  # pragma: no cover - exercised where orjson is not installed
    _fast_dumps = None
    _FAST_OPTIONS = 0

ROWS_TABLE = "q2c_projection_rows"

Row = dict[str, Any]


def _default(value: Any) -> Any:
    # (called by the encoder once per Decimal and date of every row written: the exact types
    # first, without isinstance)
    kind = type(value)
    if kind is Decimal:
        return {"$d": str(value)}
    if kind is date:
        return {"$date": value.isoformat()}
    return _other(value)


def _other(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    if isinstance(value, UUID):
        raise TypeError("store ids in read-model rows as hex (hexid), not UUID values")
    raise TypeError(f"cannot store {type(value).__name__} in a read-model row")


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if key == "$d":
            try:
                return Decimal(value)
            except (ArithmeticError, TypeError, ValueError):
                raise _BadTag(f"{value!r} is not a decimal number") from None
        if key == "$date":
            return _tagged(date.fromisoformat, value, "a date")
        if key == "$dt":
            return _tagged(datetime.fromisoformat, value, "a date and time")
        if key == "$u":
            return _tagged(UUID, value, "a UUID")
    return obj


class _BadTag(ValueError):
    """A tagged value (``$d``, ``$date``, ``$dt``, ``$u``) that is not one."""


def _tagged(read: Callable[[Any], Any], value: Any, what: str) -> Any:
    try:
        return read(value)
    except (TypeError, ValueError, AttributeError):
        raise _BadTag(f"{value!r} is not {what}") from None


def encode_row(row: Row) -> str:
    """A row as tagged JSON text."""
    if _fast_dumps is not None:
        try:
            return _fast_dumps(row, default=_default, option=_FAST_OPTIONS).decode("utf8")
        except TypeError:  # non-str keys, a huge int, a surrogate...: the stdlib decides
            pass
    return _ENCODER.encode(row)


_ENCODER = json.JSONEncoder(default=_default, separators=(",", ":"), ensure_ascii=False)


def decode_row(text: str, *, projection: str = "", key: str = "") -> Row:
    """Tagged JSON text back to the row, Decimals and dates exact.

    Text that is not a row q2c wrote (damaged on disk or by hand: not JSON, not a JSON object,
    a tagged value that is not one) raises ``DamagedRow`` saying why, naming the projection
    and the row's key when given."""
    try:
        value: Row = json.loads(text, object_hook=_hook)
    except _BadTag as bad:
        raise DamagedRow(str(bad), projection=projection, key=key) from None
    except (ValueError, TypeError, RecursionError) as bad:  # (JSONDecodeError is a ValueError)
        raise DamagedRow(f"not JSON: {bad}", projection=projection, key=key) from None
    if type(value) is not dict:
        raise DamagedRow(
            f"not a JSON object but {type(value).__name__}", projection=projection, key=key
        )
    return value


@attrs.frozen
class PageWrite:
    """What one projection changed in one page, and the last notification id it covers.

    ``expected``: the position the page's rows were read at. When given, the commit is
    refused (``IntegrityError``, nothing written) unless the stored position is still that one:
    another follower of the same store that committed in between made the rows read stale, and
    a position that only had to be "greater" would let their changes be lost or counted twice.
    (On a store with the library's multi-row tracking table, which q2c never creates, the
    check is not made: there, only one follower may write at a time.)
    """

    projection: str
    upserts: dict[str, str]
    deletes: frozenset[str]
    tracking: Tracking
    expected: int | None = None


def _moved_on(w: PageWrite) -> IntegrityError:
    return IntegrityError(
        f"{w.tracking.application_name} is no longer at notification {w.expected}: another "
        "follower committed first"
    )


class ReadModelRecorder(Protocol):
    """A tracking recorder that also keeps read-model rows."""

    def commit_pages(self, writes: Sequence[PageWrite]) -> None:
        """Write every projection's rows and tracking record in one transaction."""

    def load_rows(self, projection: str) -> list[tuple[str, str]]:
        """Every (key, json) row of one projection."""

    def load_row(self, projection: str, key: str) -> str | None:
        """One row's json, or None."""

    def reset(self, projection: str, tracking_name: str) -> None:
        """Forget one projection's rows and position (to rebuild from an empty start)."""

    def max_tracking_id(self, application_name: str) -> int | None:
        """The last notification id applied (library method)."""

    def empty_position(self, tracking_name: str) -> bool:
        """Whether a tracking record of that name holds no notification id (NULL)."""


class SQLiteReadModelRecorder(SQLiteTrackingRecorder):
    """eventsourcing's SQLite tracking recorder with a read-model rows table."""

    def construct_create_table_statements(self) -> list[str]:
        """The tracking table plus the rows table."""
        statements = super().construct_create_table_statements()
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {ROWS_TABLE} ("
            "projection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
            "PRIMARY KEY (projection, key))"
        )
        return statements

    # A rowid table: row values are appended in the order rows are first written (and a row
    # that changes again is usually a recent one), while the keys, which are ids and so land
    # all over the key order, go to the primary key's separate, much smaller index. Each page
    # then dirties far fewer database pages than a table clustered by key (``WITHOUT ROWID``,
    # which stores created before this change still use: both work the same).

    # rows are keyed by aggregate ids, so upserts land all over the table: a page cache of
    # 8 MB (SQLite's default is 2 MB) holds the index's inner pages of a million-row read
    # model; more was no faster (the leaves are missed either way, and the OS caches them)
    # and counts in every rebuild worker's memory
    cache_pragma = "PRAGMA cache_size = -8192"

    def commit_pages(self, writes: Sequence[PageWrite]) -> None:
        """Rows and tracking records of a page, one transaction."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.cache_pragma)
            for w in writes:
                self._write(c, w)

    def _write(self, c: SQLiteCursor, w: PageWrite) -> None:
        checked = w.expected is not None and self.datastore.single_row_tracking
        if checked:
            # first, so the transaction takes the write lock before anything is written
            self._move_tracking(c, w)
        if w.upserts:
            # in key order: consecutive rows then land on the same pages of the key index, so
            # a page is read once per commit rather than once per row (a million-row store
            # writes rows in about half the time; sorting costs a tenth of that)
            c.executemany(
                f"INSERT INTO {ROWS_TABLE} (projection, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (projection, key) DO UPDATE SET value = excluded.value",
                [(w.projection, k, v) for k, v in sorted(w.upserts.items())],
            )
        if w.deletes:
            c.executemany(
                f"DELETE FROM {ROWS_TABLE} WHERE projection = ? AND key = ?",
                [(w.projection, k) for k in w.deletes],
            )
        if not checked:
            self._insert_tracking(c, w.tracking)

    def _move_tracking(self, c: SQLiteCursor, w: PageWrite) -> None:
        """The tracking record from ``w.expected`` to the page's last id, or IntegrityError."""
        name, new = w.tracking.application_name, w.tracking.notification_id
        if w.expected:
            c.execute(
                "UPDATE tracking SET notification_id = ? "
                "WHERE application_name = ? AND notification_id = ?",
                (new, name, w.expected),
            )
            if c.sqlite_cursor.rowcount != 1:
                raise _moved_on(w)
            return
        # expected nothing yet: no record, or one at 0 (a projection whose settings were stored
        # before the log held anything for it); a record further on means another follower
        # got there first
        c.execute(
            "INSERT INTO tracking VALUES (?, ?) ON CONFLICT (application_name) DO UPDATE "
            "SET notification_id = excluded.notification_id WHERE tracking.notification_id = 0",
            (name, new),
        )
        if c.sqlite_cursor.rowcount != 1:
            raise _moved_on(w)

    def load_rows(self, projection: str) -> list[tuple[str, str]]:
        """Every row of one projection."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT key, value FROM {ROWS_TABLE} WHERE projection = ?", (projection,))
            return [(r[0], r[1]) for r in c.fetchall()]

    def load_row(self, projection: str, key: str) -> str | None:
        """One row's json, or None.

        One statement on a connection in autocommit mode (its own read transaction, so it
        reads one committed state): without the BEGIN and ROLLBACK around it a look-up takes
        half the time, and a rebuild looks rows up by the ten thousand."""
        with self.datastore.get_connection(commit=False) as conn:
            c = conn.cursor()
            with c:  # (closed after, so no read transaction stays open)
                c.execute(
                    f"SELECT value FROM {ROWS_TABLE} WHERE projection = ? AND key = ?",
                    (projection, key),
                )
                found = c.fetchone()
            return None if found is None else str(found[0])

    def empty_position(self, tracking_name: str) -> bool:
        """Whether a tracking record of that name holds NULL (``max_tracking_id`` reads it as
        no record)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM tracking WHERE application_name = ? AND notification_id IS NULL",
                (tracking_name,),
            )
            return c.fetchone() is not None

    def reset(self, projection: str, tracking_name: str) -> None:
        """Drop one projection's rows and position together."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {ROWS_TABLE} WHERE projection = ?", (projection,))
            c.execute("DELETE FROM tracking WHERE application_name = ?", (tracking_name,))


def _postgres_recorder_class() -> type[TrackingRecorder]:
    from eventsourcing.postgres import PostgresTrackingRecorder
    from psycopg.sql import SQL, Identifier

    from q2c_core.postgres_recorder import fail_fast_on_pool_timeout

    class PostgresReadModelRecorder(PostgresTrackingRecorder):
        """eventsourcing's PostgreSQL tracking recorder with a read-model rows table."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # (a server gone: StorageUnavailable once the connect timeout is spent, not after
            # the library's ten retries of it, as the application's recorder)
            fail_fast_on_pool_timeout(self.datastore)
            self.rows_table = SQL("{0}.{1}").format(
                Identifier(self.datastore.schema), Identifier(ROWS_TABLE)
            )
            self.sql_create_statements.append(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {0} (projection text NOT NULL, "
                    "key text NOT NULL, value text NOT NULL, PRIMARY KEY (projection, key))"
                ).format(self.rows_table)
            )

        def commit_pages(self, writes: Sequence[PageWrite]) -> None:
            with self.datastore.transaction(commit=True) as curs:
                for w in writes:
                    checked = w.expected is not None and self.datastore.single_row_tracking
                    if checked:
                        self._move_tracking(curs, w)
                    if w.upserts:
                        curs.executemany(
                            SQL(
                                "INSERT INTO {0} (projection, key, value) VALUES (%s, %s, %s) "
                                "ON CONFLICT (projection, key) DO UPDATE SET value = excluded.value"
                            ).format(self.rows_table),
                            [(w.projection, k, v) for k, v in sorted(w.upserts.items())],
                        )
                    if w.deletes:
                        curs.executemany(
                            SQL("DELETE FROM {0} WHERE projection = %s AND key = %s").format(
                                self.rows_table
                            ),
                            [(w.projection, k) for k in w.deletes],
                        )
                    if not checked:
                        self._insert_tracking(curs, w.tracking)

        def _move_tracking(self, curs: Any, w: PageWrite) -> None:
            """The tracking record from ``w.expected`` to the page's last id (the row lock
            makes a racing follower wait, then find the position moved), or IntegrityError."""
            table = SQL("{0}.{1}").format(
                Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
            )
            name, new = w.tracking.application_name, w.tracking.notification_id
            if w.expected:
                curs.execute(
                    SQL(
                        "UPDATE {0} SET notification_id = %s "
                        "WHERE application_name = %s AND notification_id = %s"
                    ).format(table),
                    (new, name, w.expected),
                )
                if curs.rowcount != 1:
                    raise _moved_on(w)
                return
            # (no record yet, or one at 0: as on SQLite)
            curs.execute(
                SQL(
                    "INSERT INTO {0} AS t (application_name, notification_id) VALUES (%s, %s) "
                    "ON CONFLICT (application_name) DO UPDATE "
                    "SET notification_id = EXCLUDED.notification_id WHERE t.notification_id = 0"
                ).format(table),
                (name, new),
            )
            if curs.rowcount != 1:
                raise _moved_on(w)

        def load_rows(self, projection: str) -> list[tuple[str, str]]:
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(
                    SQL("SELECT key, value FROM {0} WHERE projection = %s").format(self.rows_table),
                    (projection,),
                )
                return [(r["key"], r["value"]) for r in curs.fetchall()]

        def load_row(self, projection: str, key: str) -> str | None:
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(
                    SQL("SELECT value FROM {0} WHERE projection = %s AND key = %s").format(
                        self.rows_table
                    ),
                    (projection, key),
                )
                found = curs.fetchone()
                return None if found is None else str(found["value"])

        def empty_position(self, tracking_name: str) -> bool:
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(
                    SQL(
                        "SELECT 1 AS found FROM {0}.{1} "
                        "WHERE application_name = %s AND notification_id IS NULL"
                    ).format(
                        Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
                    ),
                    (tracking_name,),
                )
                return curs.fetchone() is not None

        def reset(self, projection: str, tracking_name: str) -> None:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(
                    SQL("DELETE FROM {0} WHERE projection = %s").format(self.rows_table),
                    (projection,),
                )
                curs.execute(
                    SQL("DELETE FROM {0}.{1} WHERE application_name = %s").format(
                        Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
                    ),
                    (tracking_name,),
                )

    return PostgresReadModelRecorder


class MemoryReadModelRecorder(POPOTrackingRecorder):
    """eventsourcing's in-memory tracking recorder with read-model rows (tests, scratch)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def commit_pages(self, writes: Sequence[PageWrite]) -> None:
        """All or nothing: tracking is checked first, then rows and positions change."""
        with self._database_lock:
            for w in writes:
                at = self._max_tracking_ids[w.tracking.application_name] or 0
                if w.expected is not None and at != w.expected:
                    raise _moved_on(w)
                self._assert_tracking_uniqueness(w.tracking)
            for w in writes:
                rows = self._rows.setdefault(w.projection, {})
                rows.update(w.upserts)
                for k in w.deletes:
                    rows.pop(k, None)
                self._insert_tracking(w.tracking)

    def load_rows(self, projection: str) -> list[tuple[str, str]]:
        """Every row of one projection."""
        with self._database_lock:
            return list(self._rows.get(projection, {}).items())

    def load_row(self, projection: str, key: str) -> str | None:
        """One row's json, or None."""
        with self._database_lock:
            return self._rows.get(projection, {}).get(key)

    def empty_position(self, tracking_name: str) -> bool:
        """Never: positions are kept as the follower gives them."""
        return False

    def reset(self, projection: str, tracking_name: str) -> None:
        """Drop one projection's rows and position."""
        with self._database_lock:
            self._rows.pop(projection, None)
            self._max_tracking_ids[tracking_name] = None


SQLITE_PAGE_SIZE = 16384


def _new_sqlite_file(name: str, timeout: float) -> None:
    """Create a new SQLite file with larger pages than SQLite's default 4 KiB (which
    eventsourcing's WAL mode then fixes for good): a rebuild writes hundreds of thousands of
    rows at keys all over the rows table's index, and with 16 KiB pages each commit writes a
    third less. A file that exists (or an in-memory database) keeps its pages; both are put in
    WAL mode, tried again while another process opening the new file holds it
    (``sqlite_wal_mode``)."""
    if not name or ":memory:" in name or "mode=memory" in name or name.startswith("file:"):
        return
    sqlite_wal_mode(name, timeout=timeout, page_size=SQLITE_PAGE_SIZE)


class ProjectionStore:
    """Read models and their positions, in memory, a SQLite file or a PostgreSQL schema."""

    def __init__(self, recorder: ReadModelRecorder, closer: Any = None, url: str = "") -> None:
        self.recorder = recorder
        self.url = url
        self._closer = closer

    @classmethod
    def open(cls, url: str, *, create_tables: bool = True) -> ProjectionStore:
        """Open the store named by a q2c storage URL (``memory:``, ``sqlite:///``,
        ``postgresql://``); ``create_tables=False`` when they exist (several processes creating
        them at once race on PostgreSQL's catalogue)."""
        env = env_for_url(url)
        module = env["PERSISTENCE_MODULE"]
        if module == "eventsourcing.popo":
            return cls(MemoryReadModelRecorder(), url=url)
        env = {**env, "CREATE_TABLE": "true" if create_tables else "false"}

        def made() -> tuple[InfrastructureFactory[Any], Any]:
            factory = InfrastructureFactory.construct(env)
            try:
                if module == "eventsourcing.sqlite":
                    return factory, factory.tracking_recorder(SQLiteReadModelRecorder)
                return factory, factory.tracking_recorder(_postgres_recorder_class())
            except BaseException:
                factory.close()
                raise

        with opening(url):
            if module == "eventsourcing.sqlite" and create_tables:
                _new_sqlite_file(
                    env.get("SQLITE_DBNAME", ""),
                    float(env.get("SQLITE_LOCK_TIMEOUT") or 5),
                )
            # (several processes opening a new store at once: one creates the tables, the
            # others find them)
            factory, recorder = create_tables_safely(env, made) if create_tables else made()
        return cls(recorder, closer=factory, url=url)

    @classmethod
    def memory(cls) -> ProjectionStore:
        """A scratch store in memory."""
        return cls(MemoryReadModelRecorder(), url="memory:")

    def position(self, tracking_name: str) -> int:
        """The last notification id applied under that name (0 when none)."""
        return self.recorder.max_tracking_id(tracking_name) or 0

    def checked_position(self, tracking_name: str, projection: str) -> int:
        """``position``, or ``DamagedRow`` naming the projection when its tracking record holds
        no notification id (NULL, a negative number, text, a fraction: written over by hand):
        read as "none yet" it would apply the log again on top of the rows that hold it."""
        value: Any = self.recorder.max_tracking_id(tracking_name)
        if value is None:
            if not self.recorder.empty_position(tracking_name):
                return 0
            reason = "its position in the log is empty (NULL)"
        elif type(value) is int and value >= 0:
            return value
        else:
            reason = f"its position in the log, {value!r}, is not a notification id"
        raise DamagedRow(reason, projection=projection, key=tracking_name)

    def load(self, projection: str) -> dict[str, Row]:
        """Every row of a projection, decoded; ``DamagedRow`` naming the projection and a row
        that cannot be read back."""
        rows: dict[str, Row] = {}
        key = ""
        try:
            for key, text in self.recorder.load_rows(projection):
                rows[key] = decode_row(text)
        except DamagedRow as damaged:
            raise damaged.in_row(projection, key) from None
        return rows

    def load_readable(self, projection: str) -> tuple[dict[str, Row], list[DamagedRow]]:
        """Every row of a projection that reads back, and a ``DamagedRow`` for each that does
        not (in key order): what ``q2c replay`` compares and reports."""
        rows: dict[str, Row] = {}
        damaged: list[DamagedRow] = []
        for k, v in sorted(self.recorder.load_rows(projection)):
            try:
                rows[k] = decode_row(v, projection=projection, key=k)
            except DamagedRow as error:
                damaged.append(error)
        return rows, damaged

    def commit(self, writes: Iterable[PageWrite]) -> None:
        """Rows and tracking records, one transaction."""
        batch = list(writes)
        if batch:
            self.recorder.commit_pages(batch)

    def reset(self, projection: str, tracking_name: str) -> None:
        """Empty one projection (rows and position)."""
        self.recorder.reset(projection, tracking_name)

    def close(self) -> None:
        """Release connections; the store is closed for good (every use of it afterwards
        raises ``StorageUnavailable`` saying so, on every backend). Closing twice is
        harmless."""
        if self._closer is not None:
            self._closer.close()
        if not isinstance(self.recorder, _ClosedRecorder):
            self.recorder = cast(ReadModelRecorder, _ClosedRecorder(self.url))


class _ClosedRecorder:
    """A closed store's recorder: whatever is asked of it raises ``StorageUnavailable``
    saying the store was closed (a closed SQLite pool raised eventsourcing's bare
    ``ConnectionPoolClosedError``, PostgreSQL's read as the server out of reach, and the
    memory store went on taking rows)."""

    def __init__(self, url: str) -> None:
        self._url = url

    def __getattr__(self, name: str) -> Any:
        url = redacted(self._url) if self._url else ""
        raise StorageUnavailable(
            "this projection store was closed: open it again with "
            f"ProjectionStore.open({url!r}) to use it",
            field="url",
            value=url,
        )
