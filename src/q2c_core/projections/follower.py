"""A pull-based follower: pages of the notification log applied to projections, exactly once.

eventsourcing 9.5's ``ProjectionRunner`` needs a recorder that can ``subscribe``, and its SQLite
recorder cannot, so the follower pulls ``select_notifications(start, limit, topics=...)`` pages
(through ``NotificationReader``, the same rows as plain tuples), decodes them as the
application's mapper does, applies them, and commits each projection's changed
rows together with a library ``Tracking`` record of the page's last notification id in ONE
transaction. A crash before the commit loses the page's work (it is redone); a crash after it
loses nothing. A second follower racing on the same store is refused by the tracking table's
"greater than" rule, and reloads.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking

from q2c_core.projections.base import Handler, Projection, row_key_id
from q2c_core.projections.decoding import TrustedDecoder
from q2c_core.projections.reader import NotificationReader, RawNotification
from q2c_core.projections.store import PageWrite

Progress = Callable[[int, int], None]


class Follower:
    """Keeps projections up to date with an application's notification log."""

    def __init__(
        self,
        app: Application[Any],
        projections: Sequence[Projection],
        *,
        page_size: int = 2000,
        as_of: datetime | None = None,
        trusted_decoding: bool = True,
    ) -> None:
        self.app = app
        self.projections = list(projections)
        self.page_size = page_size
        self.as_of = _utc(as_of) if as_of is not None else None
        self.reader = NotificationReader(app.recorder)
        self.decoder = TrustedDecoder(app) if trusted_decoding else _MapperDecoder(app)
        self.after_commit: Callable[[int], None] | None = None
        self.before_commit: Callable[[int], None] | None = None
        topics: set[str] = set()
        for p in self.projections:
            topics.update(p.topics())
        self.topics = sorted(topics)

    def positions(self) -> dict[str, int]:
        """Last notification id applied, per projection."""
        return {p.name: p.store.position(p.tracking_name) for p in self.projections}

    def run(self, *, max_pages: int | None = None, progress: Progress | None = None) -> int:
        """Apply every new notification; returns how many events were applied."""
        with _collections_paused():
            return self._run(max_pages, progress)

    def _run(self, max_pages: int | None, progress: Progress | None) -> int:
        positions = {id(p): p.store.position(p.tracking_name) for p in self.projections}
        for p in self.projections:
            p.check_config()
        start = min(positions.values(), default=0) + 1
        head = self.app.recorder.max_notification_id() or 0
        applied = 0
        pages = 0
        dispatch: dict[str, list[tuple[Projection, Handler]]] = {}
        while True:
            page = self.reader.select(start, self.page_size, topics=self.topics)
            if not page:
                break
            last_id = page[-1][0]
            try:
                applied += self._apply_page(page, positions, dispatch)
                writes: list[PageWrite] = []
                for p in self.projections:
                    if last_id > positions[id(p)]:
                        upserts, deletes = p.take_changes()
                        writes.append(
                            PageWrite(p.name, upserts, deletes, Tracking(p.tracking_name, last_id))
                        )
                if self.before_commit is not None:
                    self.before_commit(last_id)
                if writes:
                    self._commit(writes)
            except BaseException:
                # nothing of an uncommitted page may linger in memory to be committed later
                for p in self.projections:
                    p.forget_cache()
                raise
            if writes:
                for p in self.projections:
                    positions[id(p)] = max(positions[id(p)], last_id)
                    p.after_commit()
            if self.after_commit is not None:
                self.after_commit(last_id)
            start = last_id + 1
            pages += 1
            if progress is not None:
                progress(last_id, head)
            if max_pages is not None and pages >= max_pages:
                break
        return applied

    def _apply_page(
        self,
        page: Sequence[RawNotification],
        positions: dict[int, int],
        dispatch: dict[str, list[tuple[Projection, Handler]]],
    ) -> int:
        """Decode and apply one page in memory; returns how many events were applied."""
        decode = self.decoder.decode_row
        as_notification = self.reader.as_notification
        as_of = self.as_of
        applied = 0
        # when every projection is behind the whole page (a rebuild, a catch-up in step), no
        # event needs its id checked against each projection's position
        behind = all(positions[id(p)] < page[0][0] for p in self.projections)
        for row in page:
            event, oid = decode(row, as_notification)
            if as_of is not None and event.timestamp > as_of:
                continue
            qualname = type(event).__qualname__
            try:
                targets = dispatch[qualname]
            except KeyError:
                targets = dispatch[qualname] = [
                    (p, h) for p in self.projections if (h := p.handler_for(qualname))
                ]
            if behind:
                for _, handler in targets:
                    handler(event, oid)
            else:
                nid = row[0]
                for p, handler in targets:
                    if nid > positions[id(p)]:
                        handler(event, oid)
            applied += 1
        return applied

    def _commit(self, writes: list[PageWrite]) -> None:
        store = self.projections[0].store
        stores = {id(p.store) for p in self.projections}
        # (on IntegrityError another follower got there first: nothing of this page is kept,
        # and run() drops the cache so the rows are read again from the store)
        if len(stores) == 1:
            store.commit(writes)
        else:
            by_name = {p.name: p for p in self.projections}
            for w in writes:
                by_name[w.projection].store.commit([w])


class _MapperDecoder:
    """The application's own mapper (slower: re-validates every value)."""

    def __init__(self, app: Application[Any]) -> None:
        self.mapper = app.mapper

    def decode_row(
        self, row: RawNotification, as_notification: Callable[[RawNotification], Any]
    ) -> tuple[Any, str]:
        """The mapper's event of a reader's row, and its originator id in row-key form."""
        event = self.mapper.to_domain_event(as_notification(row))
        return event, row_key_id(event.originator_id)


@contextmanager
def _collections_paused() -> Iterator[None]:
    """No cyclic garbage collection while the follower runs: reading, decoding and applying
    events and encoding rows make no reference cycles, yet allocate enough objects to trigger
    collections all the time, each walking the page and the cached rows (a sixth of a rebuild's
    time). The previous setting is restored afterwards, when a collection can run as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def rebuild(
    app: Application[Any],
    projections: Sequence[Projection],
    *,
    as_of: datetime | None = None,
    page_size: int = 25_000,
    progress: Progress | None = None,
) -> int:
    """Empty the projections and build them again from the first event (up to ``as_of``).

    Pages are larger than a catch-up's: each commit writes rows all over the rows table's
    index, so fewer, larger commits write much less (memory grows with the page, not with
    the history)."""
    for p in projections:
        p.start_empty()
    return Follower(app, projections, page_size=page_size, as_of=as_of).run(progress=progress)


def catch_up(
    app: Application[Any],
    projections: Sequence[Projection],
    *,
    page_size: int = 2000,
    progress: Progress | None = None,
) -> int:
    """Apply what was recorded since each projection's position."""
    return Follower(app, projections, page_size=page_size).run(progress=progress)
