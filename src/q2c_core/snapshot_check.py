"""Checking stored snapshots against the events they stand for.

Commands, documents and every read of an aggregate start from its latest snapshot and apply the
events after it, so a snapshot row changed behind the application's back (an invoice's unit
price raised from 103.23 to 1103.23, its events untouched) changes what is billed, rendered and
exported, while the read models, rebuilt from the events, do not see it. ``verify_snapshots``
rebuilds each aggregate that has snapshots from its events alone (no snapshot), up to each
snapshot's version, and compares that state with the snapshot's: after the same transcoding
(the rebuilt state is written as a snapshot and read back, as a snapshot taken then would have
been) and after the snapshot class's upcasting (a snapshot of an older class version is read as
the library reads it).

A snapshot taken before the aggregate's class kept an attribute holds no value for it; the
class's default then stands for it and is compared with the events' value. Only the attributes
the application really works out again when they are not known (None), listed in
``WORKED_OUT_FROM_EVENTS`` (a contract's renewals, ``BaseApp.know_renewals``; an invoice's
applications, ``know_applications``; a payment's running sums, summed when first asked), are
not compared when a snapshot lacks them. Any other None default is a value of its own (an
invoice's ``voided_on`` None is a void on no day), so a snapshot without it that the events
give a value is a difference. Every other difference is a ``SnapshotMismatch``: an attribute whose
value differs (each differing value named by its path, ``lines[0].unit_price``), a snapshot of
a version its aggregate's events never reached, a snapshot of another type than its events
build, and a snapshot that cannot be read.

The snapshots are read a page of aggregates at a time (their ids in order, then the page's
snapshots and events in one query each, ``EventBatches``), so memory stays flat on a big store.
On eventsourcing's SQLite and PostgreSQL recorders the ids are paged in SQL; any other recorder
(the in-memory one) is walked through the notification log.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.application import Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    AggregateRecorder,
    InterfaceError,
    Mapper,
    OperationalError,
    StoredEvent,
)
from eventsourcing.utils import TopicError, retry

from q2c_core.domain.contract import Contract
from q2c_core.domain.errors import InvalidValue, Q2CError
from q2c_core.domain.invoice import Invoice
from q2c_core.domain.money import Money
from q2c_core.domain.payment import Payment
from q2c_core.event_batches import EventBatches, RawEvent, library_statement
from q2c_core.storage import reaching, url_of

# a value a stored snapshot holds, or its aggregate's rebuilt state, does not have
_ABSENT: Any = object()
# what a decoded snapshot that is no aggregate state, or an upcast on a changed state, raises
_UNREADABLE = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    ArithmeticError,
    TopicError,
    Q2CError,
)
# attributes of an aggregate's dict that are not its state (``_version`` is compared first)
_NOT_STATE = frozenset({"_id", "_version", "_pending_events"})
_LONGEST = 200  # characters of a value's text in a difference

# The attributes an older snapshot may lack (None, "not known") that the application works out
# again from the events, or from the aggregate's own state, before anything reads them: a
# snapshot without one is no difference. (Any other attribute a snapshot lacks is compared.)
WORKED_OUT_FROM_EVENTS: dict[type, frozenset[str]] = {
    # ``BaseApp.know_renewals`` and ``know_billed_through``
    Contract: frozenset({"renewed_on", "renewal_uplifts", "uplifted_on", "billed_through"}),
    # ``BaseApp._know_applications``
    Invoice: frozenset({"applications"}),
    # summed or indexed again from the payment's allocations and refunds when first asked
    Payment: frozenset(
        {
            "allocated_amount",
            "refunded_amount",
            "latest_on",
            "credit_days",
            "credit_changes",
            "allocation_index",
        }
    ),
}


class SnapshotProblem(enum.Enum):
    """What is wrong with a stored snapshot."""

    # some attribute's value is not the one the events give
    STATE_DIFFERS = "state differs"
    # the snapshot is of a version the aggregate's events never reached (forged, or its events
    # deleted)
    AHEAD_OF_EVENTS = "ahead of events"
    # its events build an aggregate of another type than the snapshot's
    OTHER_TYPE = "other type"
    # its stored state cannot be read as an aggregate of its type
    UNREADABLE = "unreadable"


@attrs.frozen
class AttributeDifference:
    """One value a snapshot holds that its events do not give: where (an attribute, or a path
    into it such as ``lines[0].unit_price``), what the snapshot holds and what the events give
    (as text, at most 200 characters; ``(absent)`` when one side has none)."""

    path: str
    in_snapshot: str
    from_events: str


@attrs.frozen
class SnapshotMismatch:
    """A stored snapshot that is not its aggregate's state rebuilt from its events alone."""

    aggregate_id: UUID
    aggregate_type: str  # the class the snapshot names (or its events build, when unreadable)
    version: int  # the snapshot's version
    problem: SnapshotProblem
    detail: str  # one line saying what differs
    differences: tuple[AttributeDifference, ...] = ()

    @property
    def attributes(self) -> tuple[str, ...]:
        """The aggregate's attributes whose values differ, each once, in the order found."""
        return _attribute_names(self.differences)


