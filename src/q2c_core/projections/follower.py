"""A pull-based follower: pages of the notification log applied to projections, exactly once.

eventsourcing 9.5's ``ProjectionRunner`` needs a recorder that can ``subscribe``, and its SQLite
recorder cannot, so the follower pulls ``select_notifications(start, limit, topics=...)`` pages
(through ``NotificationReader``, the same rows as plain tuples), decodes them as the
application's mapper does, applies them, and commits each projection's changed
rows together with a library ``Tracking`` record of the page's last notification id in ONE
transaction. A crash before the commit loses the page's work (it is redone); a crash after it
loses nothing. Another follower of the same store (an embedded one and ``q2c update``, two
processes) is safe: a page commits only while the stored position is still the one its rows
were read at (``PageWrite.expected``), otherwise nothing of it is written and the follower
reads the rows again from the new position and goes on; cached rows are dropped whenever the
store's position is not where this follower left it. At the end of the log a projection's
position moves to the last notification even when the last events are none it reads.
"""

from __future__ import annotations

import gc
import itertools
import math
import multiprocessing
import resource
import shlex
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

import attrs
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, MapperDeserialisationError, Tracking

from q2c_core.domain.errors import InvalidValue, RuleViolated
from q2c_core.projections.base import Projection, row_key_id
from q2c_core.projections.decoding import TrustedDecoder
from q2c_core.projections.reader import NotificationReader, RawNotification
from q2c_core.projections.store import PageWrite, ProjectionStore
from q2c_core.recorded_saves import position_as_of
from q2c_core.storage import env_for_url, reaching, redacted, url_of
from q2c_core.workers import (
    gather,
    in_daemonic_process,
    portable,
    shared_storage,
    start,
    start_method,
    stop,
)

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
        until: int | None = None,
    ) -> None:
        self.app = app
        self.projections = list(projections)
        self.page_size = _page_size(page_size)
        self.as_of = _moment(as_of) if as_of is not None else None
        # the last notification to apply: as of a recording time, the last one recorded by
        # then, found once in the whole log (``position_as_of``: whole saves, the same cut for
        # every follower whatever topics it reads); both given, the earlier
        self.until = _notification(until)
        self._cut_taken = False  # (the as-of cut is found once, then kept in ``until``)
        self.reader = NotificationReader(app.recorder)
        self.decoder = TrustedDecoder(app) if trusted_decoding else _MapperDecoder(app)
        self.after_commit: Callable[[int], None] | None = None
        self.before_commit: Callable[[int], None] | None = None
        # events applied per topic since this follower was made (several followers splitting
        # the projections add up the events they applied without counting one twice)
        self.applied_by_topic: dict[str, int] = {}
        topics: set[str] = set()
        for p in self.projections:
            topics.update(p.topics())
        self.topics = sorted(topics)

    def positions(self) -> dict[str, int]:
        """Last notification id applied, per projection."""
        return {p.name: p.store.checked_position(p.tracking_name, p.name) for p in self.projections}

    RACE_RETRIES: int = 5

    def run(self, *, max_pages: int | None = None, progress: Progress | None = None) -> int:
        """Apply every new notification; returns how many events were applied.

        When another follower commits to the same store first, this one starts again from the
        stored positions. Two followers catching up side by side collide page after page, each
        time after the other moved on, so that is never counted against it; only a collision
        with no position moved since the last try is, and after ``RACE_RETRIES`` of those in a
        row the ``IntegrityError`` is raised.

        Storage out of reach (the server gone, a connection cut) is ``StorageUnavailable``
        naming the URL, its password left out: the application's when reading its log, the
        store's when reading or writing the read models. What was committed before stands.
        """
        _refuse_closed(self.app)
        if not self.projections:
            return 0  # (no topics to read: a select without topics would read every event)
        applied = [0]
        stuck = 0
        with _collections_paused(), reaching(self._stores_url()):
            while True:
                before = self.positions()
                try:
                    self._run(max_pages, progress, applied)
                    break
                except IntegrityError:
                    if self.positions() != before:
                        stuck = 0  # someone committed: the log is that much shorter
                        continue
                    stuck += 1
                    if stuck > self.RACE_RETRIES:
                        raise
        return applied[0]

    def _run(self, max_pages: int | None, progress: Progress | None, counted: list[int]) -> None:
        positions = {
            id(p): p.store.checked_position(p.tracking_name, p.name) for p in self.projections
        }
        for p in self.projections:
            if p.synced_at != positions[id(p)]:
                p.forget_cache()  # rows cached at another position are stale
                p.synced_at = positions[id(p)]
        for p in self.projections:
            p.check_config()
        start = min(positions.values(), default=0) + 1
        # every notification up to the head is committed (ids commit in order), so once no
        # page is left the positions can move to it
        with reaching(self._app_url()):
            head = self.app.recorder.max_notification_id() or 0
            if self.as_of is not None and not self._cut_taken:
                # (both given: the earlier, as ``rebuild`` takes)
                last = position_as_of(self.app, self.as_of)
                self.until = last if self.until is None else min(self.until, last)
                self._cut_taken = True
        self._refuse_past_head(positions, head)
        pages = 0
        dispatch: dict[str, _Route] = {}
        until = self.until
        at_end = False
        settled: dict[str, int] = {}  # events of the pages committed, by topic
        try:
            while True:
                if until is not None and start > until:
                    at_end = True
                    break
                with reaching(self._app_url()):
                    page = self.reader.select(start, self.page_size, stop=until, topics=self.topics)
                if not page:
                    at_end = True
                    break
                last_id = page[-1][0]
                try:
                    in_page = self._apply_page(page, positions, dispatch)
                    # (the page's rows are applied: memory holds one page of them at a time, and
                    # not while its changes are encoded)
                    del page
                    writes: list[PageWrite] = []
                    for p in self.projections:
                        if last_id > positions[id(p)]:
                            upserts, deletes = p.take_changes()
                            writes.append(
                                PageWrite(
                                    p.name,
                                    upserts,
                                    deletes,
                                    Tracking(p.tracking_name, last_id),
                                    expected=positions[id(p)],
                                )
                            )
                    if self.before_commit is not None:
                        self.before_commit(last_id)
                    committed = bool(writes)
                    if writes:
                        self._commit(writes)
                    del writes  # (nor the encoded rows once they are written)
                except BaseException:
                    # nothing of an uncommitted page may linger in memory to be committed later
                    for p in self.projections:
                        p.forget_cache()
                    raise
                counted[0] += in_page
                # (what was committed, by topic: kept when a later page loses a race)
                settled = {topic: route.applied for topic, route in dispatch.items()}
                if committed:
                    for p in self.projections:
                        positions[id(p)] = max(positions[id(p)], last_id)
                        p.synced_at = positions[id(p)]
                        p.after_commit()
                if self.after_commit is not None:
                    self.after_commit(last_id)
                start = last_id + 1
                pages += 1
                if progress is not None:
                    progress(last_id, head)
                if max_pages is not None and pages >= max_pages:
                    break
            if at_end:
                self._track_to(min(head, until) if until is not None else head, positions)
        finally:
            for topic, n in settled.items():
                self.applied_by_topic[topic] = self.applied_by_topic.get(topic, 0) + n

    def _refuse_past_head(self, positions: dict[int, int], head: int) -> None:
        """RuleViolated naming each projection whose stored position is past the end of the
        log (``head``, read after the positions), before anything is read or written: a
        position is always a notification read from the log followed (on PostgreSQL too, where
        ids can have gaps or be not yet visible, one read was visible, so the head read after
        it is at least that far), so a position past the head means the store followed another
        history (another database, or this one before it was restored from an older copy).
        Following on would skip this log's events up to the position, for good."""
        past = [p for p in self.projections if positions[id(p)] > head]
        if not past:
            return
        where = ", ".join(f"{p.name} at notification {positions[id(p)]}" for p in past)
        raise RuleViolated(
            f"projection {where} in {self._stores_url()} is past the end of the log of "
            f"{self._app_url()}, whose last notification is {head}: the store was built from "
            "another history (another database), or the log was restored from an older copy "
            "since; following it would skip its events up to there. If the store is to "
            "follow this log (the application's database was restored, or replaced), rebuild "
            f"from it: {self._rebuild_command(past)}; otherwise open the "
            "application it was built from",
            field="position",
            value={p.name: positions[id(p)] for p in past},
        )

    def _rebuild_command(self, past: Sequence[Projection]) -> str:
        """The ``q2c rebuild --other-history`` that rebuilds the projections ``past`` the end
        of the log from it, with the application's and the store's URLs when both are known
        (no password); ``q2c rebuild --other-history`` otherwise."""
        stores = {p.store.url for p in self.projections}
        app_url = self._app_url()
        (store_url,) = stores if len(stores) == 1 else ("",)
        if not store_url or store_url == "memory:" or app_url == "memory:":
            return "q2c rebuild --other-history"
        words = ["q2c", "rebuild", "--url", app_url]
        store_url = url_of(env_for_url(store_url).get)  # (spelt as the application's is)
        if store_url != app_url:
            words += ["--store", store_url]
        if len(past) < len(self.projections):
            for p in past:
                words += ["--projection", p.name]
        return shlex.join([*words, "--other-history"])

    def _app_url(self) -> str:
        """The URL of the application's storage, as an error names it (no password)."""
        return getattr(self.app, "storage_url", None) or url_of(self.app.env.get)

    def _stores_url(self) -> str:
        """The URL of the projections' store (each, when they are in several), as an error
        names it."""
        urls = [redacted(p.store.url) if p.store.url else "" for p in self.projections]
        return " or ".join(dict.fromkeys(url for url in urls if url)) or "the projection store"

    def _track_to(self, last: int, positions: dict[int, int]) -> None:
        """Move positions behind ``last`` to it: the log has nothing they read up to there
        (the last page ended before it), so their rows are complete as of ``last``. A
        projection with changes not yet written (its settings row, when nothing was there to
        apply: a rebuild as of a time before the first event) writes them with its position,
        so the store holds what memory holds."""
        writes = [
            PageWrite(
                p.name,
                *p.take_changes(),  # (its settings row, when this is its first position)
                Tracking(p.tracking_name, max(last, positions[id(p)])),
                expected=positions[id(p)],
            )
            for p in self.projections
            if positions[id(p)] < last or p.has_changes()
        ]
        if writes:
            self._commit(writes)
            for p in self.projections:
                if positions[id(p)] < last:
                    positions[id(p)] = last
                p.synced_at = positions[id(p)]

    def _apply_page(
        self,
        page: Sequence[RawNotification],
        positions: dict[int, int],
        dispatch: dict[str, _Route],
    ) -> int:
        """Decode and apply one page in memory; returns how many events were applied."""
        decode = self.decoder.decode_row
        as_notification = self.reader.as_notification
        applied = 0
        # when every projection is behind the whole page (a rebuild, a catch-up in step), no
        # event needs its id checked against each projection's position
        behind = all(positions[id(p)] < page[0][0] for p in self.projections)
        for row in page:
            try:
                event, oid = decode(row, as_notification)
            except MapperDeserialisationError:
                raise
            except (ValueError, TypeError, KeyError, AttributeError) as damaged:
                raise _damaged_event(row, damaged) from damaged
            route = dispatch.get(row[3])
            if route is None:
                route = dispatch[row[3]] = _Route(self.projections, type(event).__qualname__)
            if behind:
                for handler in route.handlers:
                    handler(event, oid)
            else:
                nid = row[0]
                for p, handler in route.targets:
                    if nid > positions[id(p)]:
                        handler(event, oid)
            route.applied += 1
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


