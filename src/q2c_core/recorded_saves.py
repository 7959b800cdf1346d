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
and the same cut for every reader, whatever topics it reads. Events recorded before the table
existed (and by the in-memory recorder, which has none) are cut at the first event created after
the time, the best the events alone can tell.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

SAVES_SUFFIX = "_saves"


def recorded_text(moment: datetime) -> str:
    """A recording time as SQLite keeps it: UTC, fixed width, so text order is time order (the
    year in four digits: ``strftime``'s ``%Y`` writes 999 as "999", which sorts after "2026")."""
    utc = moment.astimezone(UTC)
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
        latest save recorded at or before ``moment``); None where there is none."""
        ...

    def recorded_times(self, originator_id: UUID) -> dict[int, datetime]:
        """When each event of one aggregate was recorded, by version (see the module)."""
        ...


def recorded_times(app: Any, originator_id: UUID) -> dict[int, datetime]:
    """When each event of one aggregate was recorded (its save's time, UTC), by version: the
    time to give ``--as-of`` for a view that includes the event. Empty where the recorder keeps
    no save times (in memory, or events recorded before q2c kept them)."""
    recorder = app.recorder
    if not isinstance(recorder, RecordsSaves):
        return {}
    return {v: t.astimezone(UTC) for v, t in recorder.recorded_times(originator_id).items()}


def position_as_of(app: Any, moment: datetime) -> int:
    """The last notification id recorded at or before ``moment`` (0: nothing was)."""
    recorder = app.recorder
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    head: int = recorder.max_notification_id() or 0
    if isinstance(recorder, RecordsSaves):
        earliest, last = recorder.saves_recorded_by(moment)
        if earliest is not None:
            if last is not None:
                return last  # (events before the earliest kept save precede it)
            return _first_created_after(app, moment, earliest - 1)
    return _first_created_after(app, moment, head)


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
