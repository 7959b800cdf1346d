"""Decoding notifications for the read side, fast.

The application's mapper rebuilds every value through cattrs and the attrs validators, which is
right when a command is about to act on it and slow for a replay of a million events that were
all validated when they were recorded. ``TrustedDecoder`` reads the same stored state with the
same transcoding names, and builds attrs values without re-validating them. Anything it does not
recognise exactly (an unknown transcoding, an attrs value whose stored fields differ from the
class's, an event class with upcasting, a cipher or compressor) goes through the application's
own transcoding, so the result is the same event.

The JSON text is parsed without an ``object_hook`` (by ``orjson`` when it is installed, an
optional speed-up, else by the standard library's C parser) and the tagged
``{"_type_": ..., "_data_": ...}`` values are then converted bottom-up, the same values the
transcoder's hook gives. Three things make that cheap on a long history:

* Immutable values written as a short string (ids, amounts, dates, enum members, and q2c's
  compact ``Money``, ``Period`` and ``TaxRate``) repeat a lot: each is parsed once and kept in a
  bounded cache (emptied when full, so memory stays flat), and the same object is handed out
  again. They are immutable (UUID, Decimal, date, enum members, frozen attrs classes), so
  sharing them changes nothing.
* q2c's attrs values in their compact dict form are built by a reader compiled per class
  (straight-line code, fields set without validators, as the transcoding's own trusted reading
  does), whose inline strings go through the same caches; anything else about the value hands
  it to the transcoding's ``decode_trusted``.
* ``decode_row`` reads the plain tuples of ``NotificationReader`` and gives the originator id's
  32 hex digits with the event, so projections key their rows without formatting UUIDs.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, SafeUUID

import attrs
from eventsourcing.application import Application
from eventsourcing.persistence import (
    Notification,
    StoredEvent,
    find_id_convertor,
    str_to_uuid_convertor,
)
from eventsourcing.utils import resolve_topic

from q2c_core.projections.reader import RawNotification

_fast_loads: Callable[[bytes | str], Any] | None
try:  # optional: q2c_core depends only on eventsourcing, attrs and cattrs
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - exercised where orjson is not installed
    _fast_loads = None

_MISSING: Any = object()
_new = object.__new__
_set = object.__setattr__
_SAFE_UNKNOWN = SafeUUID.unknown

# entries per cache before it is emptied: enough for every id and amount of a page's aggregates
CACHE_LIMIT = 1 << 15


def uuid_of(text: str) -> UUID:
    """``UUID(text)``, without the constructor's Python-level checks for the plain 32-digit
    form (the form eventsourcing's SQLite recorder and q2c's transcoding write)."""
    if len(text) != 32:
        return UUID(text)
    u = _new(UUID)
    _set(u, "int", int(text, 16))  # (raises ValueError for what UUID() refuses)
    _set(u, "is_safe", _SAFE_UNKNOWN)
    return u


class _Cache(dict[str, Any]):
    """Parsed values by their stored string; emptied when full."""

    __slots__ = ("parse",)

    def __init__(self, parse: Callable[[str], Any]) -> None:
        super().__init__()
        self.parse = parse

    def __missing__(self, text: str) -> Any:
        value = self.parse(text)
        if type(text) is str:  # (anything else is parsed, never kept)
            if len(self) >= CACHE_LIMIT:
                self.clear()
            self[text] = value
        return value


def _immutable_value_types() -> tuple[type[Any], ...]:
    from q2c_core.domain.money import Money
    from q2c_core.domain.tax import TaxRate
    from q2c_core.domain.values import Period

    return (Money, Period, TaxRate)


class TrustedDecoder:
    """Turns notifications into domain events like ``app.mapper.to_domain_event``, faster."""

    def __init__(self, app: Application[Any]) -> None:
        self.mapper = app.mapper
        transcoder: Any = app.mapper.transcoder
        self.plain = app.mapper.cipher is None and app.mapper.compressor is None
        immutable = _immutable_value_types()
        builders: dict[str, Callable[[Any], Any]] = {}
        # string data -> value, cached: only for values that are immutable
        strings: dict[str, _Cache | _Passthrough] = {}
        by_type: dict[type[Any], _Cache | _Passthrough] = {}
        attrs_kinds: dict[str, tuple[type[Any], Any]] = {}
        for name, transcoding in transcoder.names.items():
            kind = getattr(transcoding, "type", None)
            cached: Callable[[str], Any] | None = None
            if name == "decimal_str":
                builders[name] = cached = Decimal
            elif name == "uuid_hex":
                builders[name] = cached = uuid_of
            elif name == "datetime_iso":
                builders[name] = datetime.fromisoformat  # (unique per event: not cached)
                strings[name] = by_type[datetime] = _Passthrough(datetime.fromisoformat)
            elif name == "date_iso":
                builders[name] = cached = date.fromisoformat
            elif isinstance(kind, type) and issubclass(kind, enum.Enum):
                builders[name] = cached = kind.__getitem__
            elif isinstance(kind, type) and attrs.has(kind):
                trusted = getattr(transcoding, "decode_trusted", None)
                builders[name] = trusted or _trusted_attrs(kind, transcoding.decode)
                if trusted is not None:
                    attrs_kinds[name] = (kind, trusted)
                    if issubclass(kind, immutable):
                        cached = trusted  # its compact string form
            else:
                builders[name] = transcoding.decode
            if cached is not None and isinstance(kind, type):
                strings[name] = by_type[kind] = _Cache(cached)
        # q2c's attrs values in their compact dict form: compiled readers with cached strings
        self.readers: dict[str, _ShapeReader] = {}
        for name, (kind, trusted) in attrs_kinds.items():
            reader = _compiled_reader(kind, trusted, by_type)
            if reader is not None:
                self.readers[name] = reader
        self.builders = builders
        self.strings = strings
        self._convert, tagged = _converter(builders, strings, self.readers)
        for reader in self.readers.values():
            reader.bind(tagged, self._convert)
        self.classes: dict[str, type[Any] | None] = {}
        self._id_convert: dict[type[Any], bool] = {}
        self._ids: dict[str, tuple[UUID, str]] = {}

    def _class(self, topic: str) -> type[Any] | None:
        try:
            return self.classes[topic]
        except KeyError:
            cls = resolve_topic(topic)
            usable = getattr(cls, "class_version", 1) == 1
            self.classes[topic] = cls if usable else None
            return self.classes[topic]

    def decode_state(self, raw: bytes | str) -> dict[str, Any]:
        """Stored state (JSON text) to its values, as the transcoder's ``decode`` gives them."""
        state: dict[str, Any] = self._convert(_loads(raw))
        return state

    def decode(self, n: Notification | StoredEvent) -> Any:
        """The domain event of a stored notification."""
        cls = self._class(n.topic) if self.plain else None
        if cls is None:
            return self.mapper.to_domain_event(n)
        state = self.decode_state(n.state)
        if "class_version" in state:
            return self.mapper.to_domain_event(n)
        state["originator_id"] = self._originator(cls, n.originator_id)[0]
        state["originator_version"] = n.originator_version
        event = _new(cls)
        _set(event, "__dict__", state)
        return event

    def decode_row(self, row: RawNotification, fallback: Callable[[RawNotification], Any]) -> Any:
        """The domain event of a ``NotificationReader`` row, and its originator id as row keys
        write it (32 hex digits for a UUID). ``fallback`` gives the library's Notification of
        the row, for what only the mapper reads."""
        topic = row[3]
        cls = self._class(topic) if self.plain else None
        if cls is not None:
            state = self._convert(_loads(row[4]))
            if "class_version" not in state:
                oid, key = self._originator(cls, row[1])
                state["originator_id"] = oid
                state["originator_version"] = row[2]
                event = _new(cls)
                _set(event, "__dict__", state)
                return event, key
        event = self.mapper.to_domain_event(fallback(row))
        oid = event.originator_id
        return event, oid.hex if isinstance(oid, UUID) else str(oid)

    def _originator(self, cls: type[Any], stored: Any) -> tuple[Any, str]:
        """The event's originator id, as the mapper converts it, and its row-key form."""
        kind = type(stored)
        if kind is str:
            convert = self._id_convert.get(cls)
            if convert is None:
                # what the mapper does with a stored text id: UUID() it when the event's is one
                finder: Any = find_id_convertor
                convert = finder(cls, str) is str_to_uuid_convertor
                self._id_convert[cls] = convert
            if convert:
                ids = self._ids
                found: tuple[UUID, str] | None = ids.get(stored)
                if found is None:
                    u = uuid_of(stored)
                    if len(ids) >= CACHE_LIMIT:
                        ids.clear()
                    found = ids[stored] = (u, u.hex)
                return found
            return stored, stored
        if isinstance(stored, UUID):
            return stored, stored.hex
        return stored, str(stored)