def _damaged_event(row: RawNotification, why: Exception) -> MapperDeserialisationError:
    """A stored event the read side cannot decode (its state damaged on disk or by hand),
    named as the library names one an aggregate cannot load: nothing of its page is written."""
    return MapperDeserialisationError(
        f"notification {row[0]} ({row[3]}, aggregate {row[1]}, version {row[2]}) cannot be "
        f"decoded: {type(why).__name__}: {why}"
    )


class _Route:
    """Where the events of one topic go: each projection's handler (in order), and how many
    were applied (reset per run)."""

    __slots__ = ("applied", "handlers", "targets")

    def __init__(self, projections: Sequence[Projection], qualname: str) -> None:
        self.targets = [(p, h) for p in projections if (h := p.handler_for(qualname))]
        self.handlers = [h for _, h in self.targets]
        self.applied = 0


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


# the largest LIMIT SQLite and PostgreSQL take (a bigint): a page at least as long as any log
_MAX_PAGE = 2**63 - 1


def _page_size(value: Any) -> int:
    """A page size as the stores can read it: a whole number of notifications, at least one
    (``InvalidValue`` naming ``page_size`` otherwise: a page of none reads as the end of the
    log on SQLite and PostgreSQL, which would move every position past events never applied);
    one larger than any log reads the whole log, the same on every store."""
    if type(value) is not int or value < 1:
        raise InvalidValue(
            "must be a whole number of notifications, at least 1", field="page_size", value=value
        )
    return min(value, _MAX_PAGE)


