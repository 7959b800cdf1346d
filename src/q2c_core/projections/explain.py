"""The events behind one number: which recorded events changed one row of a projection.

Rows do not carry the list of events that made them (a worker's hours for a customer come from
thousands of time entries; keeping their ids would make every row grow for ever). Instead the
projection is rebuilt from an empty start, and every event whose handler writes the row asked
about is kept: the answer is exactly the events that made the row what it is, in log order,
whatever the projection, and it is recomputed from the history like every other number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent

from q2c_core.projections.base import Projection, row_key_id
from q2c_core.projections.follower import Follower, Progress
from q2c_core.projections.store import encode_row


class _Watched(set[str]):
    """A projection's set of changed row keys that notes when one of some keys is added (a
    handler that writes a row adds its key: the row may still come out as it was)."""

    def __init__(self, keys: set[str], noted: Callable[[str], None]) -> None:
        super().__init__()
        self.keys = keys
        self.noted = noted

    def add(self, element: str) -> None:
        if element in self.keys:
            self.noted(element)
        super().add(element)


def events_behind(
    app: Application[Any],
    projection: Projection,
    key: str,
    *,
    as_of: datetime | None = None,
    until: int | None = None,
    progress: Progress | None = None,
    page_size: int = 25_000,
) -> list[DomainEvent]:
    """The events whose handlers wrote row ``key`` of ``projection``, or a row its numbers are
    computed from (``Projection.related_rows``: an allowance's draws behind an unbilled item,
    the reversal days behind an invoice's payments), in log order, found by rebuilding
    ``projection`` from an empty start (up to ``as_of``, a recording time, and ``until``, a
    notification id).

    Without ``until`` each rebuild follows the log to its end as it then is: events recorded
    meanwhile by another process may be in one pass and not the other. Give ``until`` (the
    log's last notification id when the question is asked) for one fixed moment of the log.

    ``projection`` is emptied and rebuilt (twice when the row has related rows): give a fresh
    one on a scratch store, never the live one. Every write of a row goes through the
    projection's set of changed keys, and the row written is compared, as stored, with what it
    was before the event, so an event is listed exactly when its handler changed, created or
    deleted one of those rows (one that wrote a row back as it was is not).
    """
    found = _events_writing(app, projection, {key}, as_of, until, progress, page_size)
    row = projection.get(key)
    if row is None:
        return found
    related = set(projection.related_rows(key, row)) - {key}
    if not related:
        return found
    wrote: dict[tuple[Any, int], set[str]] = {}
    both = _events_writing(
        app, projection, {key, *related}, as_of, until, progress, page_size, wrote
    )
    # a related row is shared (one payment's reversal days serve all its invoices): an event of
    # a kind that wrote the row asked about, but from another aggregate (another invoice taking
    # its payment off), is that other row's story, not this one's, unless it wrote its own
    # aggregate's row and that row is a related one (the invoice a credit note credits: its
    # drafting and issue, though the credit note was drafted and issued too); and the
    # projection says which of the others concern this row (``relates_to``)
    mine = {(e.originator_id, e.originator_version) for e in found}
    own: dict[str, set[Any]] = {}
    for event in found:
        own.setdefault(type(event).__qualname__, set()).add(event.originator_id)

    def its_own_row(e: DomainEvent) -> bool:
        oid = row_key_id(e.originator_id)
        keys = wrote.get((e.originator_id, e.originator_version), set())
        return any(k.split(":", 1)[-1] == oid for k in keys if k in related)

    def concerns(e: DomainEvent) -> bool:
        if (e.originator_id, e.originator_version) in mine:
            return True
        ids = own.get(type(e).__qualname__)
        return (ids is None or e.originator_id in ids or its_own_row(e)) and (
            projection.relates_to(key, row, e)
        )

    return [e for e in both if concerns(e)]


def _events_writing(
    app: Application[Any],
    projection: Projection,
    keys: set[str],
    as_of: datetime | None,
    until: int | None,
    progress: Progress | None,
    page_size: int,
    wrote: dict[tuple[Any, int], set[str]] | None = None,
) -> list[DomainEvent]:
    """Rebuild ``projection`` and list the events whose handlers changed any of ``keys`` (in
    ``wrote``, when given, which of them each changed, by originator id and version): each
    row a handler wrote is compared, encoded as the store keeps it, with what it was before
    that event (absent at the empty start)."""
    found: list[DomainEvent] = []
    written: set[str] = set()  # the watched keys the current event's handler wrote
    stored: dict[str, str | None] = {}  # each watched row as it was after the last change

    def noted(key: str) -> None:
        written.add(key)

    def traced(handler: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
        def run(event: Any, oid: str) -> None:
            written.clear()
            try:
                handler(event, oid)
            finally:
                for key in sorted(written):
                    row = projection.get(key)
                    now = encode_row(row) if row is not None else None
                    if now == stored.get(key):
                        continue  # (written back as it was: nothing of it changed)
                    stored[key] = now
                    if not found or found[-1] is not event:
                        found.append(event)
                    if wrote is not None:
                        ids = (event.originator_id, event.originator_version)
                        wrote.setdefault(ids, set()).add(key)
                written.clear()

        return run

    projection.start_empty()
    projection._dirty = _Watched(keys, noted)
    bound = projection._bound
    projection._bound = {name: traced(h) for name, h in bound.items()}
    try:
        Follower(app, [projection], page_size=page_size, as_of=as_of, until=until).run(
            progress=progress
        )
    finally:
        projection._bound = bound
        projection._dirty = set(projection._dirty)
    return found
