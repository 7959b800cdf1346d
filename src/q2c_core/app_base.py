"""The application's plumbing: storage by URL, transcodings, typed loading, atomic retried saves.

Command modules (contract billing, imports...) extend this base, and ``QuoteToCash`` puts them
together, so each concept keeps its own module while every command shares one way of saving.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar, cast
from uuid import UUID

import attrs
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    ProjectorFunction,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    Notification,
    OperationalError,
    Transcoder,
)
from eventsourcing.utils import Environment

from q2c_core.domain.allocation import OpenItem
from q2c_core.domain.contract import Contract, renewals_with_uplift
from q2c_core.domain.customer import Customer
from q2c_core.domain.enhancement_request import EnhancementRequest, TimeEntry
from q2c_core.domain.errors import (
    ConcurrencyConflict,
    InvalidValue,
    NotFound,
    Q2CError,
    RuleViolated,
    StorageUnavailable,
)
from q2c_core.domain.invoice import AppliedPayment, ApprovalPolicy, Invoice
from q2c_core.domain.invoice_numbering import InvoiceNumberSeries
from q2c_core.domain.money import Money, total
from q2c_core.domain.payment import Payment
from q2c_core.domain.prepaid_allowance import AllowanceUnit, Charge, PrepaidAllowance
from q2c_core.domain.transcoding import Q2CJSONTranscoder, register_transcodings
from q2c_core.domain.values import require_day, require_whole
from q2c_core.event_batches import EventBatches
from q2c_core.projections.decoding import TrustedDecoder
from q2c_core.projections.reader import RawNotification
from q2c_core.snapshot_check import SnapshotCheck, verify_snapshots
from q2c_core.sqlite_recorder import store_busy
from q2c_core.storage import (
    POSTGRES_RECORDER_TOPIC,
    SQLITE_RECORDER_TOPIC,
    creating_tables,
    env_for_url,
    foreign_table,
    opening,
    out_of_reach,
    redacted,
    unreachable_errors,
    url_of,
)

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")
B = TypeVar("B", bound="BaseApp")

_log = logging.getLogger(__name__)

# what a snapshot taken after a save's transaction committed may fail with and be left out for:
# the store busy or out of reach for now (another writer's lock, a connection lost), or a
# snapshot of that version already there (one taken by hand in between). Anything else, a
# programming mistake, is raised.
_SNAPSHOT_SKIPPED = (StorageUnavailable, OperationalError, InterfaceError, IntegrityError)

# the random pauses between retries (``BaseApp._atomically``), drawn from the operating system:
# processes forked from one parent would otherwise pause alike and clash again
_JITTER = random.SystemRandom()
# a command that gave up looks up this many of the aggregates it changes for the ones another
# writer changed (an import changes thousands), and names this many of them by kind and id
_CLASHES_LOOKED_UP = 50
_CLASHES_NAMED = 3

# the settings that say where an application's events are kept: given by the URL (or left out
# by it: no ?schema= is the public schema), never taken from the process environment
STORAGE_SETTINGS = (
    "PERSISTENCE_MODULE",
    "SQLITE_DBNAME",
    "POSTGRES_DBNAME",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_SCHEMA",
)


@attrs.frozen
class _Readers:
    """How aggregates are read in bulk: events and snapshots a batch of ids at a time, and
    how a stored row becomes its domain event."""

    events: EventBatches
    snapshots: EventBatches | None
    decode: Callable[[RawNotification, Callable[[RawNotification], Any]], tuple[Any, Any]]


# a parameter taking a business day: (name, position counting self, or None: keyword only,
# None allowed)
_DayParameter = tuple[str, int | None, bool]


def _day_parameters(method: Callable[..., Any]) -> list[_DayParameter]:
    """The parameters a method declares as ``date`` or ``date | None`` (as the annotations
    spell them: q2c's modules postpone annotations)."""
    found: list[_DayParameter] = []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for index, parameter in enumerate(inspect.signature(method).parameters.values()):
        spelled = [part.strip() for part in str(parameter.annotation).split("|")]
        if spelled[0] == "date" and set(spelled) <= {"date", "None"}:
            at = index if parameter.kind in positional else None
            found.append((parameter.name, at, "None" in spelled))
    return found


def _checking_days(method: Callable[..., R], days: list[_DayParameter]) -> Callable[..., R]:
    """``method`` refusing, before it runs, a business day that is no date (``require_day``),
    naming the aggregate given first."""

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> R:
        for name, at, optional in days:
            if name in kwargs:
                value = kwargs[name]
            elif at is not None and at < len(args):
                value = args[at]
            else:
                continue  # (its default)
            if value is not None or not optional:
                try:
                    require_day(value, name)
                except Q2CError as error:
                    # (named as ``_names_target`` names it: the aggregate the command was given)
                    if len(args) > 1 and isinstance(args[1], UUID):
                        error.naming(args[1])
                    raise
        return method(*args, **kwargs)

    checked.__q2c_checks_days__ = True  # type: ignore[attr-defined]
    return checked


def _reaching_storage(method: Callable[..., R]) -> Callable[..., R]:
    """``method`` (a command or a query of the application) with the store out of reach while
    it runs (the server gone after opening, a connection cut) raised as ``StorageUnavailable``
    naming the application's URL (``storage.reaching``), not as the driver's or
    eventsourcing's untyped error; on an application closed already, ``closed_error`` before
    it runs."""

    @functools.wraps(method)
    def reached(self: BaseApp, *args: Any, **kwargs: Any) -> R:
        closing = getattr(self, "closing", None)  # (set by ``close``; made by the library)
        if closing is not None and closing.is_set():
            raise closed_error(self)
        try:
            return method(self, *args, **kwargs)
        except unreachable_errors() as error:
            # (while the application is made, before it knows its URL: its settings')
            url = getattr(self, "storage_url", None) or url_of(self.env.get)
            raise out_of_reach(url, error) from error

    reached.__q2c_reaches_storage__ = True  # type: ignore[attr-defined]
    return reached


def closed_error(app: BaseApp) -> StorageUnavailable:
    """``StorageUnavailable`` saying the application was closed, naming its store (without a
    password): what a command or a query of a closed application raises, on every backend
    (SQLite's closed pool said nothing, PostgreSQL's read as a server out of reach, and the
    memory store went on recording), and nothing is recorded."""
    url = getattr(app, "storage_url", None) or url_of(app.env.get)
    gone = " (a memory: store's events went with it)" if url == "memory:" else ""
    return StorageUnavailable(
        f"this application was closed: open the store again with "
        f"{type(app).__name__}.open({url!r}) to use it{gone}",
        field="url",
        value=url,
    )


def _guard_public_methods(cls: type[BaseApp]) -> None:
    """Every public method ``cls`` declares refuses a business day that is no date
    (``_checking_days``) and raises the store out of reach as ``StorageUnavailable``
    (``_reaching_storage``); ``close`` aside, as closing a closed application does nothing."""
    for name, member in list(cls.__dict__.items()):
        if name.startswith("_") or name == "close" or not inspect.isfunction(member):
            continue
        if not getattr(member, "__q2c_checks_days__", False):
            days = _day_parameters(member)
            if days:
                member = _checking_days(member, days)
        if not getattr(member, "__q2c_reaches_storage__", False):
            member = _reaching_storage(member)
        setattr(cls, name, member)


class BaseApp(Application[UUID]):
    """An eventsourcing Application with q2c's storage, transcodings and save discipline."""

    name = "QuoteToCash"
    snapshotting_intervals = {  # noqa: RUF012 - eventsourcing reads this class attribute
        Contract: 50,
        PrepaidAllowance: 50,
        Customer: 50,
        InvoiceNumberSeries: 50,
        # a payment spread over thousands of invoices: each command on it read its whole
        # history again
        Payment: 50,
        # an issued invoice has 4 events (drafted, two approvals, issued) whose rule checks
        # replay with it: allocations read every invoice of the customer from this snapshot
        Invoice: 4,
    }
    # A command that lost a race (another writer saved one of its aggregates first: every
    # issue takes the next number of the one invoice number series) decides again on fresh
    # state, after a random pause up to a limit that doubles from ``retry_first_pause`` to
    # ``retry_max_pause`` seconds, so the writers spread out instead of clashing again. It
    # gives up with ConcurrencyConflict, having recorded nothing, after ``max_retries`` attempts
    # (a whole number from 1, 1 meaning no retry: anything else is refused at opening,
    # InvalidValue naming max_retries) or once ``retry_time_limit`` seconds have passed. The
    # first attempt never waits.
    retry_first_pause = 0.002
    retry_max_pause = 0.1
    retry_time_limit = 10.0
    # a refusal made while other writers moved the log is decided again on fresh state, at
    # once, this many times at most (a bad import row is not re-read fifty times); not lost
    # races, so ``max_retries=1`` decides a refusal again too
    refusal_rechecks = 2

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every public method a q2c application declares that takes a business day (a
        parameter declared ``date`` or ``date | None``) refuses anything else before it runs,
        text or a datetime with it: ``InvalidValue`` naming the parameter, nothing recorded (a
        day given as text got as far as a comparison with a day and a bare TypeError).

        Every public method (a command, a query) raises the store out of reach while it runs
        (the server gone after opening, a connection cut, no connection to be had in time)
        as ``StorageUnavailable`` naming the URL, its password left out, as opening does: a
        caller catches one q2c error, not the driver's or eventsourcing's. A save is one
        transaction, so a command that failed so recorded nothing, or all of its events when
        the connection was lost after the commit."""
        super().__init_subclass__(**kwargs)
        _guard_public_methods(cls)

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        approval_policy: ApprovalPolicy | None = None,
        max_retries: int = 50,
    ) -> None:
        # (before anything is opened: 0 would refuse every command as a lost race)
        require_whole(max_retries, "max_retries", at_least=1)
        super().__init__(env)
        self.approval_policy = approval_policy or ApprovalPolicy()
        self.max_retries = max_retries
        # the storage an error names (its password left out): the URL opened, or the one
        # the settings stand for
        self.storage_url = url_of(self.env.get)

    @classmethod
    def open(cls: type[B], url: str, **kwargs: Any) -> B:
        """Open the application on ``memory:``, ``sqlite:///file.db`` or ``postgresql://...``.

        The URL is ``memory:`` (gone when closed), ``sqlite:///path/billing.db`` (a missing
        file in an existing folder is created; ``?lock_timeout=`` seconds a save waits for
        another writer, 5 by default) or ``postgresql://user[:password]@host[:port]/db``
        (``?schema=`` its tables' schema, created when missing; ``?connect_timeout=``
        seconds, 30 by default). Its event tables are made on first opening.

        Keywords: ``max_retries`` (a whole number, at least 1, 1 meaning no retry; 50 by
        default) is how many attempts a command makes, each deciding again on fresh state,
        while it loses a race for an aggregate to another process, before it gives up with
        ``ConcurrencyConflict`` having recorded nothing (after 10 seconds too);
        ``approval_policy``, an ``ApprovalPolicy``, names the roles
        whose sign-off an invoice needs before its issue (by default ``billing`` and
        ``account_manager``: ``ApprovalPolicy(["billing"])`` for billing's alone). Any other
        keyword is a ``TypeError``.

        A URL that is malformed or has a parameter it does not take (``?shema=``), or a
        ``max_retries`` below 1, is ``InvalidValue`` naming ``url`` or ``max_retries``;
        storage that cannot be opened (a missing folder or database, a server not answering)
        is ``StorageUnavailable`` naming the URL, its password left out."""
        env = env_for_url(url)
        with opening(url), creating_tables(env):  # (several processes opening one database)
            app = cls(env, **kwargs)
        app.storage_url = redacted(url)
        # a table of the same name another program made (found, not made, on opening) is
        # refused now, not on the first command as the store out of reach
        try:
            with opening(url):
                recorders: list[object] = [app.recorder]
                if app.snapshots is not None:
                    recorders.append(app.snapshots.recorder)
                problems = [p for p in map(foreign_table, recorders) if p]
        except BaseException:
            app.close()
            raise
        if problems:
            app.close()
            raise StorageUnavailable(
                f"cannot open {redacted(url)}: {problems[0]}", field="url", value=redacted(url)
            )
        return app

    def close(self) -> None:
        """Close the store's connections. From then on every command and query of the
        application, and ``catch_up`` or ``rebuild`` given it, refuses with
        ``StorageUnavailable`` saying it was closed, recording nothing (a ``memory:`` store's
        events went with it); ``open`` the store again to go on. Closing again does nothing."""
        super().close()

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        """eventsourcing's settings: the process environment, then ``env`` over it; except
        that settings which name a persistence module (``open``'s, from the URL) decide where
        the events are kept. eventsourcing reads a setting under the application's prefix
        first (``QUOTETOCASH_SQLITE_DBNAME``) and falls back to the environment for one
        not given (``POSTGRES_SCHEMA``), so a setting an operator's shell still exported for
        another service kept the events elsewhere than the URL says: another file, another
        schema than ``public`` for a URL without ``?schema=``. Now the given settings stand
        over their prefixed names, and where-the-events-are settings they do not give
        (``STORAGE_SETTINGS``) are not taken from the environment. Other settings the
        environment may give as before (a wait the URL does not give)."""
        merged = super().construct_env(name, env)
        if env is None or not env.get("PERSISTENCE_MODULE"):
            return merged  # (settings from the environment itself)
        for key in {*env, *STORAGE_SETTINGS}:
            for spelled in merged.create_keys(key):
                if spelled not in env:
                    merged.pop(spelled, None)
        return merged

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        """eventsourcing's factory; on PostgreSQL and SQLite with q2c's recorders unless the
        environment names another (``q2c_core.postgres_recorder``: saves without pipeline mode;
        both keep a row per save, ``q2c_core.recorded_saves``)."""
        ours = {
            "eventsourcing.postgres": POSTGRES_RECORDER_TOPIC,
            "eventsourcing.sqlite": SQLITE_RECORDER_TOPIC,
        }.get(str(env.get("PERSISTENCE_MODULE")))
        if ours is not None and not env.get("APPLICATION_RECORDER_TOPIC"):
            env["APPLICATION_RECORDER_TOPIC"] = ours
        return super().construct_factory(env)

    def construct_transcoder(self) -> Transcoder:
        """q2c's JSON transcoder (the same stored form as eventsourcing's, read and written
        faster), unless the environment names another transcoder."""
        transcoder = self.factory.transcoder()
        if type(transcoder) is JSONTranscoder:
            transcoder = Q2CJSONTranscoder()
        if isinstance(transcoder, JSONTranscoder):
            self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """eventsourcing's own transcodings plus q2c's values, enums and dates."""
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        """Snapshot an aggregate as recorded (eventsourcing's); on SQLite, another writer
        holding the file's lock past the lock timeout is ``StorageUnavailable`` saying the
        store is busy, the snapshot not written.

        A version snapshotted already (a snapshot job run again, the latest version taken by
        the save's snapshot interval) is left as it is and nothing is raised: a snapshot is the
        state the aggregate's events up to its version give, so a second one would say the same
        (a stored snapshot that does not is ``verify_snapshots``' to report, not overwritten
        here). Only that case is quiet: the store's refusal of a version it holds no snapshot
        of is raised as it was.

        An id nothing is recorded under, or a version before the aggregate's first, is
        ``NotFound`` naming the id (or the version), nothing written; an id given as its text
        is read as the UUID it spells, on every store (as ``_get`` reads it). A version that is
        no whole number (text, a fraction, a bool) is ``InvalidValue`` naming version, nothing
        read or written."""
        if version is not None and type(version) is not int:
            raise InvalidValue(
                "must be a whole number: a version of the aggregate (its first is 1)",
                field="version",
                value=version,
            )
        if isinstance(aggregate_id, str):
            with contextlib.suppress(ValueError):
                aggregate_id = UUID(aggregate_id)
        try:
            super().take_snapshot(aggregate_id, version, projector_func)
        except AggregateNotFoundError:
            raise self._nothing_to_snapshot(aggregate_id, version) from None
        except IntegrityError:
            if not self._snapshot_taken(aggregate_id, version):
                raise
        except OperationalError as error:
            assert self.snapshots is not None  # (the library's take_snapshot checked it)
            at = f" at version {version}" if version is not None else ""
            what = f"the snapshot of {aggregate_id}{at} was not written"
            busy = store_busy(self.snapshots.recorder, error, what)
            if busy is None:
                raise
            raise busy from error

    def _nothing_to_snapshot(self, aggregate_id: UUID, version: int | None) -> NotFound:
        """``NotFound`` for a snapshot of nothing: no aggregate with the id, or none of it at
        ``version``."""
        if version is not None:
            try:
                self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                pass
            else:
                return NotFound(
                    f"{aggregate_id} has no version {version} (its first is 1)",
                    field="version",
                    aggregate_id=aggregate_id,
                    value=version,
                )
        return NotFound("nothing is recorded with this id", field="id", aggregate_id=aggregate_id)

    def _snapshot_taken(self, aggregate_id: UUID, version: int | None) -> bool:
        """Whether a snapshot of the aggregate at ``version`` (None: its latest) is stored."""
        assert self.snapshots is not None  # (the library's take_snapshot checked it)
        if version is None:
            version = self.repository.get(aggregate_id).version
        stored = self.snapshots.recorder.select_events(
            aggregate_id, gt=version - 1, lte=version, limit=1
        )
        return bool(stored)

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot the saved aggregates whose version is on their interval (eventsourcing's,
        which ``save`` calls once the save's transaction committed).

        A snapshot is only a shortcut for reading, and the command's events are recorded by
        now: a snapshot the store cannot take (``_SNAPSHOT_SKIPPED``: another writer holding
        the SQLite file's lock past the lock timeout, a connection lost, or another process's
        snapshot of that version taken in between) is left out, and so are the save's
        snapshots still due after it (each would wait out the same lock again: a billing run's
        batch holds hundreds), with a warning logged; the command succeeds, and
        ``_atomically`` never mistakes it for a lost race and runs the command again. The
        aggregate reads from its previous snapshot and the events after it until its next
        snapshot."""
        try:
            super()._take_snapshots(processing_event)
        except _SNAPSHOT_SKIPPED as error:
            _log.warning(
                "a snapshot after a save was left out (the save's events are recorded; the "
                "next snapshot on the aggregate's interval is taken as usual): %s",
                error,
            )

    def verify_snapshots(
        self, *, page_size: int = 100, progress: Callable[[int, int], None] | None = None
    ) -> SnapshotCheck:
        """Check every stored snapshot against its aggregate's events: each aggregate rebuilt
        from its events alone (no snapshot) up to the snapshot's version must have the
        snapshot's state (``q2c_core.snapshot_check``). Commands and documents read an
        aggregate from its latest snapshot, so a snapshot changed behind the application's
        back changes what they bill while the read models, rebuilt from events, do not show
        it. Returns how many snapshots were checked and each mismatch (an attribute that
        differs, a version the events never reached, another type, a state that cannot be
        read); ``q2c replay`` prints them and exits 1. Read ``page_size`` aggregates at a time;
        ``progress(checked, total)`` after each page."""
        return verify_snapshots(self, page_size=page_size, progress=progress)

    def know_renewals(self, contract: Contract) -> None:
        """Give a contract read from a snapshot older than ``Contract.renewed_on`` or
        ``renewal_uplifts`` its renewals, from its events (the rules of adding, extending and
        re-pricing a sub-contract need them)."""
        if contract.renewed_on is None or contract.renewal_uplifts is None:
            found = renewals_with_uplift(self.events.get(contract.id, lte=contract.version))
            contract.renewed_on = [day for day, _ in found]
            contract.renewal_uplifts = [uplift for _, uplift in found]
        if contract.uplifted_on is None:
            # which renewal prices the uplifts set: the contract's events replayed from its
            # first (what a snapshot older than ``uplifted_on`` did not keep)
            replayed: Any = None
            for e in self.events.get(contract.id, lte=contract.version):
                replayed = cast(Any, e).mutate(replayed)
            contract.uplifted_on = replayed.uplifted_on if replayed is not None else {}

    def know_billed_through(self, contract: Contract) -> None:
        """Give a contract read from a snapshot older than ``Contract.billed_through`` the days
        its early-billed periods ran to, from its events (the arrears rule of
        ``Contract.correction_waits`` needs them); the next snapshot keeps them."""
        if contract.billed_through is None:
            replayed: Any = None
            for domain_event in self.events.get(contract.id, lte=contract.version):
                replayed = cast(Any, domain_event).mutate(replayed)
            contract.billed_through = replayed.billed_through if replayed is not None else {}

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        """Load an aggregate of a known type, or raise NotFound. An id given as its text (with
        dashes, or the 32 hex digits reports print) is read as the UUID it spells, so every
        store finds the same aggregate (the memory store found only the dashed text, SQLite
        only the hex digits)."""
        if isinstance(aggregate_id, str):
            with contextlib.suppress(ValueError):
                aggregate_id = UUID(aggregate_id)
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(
                f"no {cls.__name__} with this id", field="id", aggregate_id=aggregate_id
            ) from None
        if not isinstance(aggregate, cls):
            raise NotFound(
                f"{aggregate_id} is {_a(type(aggregate).__name__)}, not {_a(cls.__name__)}",
                field="id",
                aggregate_id=aggregate_id,
            )
        return aggregate

    def _get_other(self, cls: type[A], aggregate_id: UUID, *, field: str, target: UUID) -> A:
        """Load the aggregate a command's other argument names (the deposit deducted on an
        invoice, the contract a sub-contract moves to): an id of nothing is ``NotFound`` naming
        that argument, ``field``, on the command's ``target``, which exists."""
        try:
            return self._get(cls, aggregate_id)
        except NotFound as missing:
            raise NotFound(
                f"{missing.rule} ({aggregate_id})",
                field=field,
                aggregate_id=target,
                value=aggregate_id,
            ) from None

    def _changed_or_recorded(
        self, cls: type[A], aggregate_id: UUID, changed: Mapping[UUID, Aggregate]
    ) -> A | None:
        """The aggregate as this step changed it already (``changed``: made or touched, not
        saved yet), else as recorded, else None."""
        kept = changed.get(aggregate_id)
        if isinstance(kept, cls):
            return kept
        try:
            return self._get(cls, aggregate_id)
        except NotFound:
            return None

    def _get_many(
        self, cls: type[A], ids: Sequence[UUID], readers: _Readers | None = None
    ) -> list[A]:
        """The aggregates of type ``cls`` with these ids, as ``_get`` loads them, in the order
        given; ids of nothing (or of another type) are left out.

        One query per batch of ids instead of one per aggregate (``EventBatches``), each
        aggregate from its latest snapshot and the events after it.
        """
        readers = readers or self._readers()
        snapshots = readers.snapshots.events_of(ids) if readers.snapshots is not None else {}
        found = readers.events.events_of(ids)
        decode = readers.decode
        loaded: list[A] = []
        for aggregate_id in ids:
            aggregate: Any = None
            after = 0
            taken = snapshots.get(aggregate_id)
            if taken:
                originator_id, after, topic, state = taken[-1]
                snapshot = decode((0, originator_id, after, topic, state), _as_notification)[0]
                aggregate = snapshot.mutate(None)
            for originator_id, version, topic, state in found.get(aggregate_id, ()):
                if version > after:
                    row = (0, originator_id, version, topic, state)
                    aggregate = decode(row, _as_notification)[0].mutate(aggregate)
            if isinstance(aggregate, cls):
                loaded.append(aggregate)
        return loaded

    def _readers(self, *, trusted: bool = False) -> _Readers:
        """Bulk readers of this application's events and snapshots. ``trusted`` decodes with
        the read side's faster decoder (long runs: it keeps caches and compiles per topic);
        otherwise with the application's own mapper, as ``repository.get`` does."""
        snapshots = self.snapshots
        return _Readers(
            EventBatches(self.recorder),
            None if snapshots is None else EventBatches(snapshots.recorder),
            TrustedDecoder(self).decode_row if trusted else self._decode_by_mapper,
        )

    def _decode_by_mapper(
        self, row: RawNotification, as_notification: Callable[[RawNotification], Any]
    ) -> tuple[Any, None]:
        return self.mapper.to_domain_event(as_notification(row)), None

    def _atomically(self, step: Callable[[], tuple[R, Sequence[Aggregate]]]) -> R:
        """Run a command step and save what it changed in one transaction, retrying clashes.

        ``step`` loads fresh aggregates each time, so a retry decides again on current state.
        A save that lost a version race is retried after a random pause (the class's
        ``retry_*`` settings), at most ``max_retries`` attempts in all and not past
        ``retry_time_limit`` seconds; a clash leaves nothing recorded, so giving up is
        ``ConcurrencyConflict`` with nothing half-written, naming the aggregates another writer
        changed after the last attempt read them and saying the command is safe to send again
        (``_gave_up``). A step that reads several aggregates can see one before and one after
        another writer's transaction; when it refuses while the log moved under it, it decides
        again at once on fresh state before the refusal stands (``refusal_rechecks`` times at
        most, whatever ``max_retries``: a command sent again after a lost response that read
        across the first call's save answers as a repeat, not with a refusal of what that call
        did).
        """
        started: float | None = None
        clashes = rechecks = 0
        attempt = 0
        read: list[tuple[Aggregate, int]] = []  # (the last attempt's: each as it was read)
        while attempt < self.max_retries:
            attempt += 1
            head = self.recorder.max_notification_id()
            try:
                result, changed = step()
            except Q2CError:
                moved = self.recorder.max_notification_id() != head
                if moved and rechecks < self.refusal_rechecks:
                    # (no lost race: ``max_retries`` counts those, so a refusal is decided
                    # again at ``max_retries=1`` too, and takes no attempt from a later race)
                    rechecks += 1
                    attempt -= 1
                    continue
                raise
            read = [(a, a.version - len(a.pending_events)) for a in changed if a.pending_events]
            try:
                self.save(*changed)
            except IntegrityError:
                clashes += 1
                if attempt >= self.max_retries:
                    break  # (no pause before giving up: the caller hears at once)
                if started is None:
                    started = time.monotonic()
                pause = self._retry_pause(clashes)
                if time.monotonic() - started + pause > self.retry_time_limit:
                    break
                time.sleep(pause)
                continue
            return result
        raise self._gave_up(attempt, read)

    def _gave_up(self, attempts: int, read: list[tuple[Aggregate, int]]) -> ConcurrencyConflict:
        """``ConcurrencyConflict`` for a command that lost its last race: naming the aggregates
        it had events for that are recorded past the version its last attempt read them at
        (``read``; among the first ``_CLASHES_LOOKED_UP``, the first ``_CLASHES_NAMED`` by kind
        and id, the others counted; the first as ``aggregate_id``), and saying that nothing of
        it was recorded, so sending it again is safe: a retry after a lost response, racing the
        first call, is then answered as that call was (or refused as a second call would be)."""
        clashed: list[Aggregate] = []
        for aggregate, version in read[:_CLASHES_LOOKED_UP]:
            if self.recorder.select_events(aggregate.id, gt=version, limit=1):
                clashed.append(aggregate)
        names = [f"{type(a).__name__} {a.id}" for a in clashed[:_CLASHES_NAMED]]
        if len(clashed) > _CLASHES_NAMED:
            names.append(f"{len(clashed) - _CLASHES_NAMED} more")
        if names:
            what = f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
            them = "them" if len(clashed) > 1 else "it"
            changed = f"another writer changed {what} after this command read {them}"
        else:  # (beyond those looked up, or changed back out of reach of a version)
            changed = "other writers kept changing the aggregates it changes"
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        return ConcurrencyConflict(
            f"gave up after {tries}: {changed}; nothing of this command was recorded, so it is "
            "safe to send it again (it is then decided on what is recorded)",
            field="version",
            aggregate_id=clashed[0].id if clashed else None,
            value=tuple(a.id for a in clashed),
        )

    def _retry_pause(self, clashes: int) -> float:
        """Seconds to wait after a command's ``clashes``-th lost race: at random up to a limit
        doubling from ``retry_first_pause`` to ``retry_max_pause`` ("full jitter")."""
        limit = min(self.retry_max_pause, self.retry_first_pause * 2 ** min(clashes - 1, 30))
        return _JITTER.uniform(0.0, limit)

    def _update(self, cls: type[A], aggregate_id: UUID, change: Callable[[A], None]) -> None:
        """Load one aggregate, apply one command, save atomically."""

        def step() -> tuple[None, list[Aggregate]]:
            aggregate = self._get(cls, aggregate_id)
            change(aggregate)
            return None, [aggregate]

        self._atomically(step)

    def _customer_invoices(self, customer: Customer) -> list[Invoice]:
        """Every invoice and credit note of a customer, in drafting order, read in bulk."""
        return self._get_many(Invoice, list(customer.invoice_ids))

    def _open_items(self, customer: Customer, currency: str, on: date) -> list[OpenItem]:
        """The customer's invoices in ``currency`` issued by ``on`` with money outstanding.

        The one list every allocation works from (oldest-first allocation, bank matching), so
        billing-run invoices, which the contract rather than the customer lists, are never left
        out. Money allocated on a day pays only invoices issued by then, and no more than each
        owed on that day and every day since (``open_item``).
        """
        invoices = [
            i
            for i in self._customer_invoices(customer)
            if i.issued_by(on) and i.outstanding.is_positive() and i.currency == currency
        ]
        self._know_applications(invoices)
        items = [open_item(i, on) for i in invoices]
        return [item for item in items if item.outstanding.is_positive()]

    def _know_applications(self, invoices: Iterable[Invoice]) -> None:
        """Give the invoices that do not know every payment applied to them
        (``Invoice.applications`` None: read from a snapshot taken before invoices kept them,
        or with an un-application recorded before it carried its day) those payments, from
        the invoices' ``PaymentApplied`` events and the payments' allocations, each taken back
        off on its reversal's day (one recorded before reversals carried a day: on the day it
        was made, never in force, as ``Payment.allocations_on`` reads it). One read of the
        events and one of the payments for them all; nothing when every invoice knows."""
        unknown = {i.id: i for i in invoices if i.applications is None}
        if not unknown:
            return
        readers = self._readers()
        applied: dict[UUID, list[tuple[str, UUID]]] = {}
        for invoice_id, rows in readers.events.events_of(list(unknown)).items():
            for originator_id, version, topic, state in rows:
                if version <= unknown[invoice_id].version and topic.endswith(".PaymentApplied"):
                    row = (0, originator_id, version, topic, state)
                    e = readers.decode(row, _as_notification)[0]
                    applied.setdefault(invoice_id, []).append((e.allocation_id, e.payment_id))
        payment_ids = list({p for found in applied.values() for _, p in found})
        payments = {p.id: p for p in self._get_many(Payment, payment_ids, readers)}
        for invoice_id, invoice in unknown.items():
            live = {a.allocation_id: a for a in invoice.payments}
            known: list[AppliedPayment] = []
            for allocation_id, payment_id in applied.get(invoice_id, []):
                if allocation_id in live:
                    known.append(live[allocation_id])
                    continue
                payment = payments.get(payment_id)
                if payment is None:
                    continue
                try:
                    a = payment.allocation(allocation_id)
                except RuleViolated:
                    continue
                back = a.allocated_on if a.reversed_on is None else a.reversed_on
                known.append(
                    AppliedPayment(
                        allocation_id, payment_id, a.amount, a.allocated_on, unapplied_on=back
                    )
                )
            invoice.know_applications(known)

    def _unallocated(self, customer_id: UUID, currency: str) -> Money:
        """The customer's money in ``currency`` not allocated to any invoice: its credit."""
        customer = self._get(Customer, customer_id)
        return total(
            (
                p.unallocated
                for p in self._get_many(Payment, customer.payment_ids)
                if p.amount.currency == currency
            ),
            currency,
        )

    def _money_on(
        self, customer_id: UUID, currency: str, day: date
    ) -> tuple[Decimal, dict[UUID, Decimal]]:
        """A customer's money in ``currency`` at the end of a business day: its credit
        (``Payment.unallocated_on``) and what its allocations then in force paid each invoice."""
        customer = self._get(Customer, customer_id)
        credit = Decimal(0)
        paid: dict[UUID, Decimal] = {}
        for payment in self._get_many(Payment, customer.payment_ids):
            if payment.amount.currency != currency:
                continue
            credit += payment.unallocated_on(day).amount
            for a in payment.allocations_on(day):
                paid[a.invoice_id] = paid.get(a.invoice_id, Decimal(0)) + a.amount.amount
        return credit, paid

    @staticmethod
    def _check_issued_by(invoice: Invoice, day: date, field: str) -> None:
        """Money meets an invoice from the day it is issued (``Invoice.DAY_ORDER`` holds the
        same rule; this names the command's own field)."""
        if invoice.issued_on is not None and day < invoice.issued_on:
            raise RuleViolated(
                f"{day} is before invoice {invoice.number} was issued ({invoice.issued_on})",
                field=field,
                aggregate_id=invoice.id,
                value=day,
            )

    def _bounce(
        self,
        payment: Payment,
        bounced_on: date,
        reason: str,
        actor: str,
        loaded: dict[UUID, Invoice] | None = None,
    ) -> list[Invoice]:
        """The bank returned a loaded payment: it bounces, its live allocations reversed, and
        the invoices they paid re-open; returns those invoices, each once.

        ``loaded`` keeps invoices already loaded or changed in this step, so an invoice the
        payment paid twice (or that the step changed before) is one instance.
        """
        loaded = {} if loaded is None else loaded
        live = payment.live_allocations()
        payment.bounce(bounced_on, reason, actor)
        reopened: dict[UUID, Invoice] = {}
        for allocation in live:
            invoice = loaded.get(allocation.invoice_id) or self._get(Invoice, allocation.invoice_id)
            loaded[invoice.id] = reopened[invoice.id] = invoice
            invoice.check_taken_back(allocation.allocation_id, bounced_on, "bounced_on")
            invoice.unapply_payment(
                allocation.allocation_id, f"bounced: {reason}", actor, bounced_on
            )
        return list(reopened.values())

    def _draw_allowance(
        self,
        request: EnhancementRequest,
        entry: TimeEntry,
        actor: str,
        loaded: dict[UUID, PrepaidAllowance] | None = None,
    ) -> list[Aggregate]:
        """Charge billable work on an allowance-covered request against the allowance.

        Work dated after the covering allowance's period, once what was left of it was rolled
        over, draws on the allowance it was rolled over into (and on, down the roll-overs:
        ``PrepaidAllowance.passes_on``), so the hours carried into the next period cover the
        next period's work. Work no allowance can take (dated outside their periods, or after
        one expired, or in the period of one that was rolled over) is not refused: it stays on
        the request as ordinary billable work, so a late or out-of-period timesheet is billed
        instead of lost. ``loaded`` keeps allowances already read or changed in this step, so
        several entries draw on one instance.
        """
        if request.allowance_id is None or not entry.billable:
            return []
        allowance = self._allowance_drawn_on(request, entry.work_date, loaded)
        if allowance is None:
            return []
        allowance.charge_work(allowance_charge(request, entry, allowance), actor)
        return [allowance]

    def _allowance_drawn_on(
        self,
        request: EnhancementRequest,
        work_date: date,
        loaded: dict[UUID, PrepaidAllowance] | None = None,
    ) -> PrepaidAllowance | None:
        """The allowance that draws the request's work done on a day (``_draw_allowance``), or
        None when none can."""
        if request.allowance_id is None:
            return None
        loaded = {} if loaded is None else loaded
        allowance = self._loaded_allowance(request.allowance_id, loaded)
        while not allowance.can_draw(work_date):
            successor = allowance.passes_on(work_date)
            if successor is None:
                return None
            allowance = self._loaded_allowance(successor, loaded)
        return allowance

    def _loaded_allowance(
        self, allowance_id: UUID, loaded: dict[UUID, PrepaidAllowance]
    ) -> PrepaidAllowance:
        """An allowance as this step has it (``loaded``), read once."""
        allowance = loaded.get(allowance_id) or self._get(PrepaidAllowance, allowance_id)
        loaded[allowance_id] = allowance
        return allowance

    def _allowance_chain(
        self, request: EnhancementRequest, loaded: dict[UUID, PrepaidAllowance] | None = None
    ) -> list[PrepaidAllowance]:
        """The allowance covering a request and those it was rolled over into, in that order:
        the allowances the request's work may be charged on (``_draw_allowance``). Empty when
        no allowance covers the request."""
        loaded = {} if loaded is None else loaded
        chain: list[PrepaidAllowance] = []
        next_id = request.allowance_id
        while next_id is not None:
            allowance = self._loaded_allowance(next_id, loaded)
            chain.append(allowance)
            next_id = allowance.rolled_over_to
        return chain

    def _created_ids(self, cls: type[Aggregate], created_event: str) -> Iterator[UUID]:
        """Ids of every aggregate of a class, by scanning its creation events."""
        topics = [f"{cls.__module__}:{cls.__qualname__}.{created_event}"]
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=1000, topics=topics)
            if not page:
                return
            for n in page:
                yield UUID(str(n.originator_id))
            start = page[-1].id + 1

    def _created_events(
        self, cls: type[Aggregate], created_event: str, start: int = 1
    ) -> Iterator[Any]:
        """The creation event of every aggregate of a class, in the order recorded: what each
        was created with, without loading the aggregates (a customer's registered name); from
        the log's ``start`` on."""
        topics = [f"{cls.__module__}:{cls.__qualname__}.{created_event}"]
        start = max(start, 1)
        while True:
            page = self.recorder.select_notifications(start=start, limit=1000, topics=topics)
            if not page:
                return
            for n in page:
                yield self.mapper.to_domain_event(n)
            start = page[-1].id + 1


_guard_public_methods(BaseApp)


def open_item(invoice: Invoice, on: date) -> OpenItem:
    """An issued invoice as money allocated on ``on`` may pay it: no more than it owed that
    day and every day since (``Invoice.least_owed_since``)."""
    least, _ = invoice.least_owed_since(on)
    return OpenItem(invoice.id, invoice.number or "", invoice.due_date or invoice.drafted_on, least)


def allowance_charge(
    request: EnhancementRequest, entry: TimeEntry, allowance: PrepaidAllowance
) -> Charge:
    """A time entry of a request as the allowance charges it: hours, or their value in money."""
    quantity = entry.hours if allowance.unit is AllowanceUnit.HOURS else entry.value.amount
    return Charge(entry.entry_id, request.id, entry.work_date, quantity, entry.rate)


def _as_notification(row: RawNotification) -> Notification:
    """The library's notification of a row (for what only the application's mapper reads)."""
    originator_id = row[1] if isinstance(row[1], UUID) else UUID(str(row[1]))
    return Notification(
        id=row[0],
        originator_id=originator_id,
        originator_version=row[2],
        topic=row[3],
        state=bytes(row[4]),
    )


def _a(noun: str) -> str:
    """The noun with its indefinite article ("an Invoice", "a Customer")."""
    return f"{'an' if noun[:1] in 'AEIOU' else 'a'} {noun}"
