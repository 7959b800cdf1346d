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

from q2c_core.projections.base import Projection
from q2c_core.projections.follower import Follower, Progress


class _Watched(set[str]):
    """A projection's set of changed row keys that notes when one key is added."""

    def __init__(self, key: str, noted: Callable[[], None]) -> None:
        super().__init__()
        self.key = key
        self.noted = noted

    def add(self, element: str) -> None:
        if element == self.key:
            self.noted()
        super().add(element)


def events_behind(
    app: Application[Any],
    projection: Projection,
    key: str,
    *,
    as_of: datetime | None = None,
    progress: Progress | None = None,
    page_size: int = 25_000,
) -> list[DomainEvent]:
    """The events whose handlers wrote row ``key`` of ``projection``, in log order, found by
    rebuilding ``projection`` from an empty start (up to ``as_of``, a recording time).

    ``projection`` is emptied and rebuilt: give a fresh one on a scratch store, never the live
    one. Every write of a row goes through the projection's set of changed keys, so an event is
    listed exactly when its handler changed, created or deleted that row.
    """
    found: list[DomainEvent] = []
    current: list[DomainEvent | None] = [None]

    def noted() -> None:
        event = current[0]
        if event is not None and (not found or found[-1] is not event):
            found.append(event)

    def traced(handler: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
        def run(event: Any, oid: str) -> None:
            current[0] = event
            try:
                handler(event, oid)
            finally:
                current[0] = None

        return run

    projection.start_empty()
    projection._dirty = _Watched(key, noted)
    projection._bound = {name: traced(h) for name, h in projection._bound.items()}
    Follower(app, [projection], page_size=page_size, as_of=as_of).run(progress=progress)
    return found