@attrs.frozen
class SnapshotCheck:
    """What ``verify_snapshots`` found: how many stored snapshots it checked, and those that
    are not their aggregate's state rebuilt from its events."""

    checked: int
    mismatches: tuple[SnapshotMismatch, ...]

    @property
    def ok(self) -> bool:
        """Whether every stored snapshot equals its events' state."""
        return not self.mismatches


def verify_snapshots(
    app: Application[UUID],
    *,
    page_size: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> SnapshotCheck:
    """Check every stored snapshot of ``app`` against its aggregate's events (see the module):
    the snapshots checked and the mismatches found, in aggregate id then version order.

    ``page_size`` aggregates are read at a time; ``progress(checked, total)`` is called after
    each page with the snapshots checked so far and the number stored (the number checked so
    far when the store cannot count them). A store without snapshots checks none.

    An application closed already is ``StorageUnavailable`` saying so, as its commands say it
    (nothing is read: SQLite's and PostgreSQL's closed pools raised untyped errors, and a
    closed ``memory:`` store, its events gone, was reported fine); storage out of reach while
    the snapshots are read is ``StorageUnavailable`` naming the URL (``storage.reaching``)."""
    if type(page_size) is not int:  # (a bool, "10" or 10.0: a bare TypeError further on)
        raise InvalidValue(
            "must be a whole number of aggregates", field="page_size", value=page_size
        )
    closing = getattr(app, "closing", None)
    if closing is not None and closing.is_set():
        from q2c_core.app_base import closed_error

        raise closed_error(app)  # type: ignore[arg-type]
    if app.snapshots is None:
        return SnapshotCheck(0, ())
    url = getattr(app, "storage_url", None) or url_of(app.env.get)
    with reaching(url):
        return _verified(app, page_size, progress)


def _verified(
    app: Application[UUID], page_size: int, progress: Callable[[int, int], None] | None
) -> SnapshotCheck:
    """``verify_snapshots``' work, on an open application with snapshots."""
    assert app.snapshots is not None
    recorder = app.snapshots.recorder
    mapper = app.snapshots.mapper
    snapshots = EventBatches(recorder)
    events = EventBatches(app.recorder)
    pages = _SnapshotIds(recorder, app)
    total = pages.count()
    checked = 0
    found: list[SnapshotMismatch] = []
    for ids in pages.pages(max(1, page_size)):
        # (the snapshots first: one taken meanwhile, after its save committed, finds its
        # events read after it)
        taken = snapshots.events_of(ids)
        history = events.events_of(ids)
        for aggregate_id in ids:
            rows = taken.get(aggregate_id, [])
            found.extend(_check_aggregate(app, mapper, aggregate_id, rows, history))
            checked += len(rows)
        if progress is not None:
            progress(checked, max(total or 0, checked))
    return SnapshotCheck(checked, tuple(found))


def _check_aggregate(
    app: Application[UUID],
    mapper: Mapper[UUID],
    aggregate_id: UUID,
    snapshots: Sequence[RawEvent],
    history: dict[UUID, list[RawEvent]],
) -> Iterator[SnapshotMismatch]:
    """Each of one aggregate's snapshots (in version order) against its events, replayed once
    from the first."""
    # (in version order: another recorder than SQLite's and PostgreSQL's gives them as put)
    events = sorted(history.get(aggregate_id, []), key=_version)
    aggregate: Any = None
    applied = 0
    for row in sorted(snapshots, key=_version):
        version = int(row[1])
        while applied < len(events) and events[applied][1] <= version:
            aggregate = _decoded(mapper, aggregate_id, events[applied]).mutate(aggregate)
            applied += 1
        last = _version(events[-1]) if events else 0
        yield from _compare(app, mapper, aggregate_id, row, aggregate, last)


def _version(row: RawEvent) -> int:
    return int(row[1])


def _compare(
    app: Application[UUID],
    mapper: Mapper[UUID],
    aggregate_id: UUID,
    row: RawEvent,
    rebuilt: Any,
    last: int,
) -> Iterator[SnapshotMismatch]:
    """One snapshot against its aggregate rebuilt from the events up to its version (None
    before the first), ``last`` being the aggregate's last event's version."""
    version = int(row[1])
    rebuilt_type = type(rebuilt).__name__ if rebuilt is not None else "?"
    try:
        snapshot: Any = _decoded(mapper, aggregate_id, row)
        kind = str(snapshot.topic).rsplit(":", 1)[-1]
        from_snapshot = snapshot.mutate(None)  # (upcast to the class's version)
    except _UNREADABLE as error:
        detail = f"its stored state cannot be read: {type(error).__name__}: {error}"
        yield SnapshotMismatch(
            aggregate_id, rebuilt_type, version, SnapshotProblem.UNREADABLE, _short(detail)
        )
        return
    if rebuilt is None or rebuilt.version != version:
        if not last:
            detail = f"a snapshot of version {version}, but it has no events"
        elif last < version:
            detail = f"a snapshot of version {version}, but its events end at version {last}"
        else:
            detail = f"a snapshot of version {version}, but its events have no version {version}"
        yield SnapshotMismatch(aggregate_id, kind, version, SnapshotProblem.AHEAD_OF_EVENTS, detail)
        return
    if type(rebuilt) is not type(from_snapshot):
        detail = f"the snapshot is of a {kind}, its events build a {type(rebuilt).__name__}"
        yield SnapshotMismatch(aggregate_id, kind, version, SnapshotProblem.OTHER_TYPE, detail)
        return
    if _encoded(mapper, from_snapshot) == _encoded(mapper, rebuilt):
        return  # (written the same, so the same values: the usual case, and quick)
    # the rebuilt state as a snapshot taken now would store it, and read back the same way
    snapshot_class = getattr(type(rebuilt), "Snapshot", type(app).snapshot_class) or Snapshot
    again: Any = mapper.to_domain_event(mapper.to_stored_event(snapshot_class.take(rebuilt)))
    differences = state_differences(from_snapshot, again.mutate(None))
    if differences:
        names = ", ".join(_attribute_names(differences))
        yield SnapshotMismatch(
            aggregate_id,
            kind,
            version,
            SnapshotProblem.STATE_DIFFERS,
            f"differs from its events in {names}",
            tuple(differences),
        )


def _encoded(mapper: Mapper[UUID], aggregate: object) -> bytes:
    """An aggregate's state as the transcoder writes it (its id and version aside)."""
    state = {k: v for k, v in vars(aggregate).items() if k not in _NOT_STATE}
    return mapper.transcoder.encode(state)


def state_differences(in_snapshot: object, from_events: object) -> list[AttributeDifference]:
    """The values in which an aggregate read from a snapshot differs from the same aggregate
    rebuilt from its events (see the module: an attribute the snapshot does not hold stands at
    its class's default, and is not compared only when it is None and the application works
    it out from the events, ``WORKED_OUT_FROM_EVENTS``)."""
    cls = type(from_events)
    worked_out = frozenset().union(*(WORKED_OUT_FROM_EVENTS.get(k, ()) for k in cls.__mro__))
    ours, theirs = vars(in_snapshot), vars(from_events)
    found: list[AttributeDifference] = []
    for name in [*ours, *(k for k in theirs if k not in ours)]:
        if name in _NOT_STATE:
            continue
        if name in ours and name in theirs:
            _differences(name, ours[name], theirs[name], found)
            continue
        default = getattr(cls, name, _ABSENT) if not name.startswith("__") else _ABSENT
        if name not in ours and default is None and name in worked_out:
            continue  # (an older snapshot's "not known": worked out from the events)
        _differences(name, ours.get(name, default), theirs.get(name, default), found)
    return found


def _differences(path: str, a: Any, b: Any, found: list[AttributeDifference]) -> None:
    """Append where ``a`` (a snapshot's) and ``b`` (the events') differ, innermost first: a
    Decimal differs in its digits too (103.23 is not 103.230), a list and a tuple do not."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                _differences(f"{path}[{i}]", x, y, found)
            return
    elif type(a) is not type(b):
        pass
    elif isinstance(a, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            at = f"{path}[{key!r}]"
            if key in a and key in b:
                _differences(at, a[key], b[key], found)
            else:
                found.append(_difference(at, a.get(key, _ABSENT), b.get(key, _ABSENT)))
        return
    elif attrs.has(type(a)):
        if _plain_value(a):  # (compared field by field, shown whole)
            inner: list[AttributeDifference] = []
            for field in attrs.fields(type(a)):
                _differences(field.name, getattr(a, field.name), getattr(b, field.name), inner)
            if inner:
                found.append(_difference(path, a, b))
            return
        for field in attrs.fields(type(a)):
            _differences(
                f"{path}.{field.name}", getattr(a, field.name), getattr(b, field.name), found
            )
        return
    elif isinstance(a, Decimal):
        if a.as_tuple() == b.as_tuple() or (a.is_nan() and b.is_nan()):
            return
    elif a == b:
        return
    found.append(_difference(path, a, b))


def _plain_value(value: Any) -> bool:
    """An attrs value holding no list, dict or other attrs value (an amount with its
    currency), shown whole in a difference."""
    return not any(
        isinstance(v, list | tuple | dict | set) or attrs.has(type(v))
        for v in attrs.asdict(value, recurse=False).values()
    )


def _attribute_names(differences: Sequence[AttributeDifference]) -> tuple[str, ...]:
    names = (re.split(r"[.\[]", d.path, maxsplit=1)[0] for d in differences)
    return tuple(dict.fromkeys(names))


def _difference(path: str, a: Any, b: Any) -> AttributeDifference:
    return AttributeDifference(path, _text(a), _text(b))


def _text(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    if isinstance(value, str):
        return _short(json.dumps(value, ensure_ascii=False))
    if isinstance(value, Money):  # (its digits as stored: str rounds to the minor unit)
        return f"{value.amount} {value.currency}"
    return _short(str(value))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST else text[: _LONGEST - 3] + "..."


def _decoded(mapper: Mapper[UUID], aggregate_id: UUID, row: RawEvent) -> Any:
    return mapper.to_domain_event(
        StoredEvent(
            originator_id=aggregate_id,
            originator_version=int(row[1]),
            topic=row[2],
            state=bytes(row[3]),
        )
    )


class _SnapshotIds:
    """The ids of the aggregates with stored snapshots, a page at a time in id order."""

    def __init__(self, recorder: AggregateRecorder, app: Application[UUID]) -> None:
        self.recorder: Any = recorder
        self.app = app
        self.backend = library_statement(recorder, "select_events")

    def count(self) -> int | None:
        """How many snapshots are stored (None when the recorder cannot say at once)."""
        if self.backend == "sqlite":
            return int(self._sqlite(f"SELECT COUNT(*) FROM {self._table}", ())[0][0])
        if self.backend == "postgres":
            return int(self._postgres("SELECT COUNT(*) FROM {0}.{1}", ())[0][0])
        return None

    def pages(self, size: int) -> Iterator[list[UUID]]:
        """Lists of at most ``size`` ids, each id once, ascending."""
        if self.backend is None:
            yield from self._walked(size)
            return
        after: Any = None
        while True:
            if self.backend == "sqlite":
                rows = self._sqlite(
                    f"SELECT DISTINCT originator_id FROM {self._table} WHERE originator_id > ? "
                    "ORDER BY originator_id LIMIT ?",
                    ("" if after is None else after, size),
                )
                ids = [UUID(str(r[0])) for r in rows]
            else:
                where = "" if after is None else "WHERE originator_id > %s "
                rows = self._postgres(
                    "SELECT DISTINCT originator_id FROM {0}.{1} "
                    + where
                    + "ORDER BY originator_id LIMIT %s",
                    (size,) if after is None else (after, size),
                )
                ids = [r[0] if isinstance(r[0], UUID) else UUID(str(r[0])) for r in rows]
            if not ids:
                return
            yield ids
            after = rows[-1][0]

    @property
    def _table(self) -> str:
        return str(self.recorder.events_table_name)

    def _sqlite(self, statement: str, parameters: tuple[Any, ...]) -> list[Any]:
        with self.recorder.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None
            cursor.execute(statement, parameters)
            return list(cursor.fetchall())

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def _postgres(self, statement: str, parameters: tuple[Any, ...]) -> list[Any]:
        from psycopg.rows import tuple_row
        from psycopg.sql import SQL, Identifier

        query = SQL(statement).format(
            Identifier(self.recorder.datastore.schema), Identifier(self._table)
        )
        with (
            self.recorder.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(query, parameters)
            return list(curs.fetchall())

    def _walked(self, size: int) -> Iterator[list[UUID]]:
        """Another recorder's: the aggregates of the notification log, in pages of ``size``
        of those with snapshots (each aggregate once)."""
        seen: set[UUID] = set()
        page: list[UUID] = []
        start = 1
        while True:
            notifications = self.app.recorder.select_notifications(start=start, limit=1000)
            if not notifications:
                break
            for n in notifications:
                aggregate_id = UUID(str(n.originator_id))
                if aggregate_id in seen:
                    continue
                seen.add(aggregate_id)
                if self.recorder.select_events(aggregate_id, desc=True, limit=1):
                    page.append(aggregate_id)
                    if len(page) == size:
                        yield sorted(page)
                        page = []
            start = notifications[-1].id + 1
        if page:
            yield sorted(page)