def _refuse_closed(app: Application[Any]) -> None:
    """``StorageUnavailable`` saying the application was closed, as its commands say it (its
    log is not read: SQLite's closed pool said nothing, PostgreSQL's read as a server out of
    reach, a memory log went on being read)."""
    closing = getattr(app, "closing", None)
    if closing is not None and closing.is_set():
        from q2c_core.app_base import closed_error

        raise closed_error(app)  # type: ignore[arg-type]


def _moment(value: Any) -> datetime:
    """A recording time (UTC when it names no zone), or ``InvalidValue`` naming ``as_of``
    (a business day or text failed with a bare ``AttributeError``)."""
    if not isinstance(value, datetime):
        raise InvalidValue(
            f"must be a date and time (when events were recorded), not {type(value).__name__}",
            field="as_of",
            value=value,
        )
    return _utc(value)


def _notification(value: Any) -> int | None:
    """A last notification to apply (None: the end of the log), or ``InvalidValue`` naming
    ``until`` (text failed with a bare ``TypeError``; a fraction or a negative number names
    no notification)."""
    if value is None:
        return None
    if type(value) is not int or value < 0:
        raise InvalidValue(
            "must be a whole number of notifications, at least 0", field="until", value=value
        )
    return value


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# notifications a rebuild reads per page, shared between its workers (``rebuild``)
REBUILD_PAGE = 25_000