class _Passthrough:
    """A parser used where a cache would be, for values that never repeat (timestamps)."""

    __slots__ = ("parse",)

    def __init__(self, parse: Callable[[str], Any]) -> None:
        self.parse = parse

    def __getitem__(self, text: str) -> Any:
        return self.parse(text)


def _trusted_attrs(cls: type[Any], fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    fields = attrs.fields(cls)
    names = frozenset(f.name for f in fields)
    converters = [(f.name, f.converter) for f in fields if f.converter is not None]

    def build(data: Any) -> Any:
        if not isinstance(data, dict) or data.keys() != names:
            return fallback(data)
        for name, convert in converters:
            value = data[name]
            if isinstance(value, list):
                data[name] = convert(value)
        obj = _new(cls)
        for name, value in data.items():
            _set(obj, name, value)
        return obj

    return build


_NATIVE = (str, int, bool)


def _field_plan(f: Any, by_type: dict[type[Any], Any]) -> tuple[str, Any] | None:
    """How a reader sets one field from its compact form: ("native" | "codec" | "codecs" |
    "items" | "objects" | "attrs", detail), or None when only the transcoding's own reading
    will do."""
    declared = f.type
    args = typing.get_args(declared)
    optional = typing.get_origin(declared) in (typing.Union, types.UnionType) and (
        type(None) in args
    )
    inner = [a for a in args if a is not type(None)] if optional else [declared]
    if len(inner) != 1:
        return None
    one = inner[0]
    if isinstance(one, type):
        if one in by_type:
            return "codec", by_type[one]
        if one in _NATIVE:
            return "native", one
        if attrs.has(one):
            return "attrs", one
        return None
    if typing.get_origin(one) is tuple and not optional:
        targs = typing.get_args(one)
        if len(targs) == 2 and targs[1] is Ellipsis and isinstance(targs[0], type):
            item = targs[0]
            if item in by_type:
                return "codecs", by_type[item]
            if item in _NATIVE:
                return "items", item
            if attrs.has(item):
                return "objects", item
    return None


def _compiled_reader(
    cls: type[Any], trusted: Callable[[Any], Any], by_type: dict[type[Any], Any]
) -> _ShapeReader | None:
    """A reader of one attrs class's compact dict form (see ``_ShapeReader``), or None when
    some field needs the transcoding's own reading always."""
    attrs.resolve_types(cls)
    plan: dict[str, tuple[int, Any, str, Any, Any]] = {}
    for i, f in enumerate(attrs.fields(cls)):
        found = _field_plan(f, by_type)
        if found is None:
            return None
        if f.converter is not None and found[0] in ("attrs", "objects"):
            return None  # the transcoding re-validates such a class: so must we
        if isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            return None
        slot = getattr(cls, f.name, None)  # a slotted class's member descriptor, set directly
        setter = slot.__set__ if isinstance(slot, types.MemberDescriptorType) else None
        plan[f.name] = (i, f.default, *found, setter)
    return _ShapeReader(cls, plan, trusted)


class _ShapeReader:
    """Reads one attrs class's compact dict form, as stored (not converted yet).

    Every field is set as stored (its default when left out), inline strings read through the
    caches, nested values read by their own readers, and no converter or validator is run (as
    the transcoding's own trusted reading does). The code is compiled per shape (the stored
    keys, in order: a class is written in a few shapes, one per kind of value), so a field left
    out costs setting its default and nothing else. It never changes the data it reads: on
    anything it does not expect (a field the class does not have, a required one missing, a
    value of another type) it hands the data to the general path, which converts it
    innermost first and calls the transcoding's own ``decode_trusted``: the same value.
    """

    MAX_SHAPES = 64

    def __init__(
        self,
        cls: type[Any],
        plan: dict[str, tuple[int, Any, str, Any, Any]],
        trusted: Callable[[Any], Any],
    ) -> None:
        self.cls = cls
        self.plan = plan
        self.trusted = trusted
        self.shapes: dict[tuple[str, ...], Callable[[Any], Any]] = {}
        self.tagged: Callable[[Any], Any] = trusted
        self.convert: Callable[[Any], Any] = trusted

    def bind(self, tagged: Callable[[Any], Any], convert: Callable[[Any], Any]) -> None:
        """The converter's functions: a tagged value's value, and any stored value's."""
        self.tagged = tagged
        self.convert = convert

    def general(self, data: Any) -> Any:
        """What the general path gives: the data converted innermost first, then read by the
        transcoding's own trusted reading."""
        return self.trusted(self.convert(data))

    def __call__(self, data: Any) -> Any:
        if type(data) is not dict:
            return self.general(data)
        shape = tuple(data)
        read = self.shapes.get(shape)
        if read is None:
            read = self._compile(shape)
            if len(self.shapes) < self.MAX_SHAPES:
                self.shapes[shape] = read
        return read(data)

    def _compile(self, shape: tuple[str, ...]) -> Callable[[Any], Any]:
        plan = self.plan
        if any(key not in plan for key in shape) or any(
            default is attrs.NOTHING and name not in shape
            for name, (_, default, *_rest) in plan.items()
        ):
            return self.general  # a field it does not have, or a required one missing
        env: dict[str, Any] = {
            "_new": _new,
            "_set": _set,
            "_cls": self.cls,
            "_tuple": tuple,
            "_type": type,
            "_str": str,
            "_dict": dict,
            "_list": list,
            "_len": len,
            "general": self.general,
            "tagged": self.tagged,
        }
        lines = ["def read(data):", "    obj = _new(_cls)"]

        def assign(i: int, name: str, value: str, setter: Any) -> str:
            if setter is not None:
                env[f"S{i}"] = setter
                return f"    S{i}(obj, {value})"
            return f"    _set(obj, {name!r}, {value})"

        def is_tagged(var: str) -> str:
            return (
                f"_type({var}) is _dict and _len({var}) == 2 "
                f"and '_type_' in {var} and '_data_' in {var}"
            )

        for name in shape:
            i, _, mode, detail, setter = plan[name]
            env[f"X{i}"] = detail
            lines += [f"    raw = data[{name!r}]", "    if raw is not None:"]
            if mode == "native":  # set as stored
                lines += [f"        if _type(raw) is not X{i}:", "            return general(data)"]
            elif mode == "codec":
                lines += [
                    "        if _type(raw) is not _str:",
                    "            return general(data)",
                    f"        raw = X{i}[raw]",
                ]
            elif mode == "codecs":
                lines += [
                    "        if _type(raw) is not _list:",
                    "            return general(data)",
                    "        for x in raw:",
                    "            if _type(x) is not _str:",
                    "                return general(data)",
                    f"        raw = _tuple([X{i}[x] for x in raw])",
                ]
            elif mode == "items":
                lines += [
                    "        if _type(raw) is not _list:",
                    "            return general(data)",
                    "        for x in raw:",
                    f"            if _type(x) is not X{i}:",
                    "                return general(data)",
                    "        raw = _tuple(raw)",
                ]
            elif mode == "objects":  # a tuple of attrs values, each stored tagged
                lines += [
                    "        if _type(raw) is not _list:",
                    "            return general(data)",
                    "        items = []",
                    "        for x in raw:",
                    f"            if not ({is_tagged('x')}):",
                    "                return general(data)",
                    "            x = tagged(x)",
                    f"            if _type(x) is not X{i}:",
                    "                return general(data)",
                    "            items.append(x)",
                    "        raw = _tuple(items)",
                ]
            else:  # attrs: one attrs value, stored tagged
                lines += [
                    f"        if not ({is_tagged('raw')}):",
                    "            return general(data)",
                    "        raw = tagged(raw)",
                    f"        if _type(raw) is not X{i}:",
                    "            return general(data)",
                ]
            lines.append(assign(i, name, "raw", setter))
        for name, (i, default, _, _, setter) in plan.items():
            if name not in shape:
                env[f"D{i}"] = default
                lines.append(assign(i, name, f"D{i}", setter))
        lines.append("    return obj")
        source = "\n".join(lines)
        label = f"<q2c cached reading of {self.cls.__qualname__} {shape}>"
        exec(compile(source, label, "exec"), env)
        read: Callable[[Any], Any] = env["read"]
        return read


def _std_loads(raw: bytes | str) -> Any:
    if isinstance(raw, bytes | bytearray | memoryview):
        return json.loads(bytes(raw).decode("utf8"))
    return json.loads(raw)


def _loads(raw: bytes | str) -> Any:
    """Parse JSON text (bytes or str) into plain Python values."""
    if _fast_loads is not None:
        try:
            return _fast_loads(raw)
        except ValueError:  # e.g. a lone surrogate escape, which the stdlib parser accepts
            pass
    return _std_loads(raw)


def _converter(
    builders: dict[str, Callable[[Any], Any]],
    strings: dict[str, _Cache | _Passthrough],
    readers: dict[str, _ShapeReader],
) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Turn parsed JSON into the transcoder's values: every dict that is exactly
    ``{"_type_", "_data_"}`` becomes its transcoding's value, innermost first (what the
    transcoder's ``object_hook`` does); lists and other dicts are converted in place.
    Values stored as strings come from their cache (or parser); q2c's attrs values in their
    dict form from their compiled reader."""
    dict_ = dict
    list_ = list
    str_ = str

    def tagged(value: dict[str, Any]) -> Any:
        """The value of a ``{"_type_", "_data_"}`` dict."""
        name = value["_type_"]
        data = value["_data_"]
        kind = type(data)
        if kind is str_:
            cache = strings.get(name)
            if cache is not None:
                return cache[data]
        elif kind is dict_:
            reader = readers.get(name)
            if reader is not None:
                return reader(data)  # (it reads the data as stored)
            if len(data) == 2 and "_type_" in data and "_data_" in data:
                data = tagged(data)
            else:
                fill(data)
        elif kind is list_:
            fill_list(data)
        return builders[name](data)

    def fill(value: dict[str, Any]) -> None:
        """Convert a plain dict's values in place."""
        for key, item in value.items():
            kind = type(item)
            if kind is dict_:
                if len(item) == 2 and "_type_" in item and "_data_" in item:
                    data = item["_data_"]
                    if type(data) is str_:
                        cache = strings.get(item["_type_"])
                        if cache is not None:
                            value[key] = cache[data]
                            continue
                    value[key] = tagged(item)
                else:
                    fill(item)
            elif kind is list_:
                fill_list(item)

    def fill_list(value: list[Any]) -> None:
        """Convert a list's items in place."""
        for i, item in enumerate(value):
            kind = type(item)
            if kind is dict_:
                if len(item) == 2 and "_type_" in item and "_data_" in item:
                    value[i] = tagged(item)
                else:
                    fill(item)
            elif kind is list_:
                fill_list(item)

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is dict_:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return tagged(value)
            fill(value)
        elif kind is list_:
            fill_list(value)
        return value

    return convert, tagged
