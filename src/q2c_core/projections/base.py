"""The projection contract: rows built only from events, dispatched by event class.

A projection declares which events it handles with ``@handles("Invoice.Drafted", ...)``. Its rows
live in a :class:`~q2c_core.projections.store.ProjectionStore`; a bounded cache keeps recently
used rows in memory and every change is written back, with the tracking record, once per page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEvent

from q2c_core.domain.errors import InvalidValue, RuleViolated
from q2c_core.domain.values import Period, require_day
from q2c_core.projections.store import ProjectionStore, Row, decode_row, encode_row

F = TypeVar("F", bound=Callable[..., None])

# A bound handler: ``handler(event, oid)``, ``oid`` the event's originator id as row keys write
# it (``row_key_id``), given by the decoder so no handler formats a UUID again.
Handler = Callable[[Any, str], None]

# Where each aggregate class lives, to turn "Invoice.Drafted" into a notification topic.
AGGREGATE_MODULES: dict[str, str] = {
    "Customer": "q2c_core.domain.customer",
    "EnhancementRequest": "q2c_core.domain.enhancement_request",
    "PrepaidAllowance": "q2c_core.domain.prepaid_allowance",
    "Invoice": "q2c_core.domain.invoice",
    "Payment": "q2c_core.domain.payment",
    "Contract": "q2c_core.domain.contract",
}

AGE_BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "90+")


def age_bucket(days: int) -> str:
    """The aging bucket of a number of days past due (or since the work, for unbilled items)."""
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def topic_of(name: str) -> str:
    """The notification topic of an event named "Aggregate.EventName"."""
    aggregate = name.split(".", 1)[0]
    return f"{AGGREGATE_MODULES[aggregate]}:{name}"


def handles(*names: str) -> Callable[[F], F]:
    """Mark a method as the handler of these events ("Invoice.Drafted", ...).

    A handler is called as ``handler(event, oid)``: ``oid`` is the event's originator id as row
    keys write it (32 hex digits for a UUID), given so handlers need not format UUIDs.
    """

    def mark(fn: F) -> F:
        fn.__q2c_handles__ = names  # type: ignore[attr-defined]
        return fn

    return mark


def hexid(value: UUID | None) -> str:
    """A UUID as 32 hex digits ('' for none): the form ids take in row keys."""
    return value.hex if value is not None else ""


# a UUID's ``int`` as its ``hex`` (``uuid_hex(u.int) == u.hex``), without the Python-level
# property: a replay formats ids by the hundred thousand
uuid_hex = "%032x".__mod__


def row_key_id(value: UUID | str) -> str:
    """An originator id as row keys write it: 32 hex digits for a UUID, else its text."""
    return value.hex if isinstance(value, UUID) else str(value)


def check_day(value: Any, field: str = "as_of", *, optional: bool = False) -> None:
    """A query's business day: a date (``InvalidValue`` naming the field for text, a datetime
    or None, which would compare wrongly or not at all)."""
    if value is None and optional:
        return
    require_day(value, field)


def check_period(value: Any, field: str = "period") -> None:
    """A query's period: a ``Period`` of two business days (a tuple of two days is not one;
    a ``Period`` of datetimes, a time of day, is compared with days and fails or is wrong)."""
    if not isinstance(value, Period):
        raise InvalidValue(
            f"must be a Period, not {type(value).__name__}", field=field, value=value
        )
    require_day(value.start, field)
    require_day(value.end, field)


def id_key(value: UUID | str, field: str) -> str:
    """An id a caller gives a query (the UUID the application returned, its text with dashes,
    or the 32 hex digits the reports print) as row keys write it. Text that is no id (a
    customer's name, an invoice's number) is refused (``InvalidValue`` naming ``field``), not
    read as an id nothing was recorded for."""
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, str):
        try:
            return UUID(value).hex
        except ValueError:
            raise InvalidValue(
                "must be an id (a UUID or its text), not a name or a number",
                field=field,
                value=value,
            ) from None
    raise InvalidValue("must be a UUID or its text", field=field, value=value)


def working_days(start: date, end: date) -> int:
    """Monday-to-Friday days in [start, end)."""
    days = 0
    day = start
    while day < end:
        if day.weekday() < 5:
            days += 1
        day += timedelta(days=1)
    return days


ZERO = Decimal(0)

_ABSENT: Row = {}  # (by identity) not cached; None is cached too: a row known not to exist


class KeyFilter:
    """Keys a projection may have stored (a Bloom filter: no false negatives).

    After a rebuild from an empty start the store holds only rows this projection wrote, so a
    key the filter has never seen is not in the store and looking it up (a query per miss, and
    most misses are rows seen for the first time) can be skipped. A false positive only costs
    the query it would have cost anyway. One bit per key, from ``hash(key)`` (keys' hashes are
    cached by Python, and a rebuild adds every row it writes: one position is half the work
    of two, and at a million rows per projection still leaves 96 % of misses skipped); the
    filter's size is fixed (1 MiB), so memory stays flat however long the history.
    """

    BITS: ClassVar[int] = 1 << 23

    def __init__(self) -> None:
        self._bits = bytearray(self.BITS >> 3)

    def add_all(self, keys: Iterator[str] | set[str] | dict[str, Any]) -> None:
        """Remember keys that are (or may be) stored."""
        bits = self._bits
        mask = self.BITS - 1
        bit = _BIT
        for h in map(hash, keys):
            a = h & mask
            bits[a >> 3] |= bit[a & 7]

    def __contains__(self, key: str) -> bool:
        a = hash(key) & (self.BITS - 1)
        return bool(self._bits[a >> 3] & _BIT[a & 7])


_BIT = tuple(1 << i for i in range(8))


class Projection:
    """A read model built only from events, with a typed query API in each subclass."""

    name: ClassVar[str] = ""
    handlers: ClassVar[dict[str, str]] = {}
    cache_limit: ClassVar[int] = 4_000
    cache_generations: ClassVar[int] = 2
    # what applying one of its events costs, in microseconds: its handler and its share of
    # the rows encoded and written (measured on a one-process rebuild of the demo's business
    # mix, where reading and decoding an event costs ``follower.DECODE_COST``);
    # ``rebuild(..., workers=n)`` balances its shares by it and by the events each reads
    event_cost: ClassVar[float] = 5.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                for event_name in getattr(value, "__q2c_handles__", ()):
                    found[event_name] = attr
        cls.handlers = found

    def __init__(self, store: ProjectionStore | None = None) -> None:
        self.store = store if store is not None else ProjectionStore.memory()
        self._cache: dict[str, Row | None] = {}
        # older generations of the cache, the most recent first (``cache_generations`` in all)
        self._older: list[dict[str, Row | None]] = []
        self._dirty: set[str] = set()
        self._complete = False  # True when the cache holds every row (no store look-ups)
        # after a rebuild from an empty start: every key the store may hold (else None)
        self._known: KeyFilter | None = None
        # the stored position the cached rows were read at or written up to (None: unknown);
        # a follower that finds the store elsewhere (another follower moved it) drops the cache
        self.synced_at: int | None = None
        self._bound: dict[str, Handler] = {
            event_name: getattr(self, attr) for event_name, attr in self.handlers.items()
        }

    # -- identity -------------------------------------------------------------------------------

    @property
    def tracking_name(self) -> str:
        """The name its tracking record is kept under."""
        return f"q2c.projection.{self.name}"

    @classmethod
    def topics(cls) -> list[str]:
        """Notification topics of every event this projection handles."""
        return sorted(topic_of(n) for n in cls.handlers)

    def config(self) -> dict[str, Any]:
        """Settings that change what the rows hold (a rebuild must use the same)."""
        return {}

    CONFIG_KEY: ClassVar[str] = "__config__"

    def check_config(self) -> None:
        """Refuse to extend rows built with other settings (e.g. another commission plan), or
        by a q2c that recorded none (rows that followed events without settings). Judged at
        the position the rows were read at (a follower's ``synced_at``), else the one stored
        before the settings row is read: the settings row is written with a projection's first
        position, so another follower moving a new store's position on meanwhile brings its
        settings row along (and this follower's commit, expecting the old position, is
        refused, so its run starts again from the new one)."""
        wanted = self.config()
        if not wanted:
            return
        read_at = self.synced_at
        if read_at is None:
            read_at = self.store.position(self.tracking_name)
        stored = self.get(self.CONFIG_KEY)
        if stored is None and read_at > 0:
            raise RuleViolated(
                f"projection {self.name} was built without settings by an older q2c; "
                "rebuild it from events",
                field="config",
                value=wanted,
            )
        if stored is None:
            self.put(self.CONFIG_KEY, {"config": wanted})
        elif stored["config"] != wanted:
            raise RuleViolated(
                f"projection {self.name} was built with other settings ({stored['config']}); "
                "rebuild it from events with the settings wanted",
                field="config",
                value=wanted,
            )

    def related_rows(self, key: str, row: Row) -> list[str]:
        """Other rows the numbers of row ``key`` are computed from (its queries combine them):
        ``explain`` lists their events too. None by default."""
        return []

    def relates_to(self, key: str, row: Row, event: Any) -> bool:
        """Whether an event that wrote one of ``related_rows`` concerns row ``key`` (a related
        row may be shared with other rows). Yes by default."""
        return True

    # -- applying events ------------------------------------------------------------------------

    def apply(self, event: DomainEvent) -> None:
        """Apply one event, when this projection handles it."""
        handler = self._bound.get(type(event).__qualname__)
        if handler is not None:
            handler(event, row_key_id(event.originator_id))

    def handler_for(self, qualname: str) -> Handler | None:
        """The bound handler of an event class (``handler(event, oid)``), or None."""
        return self._bound.get(qualname)

    # -- rows -----------------------------------------------------------------------------------

    def get(self, key: str) -> Row | None:
        """One row (a live dict: change it, then ``put`` it), or None."""
        cache = self._cache
        row = cache.get(key, _ABSENT)
        if row is not _ABSENT:
            return row
        for older in self._older:
            row = older.get(key, _ABSENT)
            if row is not _ABSENT:
                cache[key] = row
                return row
        row = None
        known = self._known
        if not self._complete and (known is None or key in known):
            text = self.store.recorder.load_row(self.name, key)
            row = decode_row(text, projection=self.name, key=key) if text is not None else None
        self._cache[key] = row
        return row

    def put(self, key: str, row: Row) -> None:
        """Record a new or changed row."""
        self._cache[key] = row
        self._dirty.add(key)

    def touch(self, key: str) -> Row | None:
        """The row to change in place (``get`` and ``put`` in one step), or None."""
        row = self._cache.get(key)
        if row is None:
            row = self.get(key)
            if row is None:
                return None
        self._dirty.add(key)
        return row

    def delete(self, key: str) -> None:
        """Remove a row."""
        self._cache[key] = None
        self._dirty.add(key)

    def has_changes(self) -> bool:
        """Whether rows were changed since the last ``take_changes``."""
        return bool(self._dirty)

    def take_changes(self) -> tuple[dict[str, str], frozenset[str]]:
        """Rows changed since the last page, encoded, and keys deleted."""
        upserts: dict[str, str] = {}
        deletes: set[str] = set()
        for key in self._dirty:
            row = self._cache.get(key)
            if row is None:
                deletes.add(key)
            else:
                upserts[key] = encode_row(row)
        if self._known is not None:
            self._known.add_all(upserts)
        self._dirty.clear()
        return upserts, frozenset(deletes)

    def after_commit(self) -> None:
        """Keep memory bounded: ``cache_generations`` generations of cached rows; the oldest
        is dropped when the young one is full, so recently used rows stay (a row read from an
        older generation moves to the young one) and memory stays flat."""
        if len(self._cache) > self.cache_limit:
            self._older.insert(0, self._cache)
            del self._older[self.cache_generations - 1 :]
            self._cache = {}
            self._complete = False

    def forget_cache(self) -> None:
        """Drop uncommitted changes and cached rows (after a failed or raced commit)."""
        self._cache.clear()
        self._older = []
        self._dirty.clear()
        self._complete = False
        self._known = None  # another writer may have stored rows this one never saw
        self.synced_at = None

    def start_empty(self) -> None:
        """Empty rows and position, to rebuild from an empty start."""
        self.store.reset(self.name, self.tracking_name)
        self.forget_cache()
        self._complete = True
        self._known = KeyFilter()
        self.synced_at = 0

    def rows(self) -> dict[str, Row]:
        """Every committed row (the query API reads these)."""
        if self._complete and not self._dirty:
            return {k: v for k, v in self._cache.items() if v is not None}
        result = self.store.load(self.name)
        for key in self._dirty:
            row = self._cache.get(key)
            if row is None:
                result.pop(key, None)
            else:
                result[key] = row
        return result

    def rows_with_prefix(self, prefix: str) -> Iterator[tuple[str, Row]]:
        """Rows whose key starts with a prefix, e.g. ``"inv:"``."""
        for key, row in self.rows().items():
            if key.startswith(prefix):
                yield key, row