def rebuild(
    app: Application[Any],
    projections: Sequence[Projection],
    *,
    as_of: datetime | None = None,
    until: int | None = None,
    page_size: int | None = None,
    progress: Progress | None = None,
    workers: int = 1,
) -> int:
    """Empty the projections and build them again from the first event (up to ``as_of``, or
    up to notification ``until``: both given, the earlier); returns how many events were
    applied.

    Pages are larger than a catch-up's: each commit writes rows all over the rows table's
    index, so fewer, larger commits write much less (memory grows with the page, not with
    the history). Without ``page_size``, ``REBUILD_PAGE`` notifications shared between the
    workers: each process holds the rows of one page, so a rebuild by two processes holds
    about what one process does (a page of 12,500 each).

    ``workers`` > 1 splits the projections into that many shares (``split_projections``, by
    the mix of the latest events in the log: ``topic_mix``) and
    rebuilds each share in its own process at once, the first in this one: each projection
    has its own tracking record, so each is rebuilt exactly as alone, page by page, crash-safe
    on its own (a rerun of ``catch_up`` finishes what a failed share left). It needs an
    application and stores that other processes can open (a SQLite file or PostgreSQL), and
    the ``fork`` start method; ``progress`` follows this process's share. Where forking is not
    safe (another thread of this process runs, a PostgreSQL pool's own aside: ``start_method``)
    or the ``WORKER_START_METHOD`` setting names another method, or this process is daemonic (a
    pool's worker, which may start no process), this process rebuilds them all, as with one
    worker: the same rows, more slowly.
    """
    if type(workers) is not int or workers < 1:
        raise InvalidValue("must be a whole number, at least 1", field="workers", value=workers)
    if page_size is None:
        page_size = max(1, REBUILD_PAGE // workers)
    page_size = _page_size(page_size)  # (before anything is emptied)
    until = _notification(until)
    _refuse_closed(app)
    # as of a recording time: the last notification recorded by then, found once for every
    # share (``position_as_of``)
    if as_of is not None:
        last = position_as_of(app, _moment(as_of))
        until = last if until is None else min(until, last)
    if workers == 1 or len(projections) <= 1:
        return _rebuild_share(app, projections, until, page_size, progress).applied
    _check_shareable(app, projections)
    if start_method(app.env.get) != "fork" or in_daemonic_process():
        # (projections hold their stores and caches: only a forked worker can take its share
        # along, and forking is not safe here now, or not allowed in a daemonic process: this
        # process does it all, as one worker)
        return _rebuild_share(app, projections, until, page_size, progress).applied
    shares = split_projections(projections, workers, topic_mix(app, projections, until))
    return _rebuild_in_processes(app, shares, until, page_size, progress)


# what reading and decoding one event costs, in microseconds, on the scale of the
# projections' ``event_cost`` (measured on the same rebuild): each share of a rebuild reads and
# decodes every event of its projections' topics once, whichever of them apply it
DECODE_COST = 10.0
# the latest events ``topic_mix`` counts
MIX_SAMPLE = 20_000
# at most this many ways of sharing the projections are tried one by one (``split_projections``)
_EXHAUSTIVE = 50_000


def topic_mix(
    app: Application[Any], projections: Sequence[Projection], until: int | None = None
) -> dict[str, int]:
    """How many of the latest ``MIX_SAMPLE`` events of the projections' topics (up to
    notification ``until``) each topic has: the business mix a rebuild will read, for
    ``split_projections``. Only ids and topics are read, not the events."""
    topics = sorted({t for p in projections for t in p.topics()})
    if not topics:
        return {}
    reader = NotificationReader(app.recorder)
    with reaching(getattr(app, "storage_url", None) or url_of(app.env.get)):
        head = app.recorder.max_notification_id() or 0
        last = head if until is None else min(until, head)
        rows = reader.select(
            max(1, last - MIX_SAMPLE + 1), MIX_SAMPLE, stop=last, topics=topics, with_state=False
        )
    mix: dict[str, int] = {}
    for row in rows:
        mix[row[3]] = mix.get(row[3], 0) + 1
    return mix


def share_cost(share: Sequence[Projection], mix: dict[str, int]) -> float:
    """What rebuilding ``share`` in one process costs on the events of ``mix`` (microseconds):
    every event of its topics read and decoded once (``DECODE_COST``), then applied by each
    projection that reads it (its ``event_cost``)."""
    return _ShareCosts(share, mix).of(share)


class _ShareCosts:
    """``share_cost`` of groups of the same projections: each one's own cost and topics
    summed once, for every way of sharing tried."""

    def __init__(self, projections: Sequence[Projection], mix: dict[str, int]) -> None:
        self.mix = mix
        self.own = {
            id(p): p.event_cost * sum(mix.get(t, 0) for t in p.topics()) for p in projections
        }
        self.topics = {id(p): frozenset(p.topics()) for p in projections}

    def of(self, group: Sequence[Projection]) -> float:
        read = frozenset[str]().union(*(self.topics[id(p)] for p in group))
        own = sum(self.own[id(p)] for p in group)
        return own + DECODE_COST * sum(self.mix.get(t, 0) for t in read)


def split_projections(
    projections: Sequence[Projection], shares: int, mix: dict[str, int] | None = None
) -> list[list[Projection]]:
    """The projections in at most ``shares`` groups whose costliest (``share_cost`` on the
    events of ``mix``, topic -> events; without it one event of each topic) costs least, the
    costliest group first (it is this process's share in ``rebuild``).

    Projections that read the same events share their decoding in one group, so the groups
    are not balanced by the projections' own costs alone: every way of sharing is tried when
    there are few (two workers and a dozen projections), otherwise each projection, the
    costliest first, joins the group it makes least costly."""
    if mix is None:
        mix = {t: 1 for p in projections for t in p.topics()}
    n = min(shares, len(projections))
    cost = _ShareCosts(projections, mix).of
    alone = sorted(projections, key=lambda p: -cost([p]))
    if n <= 1:
        return [alone] if alone else []
    best: list[list[Projection]] = [[] for _ in range(n)]
    if n ** (len(alone) - 1) <= _EXHAUSTIVE:
        best_cost = math.inf
        # (the costliest projection always in the first group: the groups' order is no choice)
        for choice in itertools.product(range(n), repeat=len(alone) - 1):
            groups: list[list[Projection]] = [[alone[0]], *([] for _ in range(n - 1))]
            for p, k in zip(alone[1:], choice, strict=True):
                groups[k].append(p)
            costliest = max(cost(g) for g in groups)
            if costliest < best_cost:
                best, best_cost = groups, costliest
    else:
        for p in alone:
            k = min(range(n), key=lambda k: cost([*best[k], p]))
            best[k].append(p)
    kept = [g for g in best if g]
    kept.sort(key=lambda g: -cost(g))
    return kept


@attrs.frozen
class ShareResult:
    """What one share of a rebuild did: events applied (in all and per topic), peak memory."""

    applied: int
    applied_by_topic: dict[str, int]
    peak_rss_kb: int


def _rebuild_share(
    app: Application[Any],
    projections: Sequence[Projection],
    until: int | None,
    page_size: int,
    progress: Progress | None,
) -> ShareResult:
    for p in projections:
        p.start_empty()
    follower = Follower(app, projections, page_size=page_size, until=until)
    applied = follower.run(progress=progress)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return ShareResult(applied, dict(follower.applied_by_topic), peak)


def _check_shareable(app: Application[Any], projections: Sequence[Projection]) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        raise InvalidValue(
            "several workers need the fork start method", field="workers", value="fork"
        )
    if not shared_storage(app.env.get):
        raise InvalidValue(
            "several workers need an application that other processes can open "
            "(a SQLite file or PostgreSQL), not memory",
            field="workers",
        )
    for p in projections:
        if not p.store.url or not shared_storage(env_for_url(p.store.url).get):
            raise InvalidValue(
                f"several workers need stores that other processes can open; {p.name}'s is "
                f"{p.store.url or 'unnamed'}",
                field="workers",
            )


def _rebuild_in_processes(
    app: Application[Any],
    shares: list[list[Projection]],
    until: int | None,
    page_size: int,
    progress: Progress | None,
) -> int:
    context: Any = multiprocessing.get_context("fork")
    # the tables exist (this process made them); workers creating them again at once race on
    # PostgreSQL's catalogue
    env = {**dict(app.env), "CREATE_TABLE": "false"}
    processes, receivers = start(
        context,
        _share_worker,
        [
            (type(app), env, share, until, page_size, k)
            for k, share in enumerate(shares[1:], start=1)
        ],
        "q2c-rebuild",
        first=1,
    )
    try:
        mine = _rebuild_share(app, shares[0], until, page_size, progress)
    except BaseException:
        # this share failed or the caller gave up: stop the others (what they committed
        # stands, an unfinished transaction is rolled back by the store)
        stop(processes, receivers)
        raise
    results: dict[int, ShareResult] = gather(
        processes,
        receivers,
        what="rebuild worker",
        hint="its committed pages stand, catch_up finishes its projections",
        first=1,
    )
    results[0] = mine
    by_topic: dict[str, int] = {}
    for result in results.values():
        for topic, n in result.applied_by_topic.items():
            by_topic[topic] = max(by_topic.get(topic, 0), n)
    return sum(by_topic.values())


def _share_worker(
    app_class: type[Application[Any]],
    env: dict[str, str],
    share: list[Projection],
    until: int | None,
    page_size: int,
    k: int,
    report: Connection,
) -> None:
    """A forked worker: the application and the stores opened afresh (the parent's
    connections are never used here), then one share rebuilt."""
    try:
        app = app_class(env=env)
        stores: dict[str, ProjectionStore] = {}
        for p in share:
            # (the parent's store stays referenced, so its connections are never closed (or
            # even finalized) from here: the worker ends with os._exit)
            _INHERITED.append(p.store)
            url = p.store.url
            if url not in stores:
                stores[url] = ProjectionStore.open(url, create_tables=False)
            p.store = stores[url]
        try:
            result = _rebuild_share(app, share, until, page_size, None)
        finally:
            for store in stores.values():
                store.close()
            app.close()
        report.send(("done", k, result))
    except BaseException as error:
        report.send(("failed", k, portable(error, "rebuild worker")))


_INHERITED: list[Any] = []  # a forked worker's copies of the parent's stores


def catch_up(
    app: Application[Any],
    projections: Sequence[Projection],
    *,
    page_size: int = 2000,
    progress: Progress | None = None,
    until: int | None = None,
) -> int:
    """Apply what was recorded since each projection's position (up to notification
    ``until``, when given: events recorded later are left for the next catch-up)."""
    return Follower(app, projections, page_size=page_size, until=until).run(progress=progress)
